/*
 * `gitops.clusters` and `gitops.demoCluster`: read and validated here (the
 * zod schema of src/config.ts only lets the keys through).
 */
import type { Config } from '@backstage/config';
import { InputError } from '@backstage/errors';

/** One watched cluster. The token never leaves the backend. */
export interface ClusterConfig {
  name: string;
  url: string;
  authProvider: 'serviceAccount';
  serviceAccountToken: string;
  caData?: string;
  skipTLSVerify?: boolean;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

function fail(message: string): never {
  throw new InputError(`Invalid gitops configuration: ${message}`);
}

/** Reads `gitops.clusters`; fails startup with the key at fault. */
export function readClusterConfigs(config: Config): ClusterConfig[] {
  const list = config.getOptionalConfigArray('gitops.clusters') ?? [];
  const names = new Set<string>();
  return list.map((c, i) => {
    const key = `gitops.clusters[${i}]`;
    const name = c.getOptionalString('name');
    if (!name || !NAME.test(name)) {
      fail(`${key}.name: must be 1-63 letters, digits, ".", "_" or "-"`);
    }
    if (names.has(name)) fail(`${key}.name: duplicate cluster "${name}"`);
    names.add(name);
    const url = c.getOptionalString('url');
    if (!url || !/^https?:\/\/[^\s/]+/.test(url)) {
      fail(`${key}.url: must be an http(s) URL of the API server`);
    }
    const authProvider =
      c.getOptionalString('authProvider') ?? 'serviceAccount';
    if (authProvider !== 'serviceAccount') {
      fail(
        `${key}.authProvider: only "serviceAccount" is supported, got "${authProvider}"`,
      );
    }
    const serviceAccountToken = c.getOptionalString('serviceAccountToken');
    if (!serviceAccountToken) fail(`${key}.serviceAccountToken: required`);
    const skipTLSVerify = c.getOptionalBoolean('skipTLSVerify');
    if (url.startsWith('http:') && !skipTLSVerify) {
      fail(
        `${key}.url: plain http needs skipTLSVerify: true (development only)`,
      );
    }
    return {
      name,
      url: url.replace(/\/+$/, ''),
      authProvider,
      serviceAccountToken,
      caData: c.getOptionalString('caData'),
      skipTLSVerify,
    };
  });
}

/** `gitops.demoCluster.enabled`. */
export function demoClusterEnabled(config: Config): boolean {
  return config.getOptionalBoolean('gitops.demoCluster.enabled') ?? false;
}
