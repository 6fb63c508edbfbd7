import type {
  PipelineStep,
  StepRun,
  StepRunState,
} from '@gitops2/plugin-gitops-common';
import type { JsonObject } from '@backstage/types';
import { Knex } from 'knex';

export interface StepRunRow {
  id: number | string;
  action_id: number | string;
  environment: string;
  phase: string;
  position: number;
  name: string;
  type: string;
  definition: string;
  state: string;
  attempt: number;
  started_at_ms: number | string | null;
  next_at_ms: number | string | null;
  finished_at_ms: number | string | null;
  message: string | null;
  output: string | null;
  step_state: string | null;
  claimed_by: string | null;
  claim_expires_at_ms: number | string | null;
  claim_generation: number;
}

export interface StepFence {
  owner: string;
  generation: number;
}

const ACTIVE = ['pending', 'running'];
const FINISHED = ['passed', 'failed', 'skipped', 'cancelled'];

const num = (v: number | string | null) => (v === null ? null : Number(v));
const iso = (v: number | string | null) =>
  v === null ? undefined : new Date(Number(v)).toISOString();

/**
 * The steps of actions (table gitops_step_runs): planned once per action,
 * phase and environment (the unique position decides, across replicas),
 * then moved on attempt by attempt under a lease.
 */
export class StepRunStore {
  constructor(
    private readonly db: Knex,
    private readonly now: () => number = Date.now,
  ) {}

  /** Inserts the steps of a phase once; planning again changes nothing. */
  async plan(
    actionId: string,
    environment: string,
    phase: 'before' | 'after',
    steps: PipelineStep[],
  ): Promise<void> {
    if (steps.length === 0) return;
    await this.db('gitops_step_runs')
      .insert(
        steps.map((step, position) => ({
          action_id: actionId,
          environment,
          phase,
          position,
          name: step.name,
          type: step.type,
          definition: JSON.stringify(step),
          state: 'pending',
        })),
      )
      .onConflict(['action_id', 'environment', 'phase', 'position'])
      .ignore();
  }

  async ofAction(
    actionId: string,
    phase?: 'before' | 'after',
  ): Promise<StepRunRow[]> {
    const q = this.db<StepRunRow>('gitops_step_runs').where({
      action_id: actionId,
    });
    if (phase) q.where({ phase });
    return q.orderBy(['phase', 'environment', 'position']);
  }

  /**
   * Steps whose next attempt is due, and finished steps whose phase was not
   * handed on (the replica doing it died: `next_at_ms` stays set until it is
   * done), oldest first, not claimed by a live lease.
   */
  async due(limit = 50): Promise<StepRunRow[]> {
    const now = this.now();
    return this.db<StepRunRow>('gitops_step_runs')
      .where(q =>
        q
          .where(active =>
            active
              .whereIn('state', ACTIVE)
              .andWhere(n =>
                n.whereNull('next_at_ms').orWhere('next_at_ms', '<=', now),
              ),
          )
          .orWhere(handOn =>
            handOn.whereIn('state', FINISHED).andWhere('next_at_ms', '<=', now),
          ),
      )
      .andWhere(q =>
        q.whereNull('claimed_by').orWhere('claim_expires_at_ms', '<', now),
      )
      .orderBy('id')
      .limit(limit);
  }

  async claim(
    id: string,
    owner: string,
    ttlMs: number,
  ): Promise<StepFence | undefined> {
    const now = this.now();
    const updated = await this.db('gitops_step_runs')
      .where({ id })
      .andWhere(q => q.whereIn('state', ACTIVE).orWhereNotNull('next_at_ms'))
      .andWhere(q =>
        q.whereNull('claimed_by').orWhere('claim_expires_at_ms', '<', now),
      )
      .update({
        claimed_by: owner,
        claim_expires_at_ms: now + ttlMs,
        claim_generation: this.db.raw('claim_generation + 1'),
      });
    if (updated !== 1) return undefined;
    const row = await this.db('gitops_step_runs')
      .where({ id, claimed_by: owner })
      .first('claim_generation');
    return row
      ? { owner, generation: Number(row.claim_generation) }
      : undefined;
  }

  /** Extends a held claim; false once it was taken over or let go. */
  async renew(id: string, fence: StepFence, ttlMs: number): Promise<boolean> {
    const updated = await this.db('gitops_step_runs')
      .where({
        id,
        claimed_by: fence.owner,
        claim_generation: fence.generation,
      })
      .update({ claim_expires_at_ms: this.now() + ttlMs });
    return updated === 1;
  }

  /**
   * Records an attempt under the lease and lets the lease go; with
   * `handOn` (a finished step) the lease is kept until `release`, after its
   * phase was handed on, and the step is due again should the lease lapse
   * before that.
   */
  async record(
    id: string,
    fence: StepFence,
    patch: {
      state: StepRunState;
      attempt?: number;
      startedAtMs?: number;
      nextAtMs?: number | null;
      finished?: boolean;
      handOn?: boolean;
      message?: string;
      output?: JsonObject;
      stepState?: JsonObject;
    },
  ): Promise<boolean> {
    const values: Record<string, unknown> = patch.handOn
      ? { state: patch.state, next_at_ms: this.now() }
      : { state: patch.state, claimed_by: null, claim_expires_at_ms: null };
    if (patch.attempt !== undefined) values.attempt = patch.attempt;
    if (patch.startedAtMs !== undefined)
      values.started_at_ms = patch.startedAtMs;
    if (patch.nextAtMs !== undefined && !patch.handOn)
      values.next_at_ms = patch.nextAtMs;
    if (patch.finished) values.finished_at_ms = this.now();
    if (patch.message !== undefined)
      values.message = patch.message.slice(0, 2000);
    if (patch.output !== undefined)
      values.output = JSON.stringify(patch.output).slice(0, 8000);
    if (patch.stepState !== undefined)
      values.step_state = JSON.stringify(patch.stepState).slice(0, 8000);
    const updated = await this.db('gitops_step_runs')
      .where({
        id,
        claimed_by: fence.owner,
        claim_generation: fence.generation,
      })
      .update(values);
    return updated === 1;
  }

  /** Lets the lease go once a finished step's phase was handed on. */
  async release(id: string, fence: StepFence): Promise<boolean> {
    const updated = await this.db('gitops_step_runs')
      .where({
        id,
        claimed_by: fence.owner,
        claim_generation: fence.generation,
      })
      .update({
        claimed_by: null,
        claim_expires_at_ms: null,
        next_at_ms: null,
      });
    return updated === 1;
  }

  /** Ends every unfinished step of an action (cancel, refused). */
  async cancelAll(actionId: string, message: string): Promise<void> {
    await this.db('gitops_step_runs')
      .where({ action_id: actionId })
      .whereIn('state', ['pending', 'running'])
      .update({
        state: 'cancelled',
        message,
        finished_at_ms: this.now(),
        next_at_ms: null,
        claimed_by: null,
        claim_expires_at_ms: null,
      });
  }

  static toView(row: StepRunRow): StepRun {
    return {
      id: String(row.id),
      actionId: String(row.action_id),
      environment: row.environment,
      phase: row.phase as StepRun['phase'],
      position: row.position,
      name: row.name,
      type: row.type,
      state: row.state as StepRunState,
      attempt: row.attempt,
      ...(num(row.started_at_ms) !== null
        ? { startedAt: iso(row.started_at_ms) }
        : {}),
      ...(num(row.finished_at_ms) !== null
        ? { finishedAt: iso(row.finished_at_ms) }
        : {}),
      ...(row.message ? { message: row.message } : {}),
      ...(row.output ? { output: JSON.parse(row.output) } : {}),
    };
  }
}
