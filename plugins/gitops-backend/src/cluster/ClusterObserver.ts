/*
 * Cluster observation on one backend replica: takes part in the leader
 * election; while it holds the lease it runs one ClusterWatcher per cluster
 * and writes the compact live status of every (service, environment) of the
 * ingested pipelines when it changes, moves rollout outcomes in the ledger
 * and records out-of-band drift. Replicas without the lease do nothing here:
 * they serve reads from the same tables (LiveService).
 *
 * Every write goes through the fence of the lease this replica was elected
 * with: once the lease expired (renewals stalled) or another replica took it
 * over, writes are refused and the election demotes this replica, which
 * stops its watchers.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { LoggerService } from '@backstage/backend-plugin-api';
import type { Knex } from 'knex';
import { ClusterWatcher, ClusterWatcherOptions } from './ClusterWatcher';
import {
  computeSync,
  matchObjects,
  observeService,
  outOfBandVersions,
  pipelineNames,
  rolloutOutcome,
} from './computeStatus';
import type { KubeClient } from './kubeClient';
import type { WatchScope } from './watchScope';
import { LeaderElection } from './LeaderElection';
import { isLeaseLostError, LeaseFence } from './LeaseFence';
import { LiveStore } from './LiveStore';

export interface ObservedCluster {
  name: string;
  client: KubeClient;
  /** Namespaces, label selector and list page size (default: whole cluster). */
  scope?: WatchScope;
}

/** What the observer wrote: a service's live status, or a rollout's outcome. */
export type LiveChange =
  | {
      kind: 'status';
      repositoryId: string;
      service: string;
      environment: string;
    }
  | {
      kind: 'outcome';
      repositoryId: string;
      service: string;
      environment: string;
      rolloutId: string;
      toVersion: string;
      outcome: string;
    };

export interface ClusterObserverOptions {
  db: Knex;
  clusters: ObservedCluster[];
  logger: LoggerService;
  /** Called after each live status or outcome written (must not throw). */
  onChange?: (change: LiveChange) => void;
  /** Identity of this replica in the lease (default: random). */
  holder?: string;
  lease?: {
    ttlMs?: number;
    renewMs?: number;
    /** Backoff after a failed start as leader (LeaderElectionOptions.electionBackoff). */
    electionBackoff?: { initialMs?: number; maxMs?: number };
  };
  watcher?: Pick<
    ClusterWatcherOptions,
    'backoff' | 'silenceTimeoutMs' | 'watchTimeoutSeconds'
  >;
  /** Changes are batched for this long before statuses are recomputed (default 250 ms). */
  debounceMs?: number;
  /** Statuses are also recomputed this often, for ledger changes (default 10 s). */
  refreshMs?: number;
  now?: () => number;
}

const keyOf = (...parts: string[]) => parts.join('\u0000');

export class ClusterObserver {
  readonly store: LiveStore;
  private readonly election: LeaderElection;
  private watchers = new Map<string, ClusterWatcher>();
  private fingerprints = new Map<string, string>();
  private debounce?: ReturnType<typeof setTimeout>;
  private refresh?: ReturnType<typeof setInterval>;
  private chain: Promise<void> = Promise.resolve();
  private active = false;
  private fence?: LeaseFence;
  private gitVersionsCache?: {
    maxId: string;
    versions: Map<string, Set<string>>;
  };
  /** Number of recomputations done (tests wait on it). */
  recomputations = 0;

  private changed(change: LiveChange): void {
    try {
      this.options.onChange?.(change);
    } catch {
      // a listener's bug never stops the observation
    }
  }

  constructor(private readonly options: ClusterObserverOptions) {
    this.store = new LiveStore(options.db);
    this.election = new LeaderElection({
      db: options.db,
      name: 'cluster-watcher',
      holder: options.holder ?? `replica-${randomUUID()}`,
      logger: options.logger,
      ttlMs: options.lease?.ttlMs,
      renewMs: options.lease?.renewMs,
      electionBackoff: options.lease?.electionBackoff,
      now: options.now,
      onElected: fence => this.startWatching(fence),
      onDemoted: () => this.stopWatching(),
    });
  }

  start(): void {
    if (this.options.clusters.length === 0) return;
    this.election.start();
  }

  async stop(): Promise<void> {
    await this.election.stop();
    await this.stopWatching();
  }

  /** True while this replica runs the watchers (it was elected and not demoted yet). */
  isWatching(): boolean {
    return this.active;
  }

  /** True while this replica holds an unexpired lease (by its own clock). */
  isLeader(): boolean {
    return this.election.isLeader();
  }

  watcher(cluster: string): ClusterWatcher | undefined {
    return this.watchers.get(cluster);
  }

  private now() {
    return this.options.now?.() ?? Date.now();
  }

  private async startWatching(fence: LeaseFence): Promise<void> {
    if (this.active) return;
    this.active = true;
    this.fence = fence;
    this.fingerprints = await this.store.fingerprints();
    for (const c of this.options.clusters) {
      const watcher = new ClusterWatcher({
        ...this.options.watcher,
        cluster: c.name,
        client: c.client,
        scope: c.scope,
        logger: this.options.logger.child({ cluster: c.name }),
        onChange: () => this.schedule(),
        onConnection: connection => {
          this.store.setConnection(fence, connection).catch(e => {
            // A lost lease is logged (once) by the election.
            if (!isLeaseLostError(e)) {
              this.options.logger.warn(
                `cluster ${c.name}: could not store the connection state: ${e}`,
              );
            }
          });
          this.schedule();
        },
      });
      this.watchers.set(c.name, watcher);
      await this.store.setConnection(fence, watcher.connectionState());
      watcher.start();
    }
    this.refresh = setInterval(
      () => this.schedule(),
      this.options.refreshMs ?? 10_000,
    );
  }

  private async stopWatching(): Promise<void> {
    if (!this.active) return;
    this.active = false;
    this.fence = undefined;
    clearInterval(this.refresh);
    clearTimeout(this.debounce);
    this.debounce = undefined;
    const watchers = [...this.watchers.values()];
    this.watchers.clear();
    await Promise.all(watchers.map(w => w.stop()));
    // Let a recomputation in progress finish, bounded: at shutdown the
    // database may be going away.
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      this.chain.catch(() => undefined),
      new Promise<void>(resolve => {
        timer = setTimeout(resolve, 2000);
        timer.unref?.();
      }),
    ]);
    clearTimeout(timer);
  }

  private schedule() {
    if (!this.active || this.debounce) return;
    this.debounce = setTimeout(() => {
      this.debounce = undefined;
      this.flush().catch(e => {
        if (!isLeaseLostError(e)) {
          this.options.logger.warn(`cluster status update failed: ${e}`);
        }
      });
    }, this.options.debounceMs ?? 250);
  }

  /**
   * An Argo CD / Flux event reported a change on a cluster: recompute now
   * rather than at the next debounce or refresh. False when this replica
   * does not watch that cluster (the leader's watch and refresh cover it).
   */
  async recheck(cluster: string): Promise<boolean> {
    if (!this.active || !this.watchers.has(cluster)) return false;
    await this.flush();
    return true;
  }

  /** Recomputes now (after any recomputation in progress). */
  flush(): Promise<void> {
    this.chain = this.chain.catch(() => undefined).then(() => this.recompute());
    return this.chain;
  }

  private async recompute(): Promise<void> {
    const fence = this.fence;
    if (!this.active || !fence) return;
    // Not leader anymore by the local clock: write nothing (and be demoted).
    fence.assertValid();
    const now = this.now();
    const repositories = await this.store.repositories();
    const desired = new Map(
      (await this.store.desiredStates()).map(d => [
        keyOf(d.repository_id, d.service, d.environment),
        d.version,
      ]),
    );
    const open = new Map<string, any>();
    for (const r of await this.store.openRollouts()) {
      const k = keyOf(r.repository_id, r.service, r.environment);
      if (!open.has(k)) open.set(k, r); // latest first
    }
    let gitVersions: Map<string, Set<string>> | undefined;
    const loadGitVersions = async () => {
      // Every version Git ever had: reloaded only when the ledger gained rollouts.
      const maxId = await this.store.maxRolloutId();
      if (this.gitVersionsCache?.maxId !== maxId) {
        this.gitVersionsCache = {
          maxId,
          versions: await this.store.gitVersions(),
        };
      }
      return this.gitVersionsCache.versions;
    };

    for (const repo of repositories) {
      const definition = repo.pipeline?.definition;
      if (!definition) continue;
      const services = Object.keys(repo.pipeline?.services ?? {});
      for (const env of definition.environments ?? []) {
        const watcher = env.cluster
          ? this.watchers.get(env.cluster)
          : undefined;
        // Before the first list of every kind, nothing is known: the stored
        // (last known) status stays.
        if (!watcher || !watcher.hasListed()) continue;
        const snapshot = watcher.snapshot();
        for (const service of services) {
          const k = keyOf(repo.id, service, env.name);
          const names = pipelineNames(
            repo.pipeline?.services?.[service]?.[env.name],
          );
          const observed = observeService(
            matchObjects(snapshot, {
              service,
              environment: env.name,
              namespace: env.namespace,
              names,
            }),
            service,
            names,
          );
          const sync = computeSync(observed, repo.head ?? undefined);
          const fingerprint = createHash('sha256')
            .update(
              JSON.stringify([
                observed,
                sync,
                env.cluster,
                env.namespace ?? null,
              ]),
            )
            .digest('hex');
          if (this.fingerprints.get(k) !== fingerprint) {
            await this.store.upsertStatus(fence, {
              repositoryId: repo.id,
              service,
              environment: env.name,
              cluster: env.cluster,
              namespace: env.namespace,
              sync,
              observed,
              fingerprint,
              now,
            });
            this.fingerprints.set(k, fingerprint);
            this.changed({
              kind: 'status',
              repositoryId: repo.id,
              service,
              environment: env.name,
            });
          }

          const rollout = open.get(k);
          if (rollout) {
            const outcome = rolloutOutcome(
              rollout.outcome,
              rollout.to_version,
              observed,
            );
            if (outcome) {
              await this.store.setRolloutOutcome(
                fence,
                rollout.id,
                outcome,
                outcome === 'progressing' ? null : new Date(now),
              );
              rollout.outcome = outcome;
              this.changed({
                kind: 'outcome',
                repositoryId: repo.id,
                service,
                environment: env.name,
                rolloutId: String(rollout.id),
                toVersion: rollout.to_version,
                outcome,
              });
              this.options.logger.info(
                `rollout ${rollout.id} (${service} ${rollout.to_version} in ${env.name}): ${outcome}`,
              );
            }
          }

          if (
            observed.observedVersions.length &&
            observed.health !== 'Progressing'
          ) {
            gitVersions ??= await loadGitVersions();
            const known =
              gitVersions.get(keyOf(repo.id, service)) ?? new Set<string>();
            if (known.size === 0) continue;
            for (const version of outOfBandVersions(
              observed.observedVersions,
              known,
            )) {
              const recorded = await this.store.recordDrift(fence, {
                repositoryId: repo.id,
                service,
                environment: env.name,
                cluster: env.cluster!,
                observedVersion: version,
                desiredVersion: desired.get(k),
                now,
              });
              if (recorded) {
                this.options.logger.warn(
                  `out-of-band drift: ${service} runs ${version} in ${env.name}, a version Git never had`,
                );
              }
            }
          }
        }
      }
    }
    this.recomputations++;
  }
}
