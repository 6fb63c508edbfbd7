/*
 * Tables of cluster observation (migrations/20261128000000_cluster_observation.js):
 * live status per (service, environment), cluster connections, out-of-band
 * drift; plus the few ledger reads and the rollout outcome writes the
 * observer needs.
 *
 * Every write is the elected leader's and goes through its LeaseFence: it is
 * made only while the lease it was elected with is still held (LeaseFence.ts).
 */
import type { Knex } from 'knex';
import type {
  ClusterConnection,
  PodCounts,
} from '@gitops2/plugin-gitops-common';
import type { DesiredStateRow, RolloutRow } from '../database/tables';
import { nextDesiredAtColumn } from '../database/rolloutSuccession';
import { changeSummaries } from '../correlation/changeSummaries';
import type { ObservedStatus } from './computeStatus';
import type { LeaseFence } from './LeaseFence';

export interface LiveStatusRow {
  repository_id: string;
  service: string;
  environment: string;
  cluster: string | null;
  namespace: string | null;
  health: string;
  sync: string;
  applied_revision: string | null;
  replicas_ready: number | null;
  replicas_desired: number | null;
  replicas_updated: number | null;
  pods: string | null;
  observed_versions: string;
  last_sync_at: string | null;
  fingerprint: string;
  updated_at_ms: number | string;
}

/** A stored live status, decoded. */
export interface StoredLiveStatus extends ObservedStatus {
  repositoryId: string;
  service: string;
  environment: string;
  cluster?: string;
  namespace?: string;
  /** Sync as computed when written (recomputed against the ledger on read). */
  sync: string;
  updatedAt: string;
}

interface ConnectionRow {
  cluster: string;
  state: string;
  since_ms: number | string | null;
  message: string | null;
  last_event_at_ms: number | string | null;
}

const iso = (ms: number | string | null | undefined) =>
  ms === null || ms === undefined
    ? undefined
    : new Date(Number(ms)).toISOString();

export function decodeLiveStatus(row: LiveStatusRow): StoredLiveStatus {
  return {
    repositoryId: row.repository_id,
    service: row.service,
    environment: row.environment,
    cluster: row.cluster ?? undefined,
    namespace: row.namespace ?? undefined,
    health: row.health as ObservedStatus['health'],
    sync: row.sync,
    appliedRevision: row.applied_revision ?? undefined,
    replicas:
      row.replicas_desired === null
        ? undefined
        : {
            ready: Number(row.replicas_ready ?? 0),
            desired: Number(row.replicas_desired),
            updated:
              row.replicas_updated === null
                ? undefined
                : Number(row.replicas_updated),
          },
    pods: row.pods ? (JSON.parse(row.pods) as PodCounts) : undefined,
    observedVersions: JSON.parse(row.observed_versions),
    lastSyncAt: row.last_sync_at ?? undefined,
    updatedAt: iso(row.updated_at_ms)!,
  };
}

export class LiveStore {
  constructor(private readonly db: Knex) {}

  // --- live status -------------------------------------------------------

  async listStatuses(
    filter: { repositoryId?: string; service?: string } = {},
  ): Promise<StoredLiveStatus[]> {
    const q = this.db<LiveStatusRow>('gitops_live_status');
    if (filter.repositoryId) q.where({ repository_id: filter.repositoryId });
    if (filter.service) q.where({ service: filter.service });
    const rows = await q.orderBy(['repository_id', 'service', 'environment']);
    return rows.map(decodeLiveStatus);
  }

  async fingerprints(): Promise<Map<string, string>> {
    const rows = await this.db<LiveStatusRow>('gitops_live_status').select(
      'repository_id',
      'service',
      'environment',
      'fingerprint',
    );
    return new Map(
      rows.map(r => [
        `${r.repository_id}\u0000${r.service}\u0000${r.environment}`,
        r.fingerprint,
      ]),
    );
  }

  /** Writes one status (the caller only calls this when its fingerprint changed). */
  async upsertStatus(
    fence: LeaseFence,
    s: {
      repositoryId: string;
      service: string;
      environment: string;
      cluster?: string;
      namespace?: string;
      sync: string;
      observed: ObservedStatus;
      fingerprint: string;
      now: number;
    },
  ): Promise<void> {
    const o = s.observed;
    const row: LiveStatusRow = {
      repository_id: s.repositoryId,
      service: s.service,
      environment: s.environment,
      cluster: s.cluster ?? null,
      namespace: s.namespace ?? null,
      health: o.health,
      sync: s.sync,
      applied_revision: o.appliedRevision?.slice(0, 64) ?? null,
      replicas_ready: o.replicas?.ready ?? null,
      replicas_desired: o.replicas?.desired ?? null,
      replicas_updated: o.replicas?.updated ?? null,
      pods: o.pods ? JSON.stringify(o.pods) : null,
      observed_versions: JSON.stringify(o.observedVersions),
      last_sync_at: o.lastSyncAt?.slice(0, 40) ?? null,
      fingerprint: s.fingerprint,
      updated_at_ms: s.now,
    };
    await fence.run(trx =>
      trx('gitops_live_status')
        .insert(row)
        .onConflict(['repository_id', 'service', 'environment'])
        .merge(),
    );
  }

  // --- connections -------------------------------------------------------

  async setConnection(fence: LeaseFence, c: ClusterConnection): Promise<void> {
    const row: ConnectionRow = {
      cluster: c.cluster,
      state: c.state,
      since_ms: c.since ? Date.parse(c.since) : null,
      message: c.message?.slice(0, 1024) ?? null,
      last_event_at_ms: c.lastEventAt ? Date.parse(c.lastEventAt) : null,
    };
    await fence.run(trx =>
      trx('gitops_cluster_connections')
        .insert(row)
        .onConflict('cluster')
        .merge(),
    );
  }

  async listConnections(): Promise<ClusterConnection[]> {
    const rows = await this.db<ConnectionRow>(
      'gitops_cluster_connections',
    ).orderBy('cluster');
    return rows.map(r => ({
      cluster: r.cluster,
      state: r.state as ClusterConnection['state'],
      ...(r.since_ms !== null ? { since: iso(r.since_ms) } : {}),
      ...(r.message ? { message: r.message } : {}),
      ...(r.last_event_at_ms !== null
        ? { lastEventAt: iso(r.last_event_at_ms) }
        : {}),
    }));
  }

  // --- out-of-band drift -------------------------------------------------

  async recordDrift(
    fence: LeaseFence,
    d: {
      repositoryId: string;
      service: string;
      environment: string;
      cluster: string;
      observedVersion: string;
      desiredVersion?: string | null;
      now: number;
    },
  ): Promise<boolean> {
    const key = {
      repository_id: d.repositoryId,
      service: d.service,
      environment: d.environment,
      observed_version: d.observedVersion.slice(0, 255),
    };
    return fence.run(async trx => {
      const updated = await trx('gitops_drift_observations')
        .where(key)
        .update({ last_seen_ms: d.now });
      if (updated > 0) return false;
      await trx('gitops_drift_observations')
        .insert({
          ...key,
          cluster: d.cluster,
          desired_version: d.desiredVersion ?? null,
          first_seen_ms: d.now,
          last_seen_ms: d.now,
        })
        .onConflict([
          'repository_id',
          'service',
          'environment',
          'observed_version',
        ])
        .ignore();
      return true;
    });
  }

  async listDrift(repositoryId: string, service?: string) {
    const q = this.db('gitops_drift_observations').where({
      repository_id: repositoryId,
    });
    if (service) q.andWhere({ service });
    return q.orderBy('id');
  }

  // --- ledger ------------------------------------------------------------

  async repositories(): Promise<
    Array<{ id: string; head: string | null; pipeline: any }>
  > {
    const rows = await this.db('gitops_repositories').select(
      'id',
      'last_commit_sha',
      'pipeline',
    );
    return rows.map((r: any) => ({
      id: r.id,
      head: r.last_commit_sha,
      pipeline: r.pipeline ? JSON.parse(r.pipeline) : null,
    }));
  }

  async desiredStates(
    repositoryId?: string,
    service?: string,
  ): Promise<DesiredStateRow[]> {
    const q = this.db<DesiredStateRow>('gitops_desired_states');
    if (repositoryId) q.where({ repository_id: repositoryId });
    if (service) q.andWhere({ service });
    return q;
  }

  /**
   * The latest rollout of each (repository, service, environment), when it
   * still waits for an outcome. Older rollouts were superseded in Git before
   * they were observed: they keep their outcome. Rollouts of rewritten
   * commits (force-push) are not what Git asks for.
   */
  async openRollouts(): Promise<RolloutRow[]> {
    const latest = this.db('gitops_rollouts')
      .whereNull('rewritten_at')
      .max({ id: 'id' })
      .groupBy(['repository_id', 'service', 'environment']);
    return this.db<RolloutRow>('gitops_rollouts')
      .whereIn('id', latest)
      .whereIn('outcome', ['pending', 'progressing', 'degraded'])
      .orderBy('id', 'desc');
  }

  /** Highest rollout id: changes whenever Git gains a version. */
  async maxRolloutId(): Promise<string> {
    const [{ max }] = await this.db('gitops_rollouts').max({ max: 'id' });
    return String(max ?? 0);
  }

  /** Every version Git ever had, per repository/service key. */
  async gitVersions(): Promise<Map<string, Set<string>>> {
    const out = new Map<string, Set<string>>();
    const add = (k: string, v: string | null) => {
      if (!v) return;
      if (!out.has(k)) out.set(k, new Set());
      out.get(k)!.add(v);
    };
    const rows = await this.db('gitops_rollouts').select(
      'repository_id',
      'service',
      'from_version',
      'to_version',
    );
    for (const r of rows) {
      const k = `${r.repository_id}\u0000${r.service}`;
      add(k, r.from_version);
      add(k, r.to_version);
    }
    for (const d of await this.desiredStates())
      add(`${d.repository_id}\u0000${d.service}`, d.version);
    return out;
  }

  async setRolloutOutcome(
    fence: LeaseFence,
    id: string | number,
    outcome: string,
    observedAt: Date | null,
  ): Promise<void> {
    const patch: Record<string, unknown> = { outcome };
    if (observedAt) patch.observed_at = observedAt;
    await fence.run(trx => trx('gitops_rollouts').where({ id }).update(patch));
  }

  /** What each rollout carried, at a glance (two queries for them all). */
  changeSummaries(ids: Array<string | number>) {
    return changeSummaries(this.db, ids);
  }

  /** The latest rollouts of an environment, with `next_desired_at`. */
  async rolloutsOf(
    repositoryId: string,
    environment: string,
    limit: number,
  ): Promise<RolloutRow[]> {
    return this.db<RolloutRow>('gitops_rollouts as r')
      .select('r.*', nextDesiredAtColumn(this.db, 'r'))
      .where({ repository_id: repositoryId, environment })
      .whereNull('rewritten_at')
      .orderBy('id', 'desc')
      .limit(limit);
  }

  /** The latest rollouts of a repository (all environments). */
  async latestRollouts(
    repositoryId: string,
    limit: number,
  ): Promise<RolloutRow[]> {
    return this.db<RolloutRow>('gitops_rollouts')
      .where({ repository_id: repositoryId })
      .whereNull('rewritten_at')
      .orderBy('id', 'desc')
      .limit(limit);
  }

  /** to_version of every rollout of an environment, oldest first (for "versions behind"). */
  async versionHistory(
    repositoryId: string,
    environment: string,
  ): Promise<Array<{ service: string; version: string }>> {
    const rows = await this.db('gitops_rollouts')
      .where({ repository_id: repositoryId, environment })
      .whereNull('rewritten_at')
      .orderBy('id', 'asc')
      .select('service', 'to_version');
    return rows.map((r: any) => ({
      service: r.service,
      version: r.to_version,
    }));
  }
}
