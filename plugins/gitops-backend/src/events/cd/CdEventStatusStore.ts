/*
 * Live status from Argo CD / Flux events (table gitops_cd_event_status):
 * written by whichever replica receives an event, read by every replica.
 * An event older than the stored one never overwrites it (the database
 * decides, so two replicas racing keep the newest).
 */
import type { Knex } from 'knex';
import type { HealthStatus } from '@gitops2/plugin-gitops-common';
import type { RolloutRow } from '../../database/tables';
import type { CdEvent, CdEventTarget, CdTool } from './types';

const TABLE = 'gitops_cd_event_status';

interface Row {
  repository_id: string;
  service: string;
  environment: string;
  tool: string;
  app: string;
  health: string;
  sync: string;
  operation_phase: string | null;
  revision: string | null;
  observed_versions: string;
  reason: string | null;
  message: string | null;
  event_at_ms: number | string;
  received_at_ms: number | string;
}

/** The last event of a (service, environment), decoded. */
export interface EventLiveStatus {
  repositoryId: string;
  service: string;
  environment: string;
  tool: CdTool;
  /** `namespace/name` of the Application / Kustomization. */
  app: string;
  health: HealthStatus;
  /** Argo CD's sync verdict, or Unknown (Flux). */
  sync: string;
  operationPhase?: string;
  revision?: string;
  observedVersions: string[];
  reason?: string;
  message?: string;
  eventAt: string;
}

const iso = (ms: number | string) => new Date(Number(ms)).toISOString();

function decode(r: Row): EventLiveStatus {
  return {
    repositoryId: r.repository_id,
    service: r.service,
    environment: r.environment,
    tool: r.tool as CdTool,
    app: r.app,
    health: r.health as HealthStatus,
    sync: r.sync,
    ...(r.operation_phase ? { operationPhase: r.operation_phase } : {}),
    ...(r.revision ? { revision: r.revision } : {}),
    observedVersions: JSON.parse(r.observed_versions),
    ...(r.reason ? { reason: r.reason } : {}),
    ...(r.message ? { message: r.message } : {}),
    eventAt: iso(r.event_at_ms),
  };
}

export class CdEventStatusStore {
  constructor(
    private readonly db: Knex,
    private readonly now: () => number = Date.now,
  ) {}

  /** Records an event's status; false when a newer event is already stored. */
  async record(
    target: CdEventTarget,
    event: CdEvent,
    observedVersions: string[],
  ): Promise<boolean> {
    const row: Row = {
      repository_id: target.repositoryId,
      service: target.service,
      environment: target.environment,
      tool: event.tool,
      app: `${event.namespace}/${event.name}`.slice(0, 253),
      health: event.health,
      sync: event.sync ?? 'Unknown',
      operation_phase: event.operationPhase ?? null,
      revision: event.revision?.slice(0, 64) ?? null,
      observed_versions: JSON.stringify(observedVersions.slice(0, 20)),
      reason: event.reason?.slice(0, 64) ?? null,
      message: event.message?.slice(0, 512) ?? null,
      event_at_ms: event.at,
      received_at_ms: this.now(),
    };
    const written = await this.db(TABLE)
      .insert(row)
      .onConflict(['repository_id', 'service', 'environment'])
      .merge()
      .where(`${TABLE}.event_at_ms`, '<=', event.at)
      .returning('repository_id');
    return Array.isArray(written) && written.length === 1;
  }

  async list(filter: {
    repositoryId: string;
    service?: string;
  }): Promise<EventLiveStatus[]> {
    const q = this.db<Row>(TABLE).where({ repository_id: filter.repositoryId });
    if (filter.service) q.andWhere({ service: filter.service });
    return (await q.orderBy(['service', 'environment'])).map(decode);
  }

  /** `repository\u0000environment` of the environments events reported on. */
  async reportedEnvironments(): Promise<Set<string>> {
    const rows = await this.db(TABLE)
      .distinct('repository_id', 'environment')
      .select();
    return new Set(
      rows.map((r: any) => `${r.repository_id}\u0000${r.environment}`),
    );
  }

  /**
   * The version Git asked for at a revision: the desired version at the
   * ingested head, else that of the latest rollout of the (service,
   * environment) at or before the commit that made a rollout of the
   * repository. Undefined when the ledger does not know the revision.
   */
  async versionAtRevision(
    target: CdEventTarget,
    revision: string,
  ): Promise<string | undefined> {
    const key = {
      repository_id: target.repositoryId,
      service: target.service,
      environment: target.environment,
    };
    const repo = await this.db('gitops_repositories')
      .where({ id: target.repositoryId })
      .first('last_commit_sha');
    if (repo?.last_commit_sha === revision) {
      const desired = await this.db('gitops_desired_states')
        .where(key)
        .first('version');
      return desired?.version ?? undefined;
    }
    const at = await this.db('gitops_rollouts')
      .where({ repository_id: target.repositoryId, commit_sha: revision })
      .whereNull('rewritten_at')
      .max({ id: 'id' })
      .first();
    if (!at?.id) return undefined;
    const rollout = await this.db('gitops_rollouts')
      .where(key)
      .where('id', '<=', at.id)
      .whereNull('rewritten_at')
      .orderBy('id', 'desc')
      .first('to_version');
    return rollout?.to_version;
  }

  /** The latest rollout of a (service, environment), when it waits for an outcome. */
  async openRollout(target: CdEventTarget): Promise<RolloutRow | undefined> {
    const latest: RolloutRow | undefined = await this.db('gitops_rollouts')
      .where({
        repository_id: target.repositoryId,
        service: target.service,
        environment: target.environment,
      })
      .whereNull('rewritten_at')
      .orderBy('id', 'desc')
      .first();
    return latest &&
      ['pending', 'progressing', 'degraded'].includes(latest.outcome)
      ? latest
      : undefined;
  }

  /** Moves an outcome unless someone else moved it first (false then). */
  async setOutcome(
    rollout: RolloutRow,
    outcome: string,
    observedAt: Date | null,
  ): Promise<boolean> {
    const patch: Record<string, unknown> = { outcome };
    if (observedAt) patch.observed_at = observedAt;
    const n = await this.db('gitops_rollouts')
      .where({ id: rollout.id, outcome: rollout.outcome })
      .update(patch);
    return n === 1;
  }
}
