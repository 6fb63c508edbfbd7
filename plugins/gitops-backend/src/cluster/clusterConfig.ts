/*
 * `gitops.clusters` and `gitops.demoCluster`: read and validated here (the
 * zod schema of src/config.ts only lets the keys through). The same checks
 * read the Kubernetes plugin's clusters (kubernetesPluginClusters.ts).
 */
import fs from 'node:fs';
import type { Config } from '@backstage/config';
import { InputError } from '@backstage/errors';
import type { WatchScope } from './watchScope';

/**
 * How the backend authenticates to a cluster: a service account token, or a
 * bearer token from the backend's cloud credentials through the Kubernetes
 * plugin's auth strategies (src/cluster/cloudBearerTokens.ts), given the
 * entry's `authMetadata` (for `aws`: `kubernetes.io/aws-assume-role`,
 * `kubernetes.io/aws-external-id`, `kubernetes.io/x-k8s-aws-id`).
 */
export type ClusterAuth =
  | { authProvider: 'serviceAccount'; serviceAccountToken: string }
  | {
      authProvider: CloudAuthProvider;
      authMetadata: Record<string, string>;
    };

/** Providers whose token comes from the backend's cloud credentials. */
export type CloudAuthProvider = 'aws' | 'googleServiceAccount';

/** One watched cluster. The token never leaves the backend. */
export type ClusterConfig = ClusterConnectionConfig & ClusterAuth;

/** A cluster whose token comes from the backend's cloud credentials. */
export type CloudClusterConfig = Extract<
  ClusterConfig,
  { authProvider: CloudAuthProvider }
>;

interface ClusterConnectionConfig {
  name: string;
  url: string;
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

const AWS_METADATA = [
  'kubernetes.io/aws-assume-role',
  'kubernetes.io/aws-external-id',
  'kubernetes.io/x-k8s-aws-id',
];

/** Providers of per-user tokens (signed-in user, from the browser). */
const PER_USER = ['google', 'oidc', 'aks'];

/** A cluster entry that cannot be watched; `message` names the key at fault. */
export class ClusterConfigError extends InputError {}

function fail(message: string): never {
  throw new ClusterConfigError(message);
}

/**
 * Reads one cluster entry (`key` is its config path, for messages). The
 * token comes from `serviceAccountToken` or, as the Kubernetes plugin also
 * accepts, `authMetadata.serviceAccountToken`. With `cloudProviders` (the
 * Kubernetes plugin's entries) `aws` and `googleServiceAccount` are read
 * too, with their `authMetadata` as the Kubernetes plugin builds it
 * (`assumeRole`/`externalId` keys, overridden by the `authMetadata` block).
 * Never puts the token in an error.
 */
export function parseClusterEntry(
  c: Config,
  key: string,
  options: { cloudProviders?: boolean } = {},
): ClusterConfig {
  const name = c.getOptionalString('name');
  if (!name || !NAME.test(name)) {
    fail(`${key}.name: must be 1-63 letters, digits, ".", "_" or "-"`);
  }
  const url = c.getOptionalString('url');
  if (!url || !/^https?:\/\/[^\s/]+/.test(url)) {
    fail(`${key}.url: must be an http(s) URL of the API server`);
  }
  const auth = readAuth(c, key, options.cloudProviders ?? false);
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
    ...auth,
    caData: c.getOptionalString('caData'),
    ...(caFile ? { caFile } : {}),
    skipTLSVerify,
    ...(scope ? { scope } : {}),
  };
}

const text = (v: unknown) => (typeof v === 'string' && v ? v : undefined);

/** The auth provider of an entry and what it needs. */
function readAuth(
  c: Config,
  key: string,
  cloudProviders: boolean,
): ClusterAuth {
  // Read raw, as the Kubernetes plugin does: its keys contain dots.
  const metadata = (c.getOptional('authMetadata') ?? {}) as Record<
    string,
    unknown
  >;
  const authProvider =
    text(metadata['kubernetes.io/auth-provider']) ??
    c.getOptionalString('authProvider') ??
    'serviceAccount';
  if (authProvider === 'serviceAccount') {
    const serviceAccountToken =
      c.getOptionalString('serviceAccountToken') ??
      text(metadata.serviceAccountToken);
    if (!serviceAccountToken) fail(`${key}.serviceAccountToken: required`);
    return { authProvider, serviceAccountToken };
  }
  if (!cloudProviders) {
    fail(
      `${key}.authProvider: only "serviceAccount" is supported here, got "${authProvider}" (aws and googleServiceAccount: in the Kubernetes plugin's kubernetes.clusterLocatorMethods)`,
    );
  }
  if (authProvider === 'aws') {
    const merged: Record<string, unknown> = {
      'kubernetes.io/aws-assume-role': c.getOptionalString('assumeRole'),
      'kubernetes.io/aws-external-id': c.getOptionalString('externalId'),
      ...metadata,
    };
    const authMetadata: Record<string, string> = {};
    for (const k of AWS_METADATA) {
      const v = text(merged[k]);
      if (v) authMetadata[k] = v;
    }
    return { authProvider, authMetadata };
  }
  if (authProvider === 'googleServiceAccount') {
    return { authProvider, authMetadata: {} };
  }
  const supported = '(supported: serviceAccount, aws, googleServiceAccount)';
  if (PER_USER.includes(authProvider)) {
    fail(
      `${key}.authProvider: "${authProvider}" gives per-user tokens from the browser, which a backend watch does not have ${supported}`,
    );
  }
  return fail(
    `${key}.authProvider: "${authProvider}" is not supported by live status ${supported}`,
  );
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
