/*
 * `gitops.clusters` and `gitops.demoCluster`: read and validated here (the
 * zod schema of src/config.ts only lets the keys through). The same checks
 * read the Kubernetes plugin's clusters (kubernetesPluginClusters.ts).
 */
import fs from 'node:fs';
import type { Config } from '@backstage/config';
import { InputError } from '@backstage/errors';
import type { WatchScope } from './watchScope';

/** One watched cluster. The token never leaves the backend. */
export interface ClusterConfig {
  name: string;
  url: string;
  authProvider: 'serviceAccount';
  serviceAccountToken: string;
  /** Base64 PEM of the API server's CA. */
  caData?: string;
  /** Path of a PEM file with the API server's CA (read by the client). */
  caFile?: string;
  skipTLSVerify?: boolean;
  /** What is watched and how lists are paged (default: whole cluster, pages of 500). */
  scope?: WatchScope;
}

const NAMESPACE = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

/** A cluster entry that cannot be watched; `message` names the key at fault. */
export class ClusterConfigError extends InputError {}

function fail(message: string): never {
  throw new ClusterConfigError(message);
}

/**
 * Reads one cluster entry (`key` is its config path, for messages). The
 * token comes from `serviceAccountToken` or, as the Kubernetes plugin also
 * accepts, `authMetadata.serviceAccountToken`. Never puts the token in an error.
 */
export function parseClusterEntry(c: Config, key: string): ClusterConfig {
  const name = c.getOptionalString('name');
  if (!name || !NAME.test(name)) {
    fail(`${key}.name: must be 1-63 letters, digits, ".", "_" or "-"`);
  }
  const url = c.getOptionalString('url');
  if (!url || !/^https?:\/\/[^\s/]+/.test(url)) {
    fail(`${key}.url: must be an http(s) URL of the API server`);
  }
  // Read raw, as the Kubernetes plugin does: its keys contain dots.
  const metadata = (c.getOptional('authMetadata') ?? {}) as Record<
    string,
    unknown
  >;
  const text = (v: unknown) => (typeof v === 'string' && v ? v : undefined);
  const authProvider =
    text(metadata['kubernetes.io/auth-provider']) ??
    c.getOptionalString('authProvider') ??
    'serviceAccount';
  if (authProvider !== 'serviceAccount') {
    fail(
      `${key}.authProvider: only "serviceAccount" is supported, got "${authProvider}"`,
    );
  }
  const serviceAccountToken =
    c.getOptionalString('serviceAccountToken') ??
    text(metadata.serviceAccountToken);
  if (!serviceAccountToken) fail(`${key}.serviceAccountToken: required`);
  const skipTLSVerify = c.getOptionalBoolean('skipTLSVerify');
  if (url.startsWith('http:') && !skipTLSVerify) {
    fail(`${key}.url: plain http needs skipTLSVerify: true (development only)`);
  }
  const caFile = c.getOptionalString('caFile');
  if (caFile && !fs.existsSync(caFile)) {
    fail(`${key}.caFile: no file at ${caFile}`);
  }
  const scope = readScope(c, key);
  return {
    name,
    url: url.replace(/\/+$/, ''),
    authProvider,
    serviceAccountToken,
    caData: c.getOptionalString('caData'),
    ...(caFile ? { caFile } : {}),
    skipTLSVerify,
    ...(scope ? { scope } : {}),
  };
}

/** `namespaces`, `labelSelector`, `listPageSize` and `maxObjects` of a cluster entry. */
function readScope(c: Config, key: string): WatchScope | undefined {
  const namespaces = c.getOptionalStringArray('namespaces');
  for (const ns of namespaces ?? []) {
    if (!NAMESPACE.test(ns))
      fail(`${key}.namespaces: "${ns}" is not a namespace name`);
  }
  const labelSelector = c.getOptionalString('labelSelector');
  if (labelSelector !== undefined && !/^[^\n\r]{1,1000}$/.test(labelSelector)) {
    fail(`${key}.labelSelector: must be one line of at most 1000 characters`);
  }
  const pageSize = c.getOptionalNumber('listPageSize');
  if (
    pageSize !== undefined &&
    !(Number.isInteger(pageSize) && pageSize >= 1 && pageSize <= 10000)
  ) {
    fail(`${key}.listPageSize: must be an integer from 1 to 10000`);
  }
  const maxObjects = c.getOptionalNumber('maxObjects');
  if (
    maxObjects !== undefined &&
    !(Number.isInteger(maxObjects) && maxObjects >= 1)
  ) {
    fail(`${key}.maxObjects: must be a positive integer`);
  }
  if (
    !namespaces?.length &&
    !labelSelector &&
    pageSize === undefined &&
    maxObjects === undefined
  )
    return undefined;
  return {
    ...(namespaces?.length ? { namespaces: [...new Set(namespaces)] } : {}),
    ...(labelSelector ? { labelSelector } : {}),
    ...(pageSize !== undefined ? { pageSize } : {}),
    ...(maxObjects !== undefined ? { maxObjects } : {}),
  };
}

/** Reads `gitops.clusters`; fails startup with the key at fault. */
export function readClusterConfigs(config: Config): ClusterConfig[] {
  const list = config.getOptionalConfigArray('gitops.clusters') ?? [];
  const names = new Set<string>();
  return list.map((c, i) => {
    const key = `gitops.clusters[${i}]`;
    let cluster: ClusterConfig;
    try {
      cluster = parseClusterEntry(c, key);
    } catch (e) {
      if (e instanceof ClusterConfigError) {
        throw new InputError(`Invalid gitops configuration: ${e.message}`);
      }
      throw e;
    }
    if (names.has(cluster.name)) {
      throw new InputError(
        `Invalid gitops configuration: ${key}.name: duplicate cluster "${cluster.name}"`,
      );
    }
    names.add(cluster.name);
    return cluster;
  });
}

/** `gitops.demoCluster.enabled`. */
export function demoClusterEnabled(config: Config): boolean {
  return config.getOptionalBoolean('gitops.demoCluster.enabled') ?? false;
}
