/*
 * The Kubernetes plugin's clusters (`kubernetes.clusterLocatorMethods`), so
 * that a portal which already runs it configures its clusters once. Only the
 * `config` locator, and only what can be watched with a bearer token from the
 * backend: the rest is skipped with its reason (docs/clusters.md).
 */
import type { Config } from '@backstage/config';
import {
  ClusterConfig,
  ClusterConfigError,
  parseClusterEntry,
} from './clusterConfig';

/** A cluster of the Kubernetes plugin that live status does not watch, and why. */
export interface SkippedCluster {
  /** Config path of the entry, e.g. `kubernetes.clusterLocatorMethods[0].clusters[2]`. */
  key: string;
  name?: string;
  reason: string;
}

/**
 * Reads `kubernetes.clusterLocatorMethods[].clusters` of `type: config`.
 * Never throws for the Kubernetes plugin's own keys (they are its to
 * validate): an entry that cannot be watched is skipped with its reason.
 */
export function readKubernetesPluginClusters(config: Config): {
  clusters: ClusterConfig[];
  skipped: SkippedCluster[];
} {
  const clusters: ClusterConfig[] = [];
  const skipped: SkippedCluster[] = [];
  const methods =
    config.getOptionalConfigArray('kubernetes.clusterLocatorMethods') ?? [];
  methods.forEach((method, i) => {
    const methodKey = `kubernetes.clusterLocatorMethods[${i}]`;
    const type = method.getOptionalString('type');
    if (type !== 'config') {
      skipped.push({
        key: methodKey,
        reason: `cluster locator type "${type}" is not read (only "config")`,
      });
      return;
    }
    (method.getOptionalConfigArray('clusters') ?? []).forEach((c, j) => {
      const key = `${methodKey}.clusters[${j}]`;
      const name = c.getOptionalString('name');
      try {
        const cluster = parseClusterEntry(c, key, { cloudProviders: true });
        if (clusters.some(x => x.name === cluster.name)) {
          skipped.push({ key, name, reason: `duplicate cluster "${name}"` });
          return;
        }
        clusters.push(cluster);
      } catch (e) {
        if (!(e instanceof ClusterConfigError)) throw e;
        skipped.push({ key, name, reason: e.message });
      }
    });
  });
  return { clusters, skipped };
}

/**
 * The clusters to watch: `gitops.clusters`, then the Kubernetes plugin's
 * (unless `gitops.useKubernetesPluginClusters: false`). A name in both is
 * taken from `gitops.clusters`.
 */
export function mergeClusterSources(
  config: Config,
  own: ClusterConfig[],
): { clusters: ClusterConfig[]; skipped: SkippedCluster[] } {
  if (config.getOptionalBoolean('gitops.useKubernetesPluginClusters') === false)
    return { clusters: own, skipped: [] };
  const fromPlugin = readKubernetesPluginClusters(config);
  const skipped = [...fromPlugin.skipped];
  const clusters = [...own];
  for (const c of fromPlugin.clusters) {
    if (own.some(o => o.name === c.name)) {
      skipped.push({
        key: 'kubernetes.clusterLocatorMethods',
        name: c.name,
        reason: `gitops.clusters configures "${c.name}" too; that entry is used`,
      });
    } else {
      clusters.push(c);
    }
  }
  return { clusters, skipped };
}
