/*
 * Demo only: one in-process Kubernetes API double per cluster named in the
 * ingested pipelines (dev-cluster, qa-cluster, …), registered as
 * gitops.clusters, and the DemoReconciler driving them from the ledger.
 * `@gitops2/kube-api-double` is a devDependency: imported dynamically, here
 * only, so production never loads it.
 */
import { randomBytes } from 'node:crypto';
import type { LoggerService } from '@backstage/backend-plugin-api';
import type { ClusterConfig } from '../clusterConfig';
import type { LiveStore } from '../LiveStore';
import {
  DemoReconciler,
  DemoDoubleModule,
  DemoReconcilerOptions,
} from './DemoReconciler';

/** The demo pipeline's clusters, also when the ledger is still empty. */
export const DEMO_CLUSTERS = [
  'dev-cluster',
  'qa-cluster',
  'staging-cluster',
  'prod-us-cluster',
  'prod-eu-cluster',
];

export interface DemoClusters {
  clusters: ClusterConfig[];
  start(): void;
  stop(): Promise<void>;
}

export async function startDemoClusters(options: {
  store: LiveStore;
  logger: LoggerService;
  /** Overrides of the reconciler's timing and degrading rollout (tests). */
  reconciler?: Partial<
    Pick<
      DemoReconcilerOptions,
      'intervalMs' | 'syncDelayMs' | 'stepDelayMs' | 'degrade'
    >
  >;
}): Promise<DemoClusters> {
  // Loaded on demand (a lazy require: Jest and the backend's transform both
  // handle it, unlike import() of TypeScript sources).
  type DoubleModule = typeof import('@gitops2/kube-api-double');
  // eslint-disable-next-line @backstage/no-undeclared-imports -- demo only, a devDependency
  const mod: DoubleModule = require('@gitops2/kube-api-double');
  const names = new Set(DEMO_CLUSTERS);
  for (const repo of await options.store.repositories()) {
    for (const env of repo.pipeline?.definition?.environments ?? []) {
      if (env.cluster) names.add(env.cluster);
    }
  }
  const token = randomBytes(24).toString('hex');
  const doubles = new Map<string, Awaited<ReturnType<typeof mod.start>>>();
  for (const name of names) {
    doubles.set(
      name,
      await mod.start({ token, objects: [mod.fixtures.namespace('argocd')] }),
    );
  }
  const reconciler = new DemoReconciler({
    store: options.store,
    doubles,
    double: mod as unknown as DemoDoubleModule,
    logger: options.logger.child({ task: 'gitops-demo-reconciler' }),
    degrade: (service, environment) =>
      service === 'guestbook-worker' && environment === 'staging',
    ...options.reconciler,
  });
  options.logger.info(
    `demo clusters: ${[...doubles]
      .map(([n, d]) => `${n} at ${d.url}`)
      .join(', ')}`,
  );
  return {
    clusters: [...doubles].map(([name, d]) => ({
      name,
      url: d.url,
      authProvider: 'serviceAccount' as const,
      serviceAccountToken: token,
      skipTLSVerify: true,
    })),
    start: () => reconciler.start(),
    stop: async () => {
      await reconciler.stop();
      await Promise.all([...doubles.values()].map(d => d.close()));
    },
  };
}
