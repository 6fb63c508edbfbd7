/*
 * Wiring of cluster observation for plugin.ts: reads gitops.clusters, the
 * Kubernetes plugin's clusters (kubernetes.clusterLocatorMethods) and the
 * demo switch, starts the observer (leader-elected watching) and returns
 * the read side for the router.
 */
import type {
  DatabaseService,
  LifecycleService,
  LoggerService,
} from '@backstage/backend-plugin-api';
import type { Config } from '@backstage/config';
import { ClusterObserver, LiveChange } from './ClusterObserver';
import {
  ClusterConfig,
  demoClusterEnabled,
  readClusterConfigs,
} from './clusterConfig';
import { cloudBearerTokens } from './cloudBearerTokens';
import { ClientNodeKubeClient, kubeConfigOf } from './kubeClient';
import { mergeClusterSources } from './kubernetesPluginClusters';
import { EventStatusReader, LiveService } from './LiveService';
import { LiveStore } from './LiveStore';

export async function setupClusterObservation(options: {
  config: Config;
  logger: LoggerService;
  database: DatabaseService;
  lifecycle: LifecycleService;
  repositoryIds: string[];
  /** Live status and outcomes written (live updates, notifications). */
  onChange?: (change: LiveChange) => void;
  /** Live status from Argo CD / Flux events, where no cluster is watched. */
  events?: EventStatusReader;
}): Promise<{ live: LiveService; observer: ClusterObserver }> {
  const logger = options.logger.child({ task: 'gitops-clusters' });
  const db = await options.database.getClient();
  const store = new LiveStore(db);
  const sources = mergeClusterSources(
    options.config,
    readClusterConfigs(options.config),
  );
  for (const s of sources.skipped) {
    logger.warn(
      `cluster ${s.name ?? s.key} of the Kubernetes plugin is not watched: ${
        s.reason
      }`,
    );
  }
  let clusters: ClusterConfig[] = sources.clusters;
  if (demoClusterEnabled(options.config)) {
    try {
      // Demo only, required lazily so that production never loads the double.
      const {
        startDemoClusters,
      }: typeof import('./demo/startDemoClusters') = require('./demo/startDemoClusters');
      const demo = await startDemoClusters({ store, logger });
      clusters = [
        ...clusters.filter(c => !demo.clusters.some(d => d.name === c.name)),
        ...demo.clusters,
      ];
      demo.start();
      options.lifecycle.addShutdownHook(() => demo.stop());
    } catch (e) {
      // E.g. a production install without devDependencies that inherited
      // gitops.demoCluster.enabled from app-config.yaml: run without the demo.
      logger.error(
        `gitops.demoCluster.enabled is set but the demo clusters could not start (is @gitops2/kube-api-double, a devDependency, installed?): ${e}`,
      );
    }
  }
  const tokensOf = cloudBearerTokens(options.config);
  const observer = new ClusterObserver({
    db,
    clusters: clusters.map(c => {
      const tokens =
        c.authProvider === 'serviceAccount' ? undefined : tokensOf(c);
      return {
        name: c.name,
        client: new ClientNodeKubeClient(kubeConfigOf(c, tokens), tokens),
        scope: c.scope,
      };
    }),
    logger,
    onChange: options.onChange,
  });
  observer.start();
  options.lifecycle.addShutdownHook(() => observer.stop());
  if (clusters.length) {
    logger.info(`cluster observation: ${clusters.map(c => c.name).join(', ')}`);
  }
  return {
    live: new LiveService(
      store,
      clusters.map(c => c.name),
      options.repositoryIds,
      options.events,
    ),
    observer,
  };
}
