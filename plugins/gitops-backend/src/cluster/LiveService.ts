/*
 * Reads of cluster observation: the live status of a service per environment
 * and the multi-environment dashboard. Store only: no request to any cluster.
 * Responses are built field by field from the compact tables (which hold no
 * credential and nothing read from Secrets).
 */
import type { ObservedSource } from '../promotion/gates/SourceHealthGate';
import { NotFoundError, InputError } from '@backstage/errors';
import type {
  ClusterConnection,
  DashboardEnvironment,
  DashboardResponse,
  EnvironmentDefinition,
  EnvironmentLiveStatus,
  HealthStatus,
  PodCounts,
  ServiceLiveResponse,
  SyncStatus,
} from '@gitops2/plugin-gitops-common';
import { presentRolloutOutcome } from '@gitops2/plugin-gitops-common';
import { toIso } from '../database/tables';
import {
  computeDrift,
  computeSync,
  displayVersion,
  versionsBehind,
} from './computeStatus';
import { LiveStore, StoredLiveStatus } from './LiveStore';
import type { EventLiveStatus } from '../events/cd/CdEventStatusStore';
import { eventsLiveStatus } from '../events/cd/eventsLiveStatus';

/** Live status from Argo CD / Flux events (events-only mode). */
export interface EventStatusReader {
  list(filter: {
    repositoryId: string;
    service?: string;
  }): Promise<EventLiveStatus[]>;
}

const keyOf = (...parts: string[]) => parts.join('\u0000');

export class LiveService {
  constructor(
    private readonly store: LiveStore,
    /** Names of the configured clusters. */
    private readonly clusters: string[],
    /** Configured repository ids. */
    private readonly repositoryIds: string[],
    /** Where no cluster is watched, the last Argo CD / Flux events. */
    private readonly events?: EventStatusReader,
  ) {}

  /** Names of the clusters watched. */
  clusterNames(): string[] {
    return [...this.clusters];
  }

  private async repository(id: string) {
    const repo = (await this.store.repositories()).find(r => r.id === id);
    if (!repo && !this.repositoryIds.includes(id)) {
      throw new NotFoundError(`GitOps repository "${id}" is not configured`);
    }
    return {
      id,
      head: repo?.head ?? undefined,
      environments: (repo?.pipeline?.definition?.environments ??
        []) as EnvironmentDefinition[],
      services: Object.keys(repo?.pipeline?.services ?? {}),
    };
  }

  private async connections(): Promise<Map<string, ClusterConnection>> {
    const stored = new Map(
      (await this.store.listConnections()).map(c => [c.cluster, c]),
    );
    const out = new Map<string, ClusterConnection>();
    for (const name of this.clusters) {
      const c = stored.get(name);
      out.set(name, c ? clean(c) : { cluster: name, state: 'connecting' });
    }
    return out;
  }

  private liveStatus(
    service: string,
    env: EnvironmentDefinition,
    stored: StoredLiveStatus | undefined,
    desired: string | null | undefined,
    head: string | undefined,
    connections: Map<string, ClusterConnection>,
    fromEvents?: EventLiveStatus,
  ): EnvironmentLiveStatus {
    const connection = env.cluster ? connections.get(env.cluster) : undefined;
    const base: EnvironmentLiveStatus = {
      service,
      environment: env.name,
      ...(env.cluster ? { cluster: env.cluster } : {}),
      ...(env.namespace ? { namespace: env.namespace } : {}),
      health: 'Unknown',
      sync: 'Unknown',
      ...(head ? { desiredRevision: head } : {}),
      observedVersions: [],
    };
    if (connection && connection.state !== 'connected')
      base.connection = connection;
    // No cluster credentials for this environment: the events tell.
    if (!connection && fromEvents)
      return eventsLiveStatus(base, fromEvents, desired, head);
    if (!stored || !connection) return base;
    const sync: SyncStatus = stored.appliedRevision
      ? computeSync(
          {
            appliedRevision: stored.appliedRevision,
            deliverySync:
              stored.sync === 'OutOfSync' && !head ? 'OutOfSync' : undefined,
          },
          head,
        )
      : (stored.sync as SyncStatus);
    const drift = computeDrift(desired, stored.observedVersions);
    return {
      ...base,
      health: stored.health,
      sync,
      ...(stored.appliedRevision
        ? { appliedRevision: stored.appliedRevision }
        : {}),
      ...(stored.replicas ? { replicas: stored.replicas } : {}),
      ...(stored.pods ? { pods: stored.pods } : {}),
      observedVersions: stored.observedVersions,
      ...(drift ? { drift } : {}),
      ...(stored.lastSyncAt ? { lastSyncAt: stored.lastSyncAt } : {}),
      updatedAt: stored.updatedAt,
    };
  }

  /**
   * What the source-healthy gate needs: the watch connection of the
   * environment's cluster and the last status of the service there.
   * Where no configured cluster covers the environment, the last Argo CD /
   * Flux event (no connection: events-only mode); undefined without either.
   */
  async observedSource(
    repositoryId: string,
    service: string,
    environment: string,
  ): Promise<ObservedSource | undefined> {
    const repo = await this.repository(repositoryId);
    const env = repo.environments.find(e => e.name === environment);
    if (!env?.cluster || !this.clusters.includes(env.cluster)) {
      // Events-only mode: the last Argo CD / Flux event is the status.
      const e = (await this.events?.list({ repositoryId, service }))?.find(
        x => x.environment === environment,
      );
      if (!env || !e) return undefined;
      const s = eventsLiveStatus(
        {
          service,
          environment,
          health: 'Unknown',
          sync: 'Unknown',
          observedVersions: [],
        },
        e,
        undefined,
        repo.head,
      );
      return {
        status: {
          health: s.health,
          sync: s.sync,
          observedVersions: s.observedVersions,
        },
      };
    }
    const connection = (await this.connections()).get(env.cluster)!;
    const stored = (
      await this.store.listStatuses({ repositoryId, service })
    ).find(st => st.environment === environment);
    return {
      connection: {
        cluster: env.cluster,
        state: connection.state,
        ...(connection.message ? { message: connection.message } : {}),
      },
      ...(stored
        ? {
            status: {
              health: stored.health,
              sync: stored.sync,
              observedVersions: stored.observedVersions,
            },
          }
        : {}),
    };
  }

  async getServiceLive(
    repositoryId: string,
    service: string,
  ): Promise<ServiceLiveResponse> {
    const repo = await this.repository(repositoryId);
    const [statuses, desired, connections, events] = await Promise.all([
      this.store.listStatuses({ repositoryId, service }),
      this.store.desiredStates(repositoryId, service),
      this.connections(),
      this.events?.list({ repositoryId, service }) ?? [],
    ]);
    const byEnv = new Map(statuses.map(s => [s.environment, s]));
    const eventsByEnv = new Map(events.map(e => [e.environment, e]));
    const desiredByEnv = new Map(desired.map(d => [d.environment, d.version]));
    const used = new Set(repo.environments.map(e => e.cluster).filter(Boolean));
    return {
      service,
      environments: repo.environments.map(env =>
        this.liveStatus(
          service,
          env,
          byEnv.get(env.name),
          desiredByEnv.get(env.name),
          repo.head,
          connections,
          eventsByEnv.get(env.name),
        ),
      ),
      clusters: [...connections.values()].filter(c => used.has(c.cluster)),
    };
  }

  async getDashboard(
    repositoryId: string | undefined,
  ): Promise<DashboardResponse> {
    let id = repositoryId;
    if (!id) {
      if (this.repositoryIds.length !== 1) {
        throw new InputError(
          'query parameter "repository" is required (more than one GitOps repository is configured)',
        );
      }
      id = this.repositoryIds[0];
    }
    const repo = await this.repository(id);
    const [statuses, desired, connections, events] = await Promise.all([
      this.store.listStatuses({ repositoryId: id }),
      this.store.desiredStates(id),
      this.connections(),
      this.events?.list({ repositoryId: id }) ?? [],
    ]);
    const fromEvents = new Map(
      events.map(e => [keyOf(e.service, e.environment), e]),
    );
    const reported = new Set(events.map(e => e.environment));
    const status = new Map(
      statuses.map(s => [keyOf(s.service, s.environment), s]),
    );
    const desiredOf = new Map(
      desired.map(d => [keyOf(d.service, d.environment), d.version]),
    );
    const live = new Map<string, EnvironmentLiveStatus>();
    for (const env of repo.environments) {
      for (const service of repo.services) {
        const k = keyOf(service, env.name);
        live.set(
          k,
          this.liveStatus(
            service,
            env,
            status.get(k),
            desiredOf.get(k),
            repo.head,
            connections,
            fromEvents.get(k),
          ),
        );
      }
    }

    const environments: DashboardEnvironment[] = [];
    for (const env of repo.environments) {
      const cells = repo.services.map(s => live.get(keyOf(s, env.name))!);
      const connection = env.cluster ? connections.get(env.cluster) : undefined;
      const pods: PodCounts = {
        running: 0,
        pending: 0,
        failed: 0,
        crashLooping: 0,
        total: 0,
      };
      let deployments = 0;
      const count = (h: HealthStatus) =>
        cells.filter(c => c.health === h).length;
      for (const c of cells) {
        if (c.replicas) deployments++;
        for (const f of Object.keys(pods) as Array<keyof PodCounts>)
          pods[f] += c.pods?.[f] ?? 0;
      }
      const rollouts = await this.store.rolloutsOf(id, env.name, 5);
      let state: DashboardEnvironment['status'] = 'UNKNOWN';
      if (
        connection &&
        connection.state !== 'connected' &&
        connection.state !== 'connecting'
      )
        state = 'ERROR';
      else if (count('Degraded') > 0) state = 'ERROR';
      else if (count('Progressing') > 0) state = 'IN PROGRESS';
      else if (
        cells.length > 0 &&
        cells.every(c => c.health === 'Healthy' || c.health === 'Missing') &&
        count('Healthy') > 0
      )
        state = 'DEPLOYED';
      environments.push({
        name: env.name,
        stage: env.stage,
        ...(env.url ? { url: env.url } : {}),
        ...(env.cluster ? { cluster: env.cluster } : {}),
        status: state,
        counts: {
          services: repo.services.length,
          deployments,
          healthy: count('Healthy'),
          progressing: count('Progressing'),
          degraded: count('Degraded'),
          pods,
        },
        recentRollouts: rollouts.map(r => ({
          id: String(r.id),
          service: r.service,
          fromVersion: r.from_version,
          toVersion: r.to_version,
          kind: r.kind,
          outcome: presentRolloutOutcome({
            outcome: r.outcome,
            nextDesiredAt: toIso(r.next_desired_at),
            recordedAt: toIso(r.recorded_at),
            observable:
              (!!env.cluster && this.clusters.includes(env.cluster)) ||
              reported.has(env.name),
          }),
          desiredAt: toIso(r.desired_at) ?? '',
        })),
        ...(connection && connection.state !== 'connected'
          ? { connection }
          : {}),
      });
    }

    // What the recent rollouts carried: one summary query for all environments.
    const summaries = await this.store.changeSummaries(
      environments.flatMap(e => e.recentRollouts.map(r => r.id)),
    );
    for (const e of environments) {
      e.recentRollouts = e.recentRollouts.map(r => {
        const changes = summaries.get(r.id);
        return changes ? { ...r, changes } : r;
      });
    }

    // Versions behind: counted on the history of the previous stage's first environment.
    const previousOf = new Map<string, EnvironmentDefinition>();
    for (const env of repo.environments) {
      const prev = repo.environments.find(
        e => e.stageIndex === env.stageIndex - 1,
      );
      if (prev) previousOf.set(env.name, prev);
    }
    const histories = new Map<
      string,
      Array<{ service: string; version: string }>
    >();
    for (const prev of new Set(previousOf.values())) {
      histories.set(prev.name, await this.store.versionHistory(id, prev.name));
    }
    const versionOf = (service: string, env: string) => {
      const c = live.get(keyOf(service, env))!;
      return displayVersion(
        desiredOf.get(keyOf(service, env)),
        c.observedVersions,
      );
    };
    const matrix = repo.services.map(service => {
      const cells: DashboardResponse['matrix'][number]['cells'] = {};
      for (const env of repo.environments) {
        const c = live.get(keyOf(service, env.name))!;
        const version = versionOf(service, env.name);
        const prev = previousOf.get(env.name);
        const behind = prev
          ? versionsBehind(
              version,
              versionOf(service, prev.name),
              (histories.get(prev.name) ?? [])
                .filter(h => h.service === service)
                .map(h => h.version),
            )
          : undefined;
        cells[env.name] = {
          version,
          ...(behind !== undefined ? { behind } : {}),
          health: c.health,
          drift: !!c.drift,
        };
      }
      return { service, cells };
    });
    return {
      repositoryId: id,
      environments,
      matrix,
      generatedAt: new Date().toISOString(),
    };
  }
}

function clean(c: ClusterConnection): ClusterConnection {
  return {
    cluster: c.cluster,
    state: c.state,
    ...(c.since ? { since: c.since } : {}),
    ...(c.message ? { message: c.message } : {}),
    ...(c.lastEventAt ? { lastEventAt: c.lastEventAt } : {}),
  };
}
