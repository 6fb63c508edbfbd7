/*
 * Demo only (gitops.demoCluster.enabled): plays Argo CD against the in-process
 * Kubernetes API doubles. It reads what Git wants from the ledger and rolls
 * each Deployment out to it with realistic delays through the double's
 * simulateRollout; rollouts of one (service, environment) degrade (new pods
 * crash-loop), so the demo shows a degraded rollout. Never loaded in
 * production: setupClusterObservation imports it dynamically.
 */
import type { LoggerService } from '@backstage/backend-plugin-api';
import type { LiveStore } from '../LiveStore';

/** The parts of @gitops2/kube-api-double the reconciler uses. */
export interface DemoDoubleModule {
  fixtures: {
    deploymentSet(options: {
      name: string;
      namespace: string;
      image: string;
      replicas?: number;
      timestamp?: string;
    }): { all: any[] };
    argoApplication(options: {
      name: string;
      destinationNamespace: string;
      path: string;
      revision: string;
      deployment?: { name: string; image: string };
      kubernetesId?: string;
      syncedAt?: number;
    }): any;
    namespace(name: string): any;
  };
  simulateRollout(target: any, options: any): Promise<'succeeded' | 'degraded'>;
}

export interface DemoReconcilerOptions {
  store: LiveStore;
  /** cluster name → the double serving it. */
  doubles: Map<string, any>;
  double: DemoDoubleModule;
  logger: LoggerService;
  /** How many of the latest rollouts start from their previous version and roll out live (default 3). */
  liveRollouts?: number;
  /** Which (service, environment) rollouts degrade. */
  degrade?: (service: string, environment: string) => boolean;
  intervalMs?: number;
  /** Pause between rollout steps (default 2500 ms) and before a sync starts (default 3000 ms). */
  stepDelayMs?: number;
  syncDelayMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

const imageOf = (service: string, version: string) =>
  version.startsWith('sha256:')
    ? `ghcr.io/acme/${service}@${version}`
    : `ghcr.io/acme/${service}:${version}`;

const versionOfImage = (image: string) => {
  const at = image.indexOf('@');
  if (at >= 0) return image.slice(at + 1);
  return image.slice(image.lastIndexOf(':') + 1);
};

export class DemoReconciler {
  private timer?: ReturnType<typeof setTimeout>;
  private stopped = false;
  private readonly inFlight = new Set<string>();
  private readonly rollouts = new Set<Promise<unknown>>();
  private readonly sleepers = new Set<() => void>();

  constructor(private readonly options: DemoReconcilerOptions) {}

  start(): void {
    const loop = () => {
      this.reconcile()
        .catch(e => this.options.logger.warn(`demo reconciler: ${e}`))
        .finally(() => {
          if (!this.stopped)
            this.timer = setTimeout(loop, this.options.intervalMs ?? 3000);
        });
    };
    loop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    // Rollouts in progress end at their next step.
    for (const wake of [...this.sleepers]) wake();
    await Promise.allSettled([...this.rollouts]);
  }

  /** Waits, or fails at once when stopped (so that a rollout in progress ends). */
  private sleep(ms: number): Promise<void> {
    if (this.stopped)
      return Promise.reject(new Error('demo reconciler stopped'));
    if (this.options.sleep) return this.options.sleep(ms);
    return new Promise<void>((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined = undefined;
      const wake = () => {
        clearTimeout(timer);
        this.sleepers.delete(wake);
        reject(new Error('demo reconciler stopped'));
      };
      timer = setTimeout(() => {
        this.sleepers.delete(wake);
        resolve();
      }, ms);
      this.sleepers.add(wake);
    });
  }

  /** One pass: create what is missing, roll out what changed, follow the Git head. */
  async reconcile(): Promise<void> {
    const { store, doubles, double } = this.options;
    const desired = new Map(
      (await store.desiredStates()).map(d => [
        `${d.repository_id}/${d.service}/${d.environment}`,
        d.version,
      ]),
    );
    for (const repo of await store.repositories()) {
      const environments: any[] = repo.pipeline?.definition?.environments ?? [];
      const head = repo.head ?? '0'.repeat(40);
      // The latest rollout of each (service, environment), and the few most recent ones.
      const latest = await store.latestRollouts(repo.id, 200);
      const recent = new Set(
        latest
          .slice(0, this.options.liveRollouts ?? 3)
          .map(r => `${r.service}/${r.environment}`),
      );
      for (const env of environments) {
        const target = env.cluster ? doubles.get(env.cluster) : undefined;
        if (!target) continue;
        const ns = env.namespace ?? 'default';
        if (!target.get('Namespace', undefined, ns))
          target.upsert(double.fixtures.namespace(ns));
        for (const service of Object.keys(repo.pipeline?.services ?? {})) {
          const version = desired.get(`${repo.id}/${service}/${env.name}`);
          if (!version) continue;
          const key = `${env.cluster}/${ns}/${service}`;
          if (this.inFlight.has(key)) continue;
          const appName = `${service}-${env.name}`;
          const current = target.get('Deployment', ns, service);
          if (!current) {
            // Deployed before the demo started: healthy at the desired version,
            // except the most recent rollouts (and the one that degrades), which
            // start from their previous version and are rolled out live.
            const last = latest.find(
              r => r.service === service && r.environment === env.name,
            );
            const live =
              last?.from_version &&
              last.to_version === version &&
              (recent.has(`${service}/${env.name}`) ||
                this.options.degrade?.(service, env.name));
            const initial = live ? last!.from_version! : version;
            for (const o of double.fixtures.deploymentSet({
              name: service,
              namespace: ns,
              image: imageOf(service, initial),
              replicas: env.stageIndex >= 3 ? 3 : 2,
              timestamp: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
            }).all) {
              target.upsert(o);
            }
            target.upsert(
              double.fixtures.argoApplication({
                name: appName,
                destinationNamespace: ns,
                path: `apps/${service}/${env.name}`,
                revision: head,
                deployment: { name: service, image: imageOf(service, initial) },
                kubernetesId: service,
              }),
            );
            const app = target.get('Application', 'argocd', appName);
            app.status.operationState.finishedAt = new Date()
              .toISOString()
              .replace(/\.\d+Z$/, 'Z');
            target.upsert(app);
            continue;
          }
          const running = versionOfImage(
            current.spec?.template?.spec?.containers?.[0]?.image ?? '',
          );
          if (running !== version) {
            this.rollOut(target, key, {
              namespace: ns,
              name: service,
              image: imageOf(service, version),
              revision: head,
              outcome: this.options.degrade?.(service, env.name)
                ? 'degraded'
                : 'succeeded',
              argoApplication: { name: appName, namespace: 'argocd' },
            });
          } else {
            // Git moved elsewhere: Argo CD re-syncs the Application to the new head.
            const app = target.get('Application', 'argocd', appName);
            if (
              app &&
              app.status?.sync?.revision !== head &&
              app.status?.health?.status !== 'Degraded'
            ) {
              app.status.sync = {
                ...app.status.sync,
                status: 'Synced',
                revision: head,
              };
              target.upsert(app);
            }
          }
        }
      }
    }
  }

  private rollOut(target: any, key: string, options: Record<string, unknown>) {
    this.inFlight.add(key);
    this.options.logger.info(
      `demo reconciler: syncing ${key} to ${options.image} (${options.outcome})`,
    );
    const p = this.sleep(this.options.syncDelayMs ?? 3000)
      .then(() =>
        this.stopped
          ? undefined
          : this.options.double.simulateRollout(target, {
              ...options,
              stepDelayMs: this.options.stepDelayMs ?? 2500,
              sleep: (ms: number) => this.sleep(ms),
            }),
      )
      .catch(e => {
        if (!this.stopped)
          this.options.logger.warn(
            `demo reconciler: rollout of ${key} failed: ${e}`,
          );
      })
      .finally(() => {
        this.inFlight.delete(key);
        this.rollouts.delete(p);
      });
    this.rollouts.add(p);
  }
}
