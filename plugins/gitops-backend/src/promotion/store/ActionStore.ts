import type {
  ActionKind,
  ActionState,
  Approval,
  ApprovalRequirement,
  GateResult,
  GitopsAction,
  ManifestChange,
} from '@gitops2/plugin-gitops-common';
import { Knex } from 'knex';
import { toIso } from '../../database/tables';
import type { Door } from '../types';

export interface ActionRow {
  id: number | string;
  idempotency_key: string;
  request_hash: string;
  kind: string;
  state: string;
  repository_id: string;
  service: string;
  source_environment: string | null;
  environments: string;
  version: string;
  mode: string;
  requested_by: string;
  reason: string | null;
  changes: string;
  gates: string;
  required_approvals: number;
  approver_group: string | null;
  approval_requirements: string | null;
  base_sha: string | null;
  branch: string | null;
  pull_request_url: string | null;
  commit_sha: string | null;
  error: string | null;
  entity_ref: string | null;
  emergency: boolean | number;
  door: string | null;
  claimed_by: string | null;
  claim_expires_at_ms: number | string | null;
  claim_generation: number;
  merged_at_ms?: number | string | null;
  merge_completed_at_ms?: number | string | null;
  created_at: Date | string;
  updated_at: Date | string;
}

export interface NewAction {
  idempotencyKey: string;
  requestHash: string;
  kind: ActionKind;
  state: ActionState;
  repositoryId: string;
  service: string;
  entityRef?: string;
  sourceEnvironment?: string;
  environments: string[];
  version: string;
  mode: 'pull-request' | 'direct';
  emergency: boolean;
  requestedBy: string;
  door: Door;
  reason?: string;
  changes: ManifestChange[];
  gates: GateResult[];
  approvalRequirements: ApprovalRequirement[];
  baseSha: string;
}

/** A lease held on an action: only updates under it are accepted. */
export interface ClaimFence {
  owner: string;
  generation: number;
}

export type ActionPatch = Partial<{
  state: ActionState;
  branch: string | null;
  pullRequestUrl: string | null;
  commitSha: string | null;
  error: string | null;
  gates: GateResult[];
  changes: ManifestChange[];
  baseSha: string;
}>;

/**
 * What changed on an action (after the write): its new state, or an
 * approval. Listeners (notifications, live updates) read the action again.
 */
export type ActionChange =
  | { actionId: string; state: ActionState }
  | { actionId: string; approvedBy: string };

export type ActionChangeListener = (change: ActionChange) => void;

/**
 * The action records (table gitops_actions) and their approvals. Every state
 * change is a compare-and-set on the expected states and, for a replica
 * working on the action, on its lease (ActionLeases): a replica that lost
 * its lease cannot overwrite what another one did, and a cancelled action is
 * never moved on.
 */
export class ActionStore {
  private readonly listeners: ActionChangeListener[] = [];

  constructor(private readonly db: Knex) {}

  /**
   * Calls `listener` after each state change and approval written through
   * this store (on this replica). Listeners must not throw; their work is
   * their own (fire and forget).
   */
  onChange(listener: ActionChangeListener): void {
    this.listeners.push(listener);
  }

  private emit(change: ActionChange): void {
    for (const listener of this.listeners) {
      try {
        listener(change);
      } catch {
        // a listener's bug never fails the write that happened
      }
    }
  }

  /**
   * Inserts an action, or returns the one the same caller recorded under the
   * same idempotency key (`created: false`). Safe under concurrency across
   * replicas: the unique (requested_by, idempotency_key) index decides.
   */
  async createOrGet(
    action: NewAction,
  ): Promise<{ action: GitopsAction; requestHash: string; created: boolean }> {
    const existing = await this.findByKey(
      action.requestedBy,
      action.idempotencyKey,
    );
    if (existing) return { ...existing, created: false };
    try {
      await this.db('gitops_actions').insert({
        idempotency_key: action.idempotencyKey,
        request_hash: action.requestHash,
        kind: action.kind,
        state: action.state,
        repository_id: action.repositoryId,
        service: action.service,
        entity_ref: action.entityRef ?? null,
        source_environment: action.sourceEnvironment ?? null,
        environments: JSON.stringify(action.environments),
        version: action.version,
        mode: action.mode,
        emergency: action.emergency,
        requested_by: action.requestedBy,
        door: action.door,
        reason: action.reason ?? null,
        changes: JSON.stringify(action.changes),
        gates: JSON.stringify(action.gates),
        required_approvals: Math.max(
          0,
          ...action.approvalRequirements.map(r => r.approvals),
        ),
        approval_requirements: JSON.stringify(action.approvalRequirements),
        base_sha: action.baseSha,
      });
    } catch (e) {
      const again = await this.findByKey(
        action.requestedBy,
        action.idempotencyKey,
      );
      if (again) return { ...again, created: false };
      throw e;
    }
    const created = await this.findByKey(
      action.requestedBy,
      action.idempotencyKey,
    );
    this.emit({ actionId: created!.action.id, state: created!.action.state });
    return { ...created!, created: true };
  }

  /** The action a caller recorded under an idempotency key, with its request hash. */
  async findByKey(
    requestedBy: string,
    key: string,
  ): Promise<{ action: GitopsAction; requestHash: string } | undefined> {
    const row = await this.db<ActionRow>('gitops_actions')
      .where({ requested_by: requestedBy, idempotency_key: key })
      .first();
    return row
      ? { action: await this.toAction(row), requestHash: row.request_hash }
      : undefined;
  }

  async get(id: string): Promise<GitopsAction | undefined> {
    const row = await this.row(id);
    return row ? this.toAction(row) : undefined;
  }

  async row(id: string): Promise<ActionRow | undefined> {
    return this.db<ActionRow>('gitops_actions').where({ id }).first();
  }

  async list(filter: {
    repositoryId?: string;
    service?: string;
    states?: ActionState[];
    limit?: number;
    mergeFinished?: boolean;
    mergeUnfinished?: boolean;
    beforeId?: string;
  }): Promise<GitopsAction[]> {
    const rows = await this.listRows(filter);
    return Promise.all(rows.map(r => this.toAction(r)));
  }

  async listRows(filter: {
    repositoryId?: string;
    service?: string;
    states?: ActionState[];
    limit?: number;
    oldestFirst?: boolean;
    /** Leave out merges whose follow-ups a crash cut (not finished yet). */
    mergeFinished?: boolean;
    /** Only merges whose follow-ups a crash cut (the opposite of mergeFinished). */
    mergeUnfinished?: boolean;
    /** Only actions with a smaller id (the next page, newest first). */
    beforeId?: string;
  }): Promise<ActionRow[]> {
    const q = this.db<ActionRow>('gitops_actions');
    if (filter.beforeId) q.where('id', '<', Number(filter.beforeId));
    if (filter.mergeUnfinished)
      q.whereNotNull('merged_at_ms').whereNull('merge_completed_at_ms');
    if (filter.mergeFinished)
      q.where(done =>
        done.whereNull('merged_at_ms').orWhereNotNull('merge_completed_at_ms'),
      );
    if (filter.repositoryId) q.where({ repository_id: filter.repositoryId });
    if (filter.service) q.where({ service: filter.service });
    if (filter.states) q.whereIn('state', filter.states);
    return q
      .orderBy('id', filter.oldestFirst ? 'asc' : 'desc')
      .limit(filter.limit ?? 50);
  }

  /**
   * Applies a patch if the action is in one of `expectedStates` and, with a
   * fence, still claimed by that lease. False when someone else won.
   */
  async update(
    id: string,
    patch: ActionPatch,
    expectedStates?: ActionState[],
    fence?: ClaimFence,
  ): Promise<boolean> {
    const values: Record<string, unknown> = { updated_at: new Date() };
    if (patch.state) values.state = patch.state;
    if (patch.branch !== undefined) values.branch = patch.branch;
    if (patch.pullRequestUrl !== undefined)
      values.pull_request_url = patch.pullRequestUrl;
    if (patch.commitSha !== undefined) values.commit_sha = patch.commitSha;
    if (patch.error !== undefined) values.error = patch.error;
    if (patch.gates) values.gates = JSON.stringify(patch.gates);
    if (patch.changes) values.changes = JSON.stringify(patch.changes);
    if (patch.baseSha) values.base_sha = patch.baseSha;
    if (patch.state === 'merged') values.merged_at_ms = Date.now();
    const q = this.db('gitops_actions').where({ id });
    if (expectedStates) q.whereIn('state', expectedStates);
    if (fence) {
      q.where({
        claimed_by: fence.owner,
        claim_generation: fence.generation,
      });
    }
    const updated = (await q.update(values)) === 1;
    if (updated && patch.state) this.emit({ actionId: id, state: patch.state });
    return updated;
  }

  /** Records that every follow-up of the action's merge is done. */
  async markMergeCompleted(id: string): Promise<void> {
    await this.db('gitops_actions')
      .where({ id })
      .whereNull('merge_completed_at_ms')
      .update({ merge_completed_at_ms: Date.now() });
  }

  /**
   * Actions recorded merged whose follow-ups were cut (a crash between the
   * compare-and-set and the end of the merge), of the configured
   * repositories, oldest first.
   */
  async listUnfinishedMerges(
    repositoryIds: string[],
    limit = 100,
  ): Promise<ActionRow[]> {
    return this.db<ActionRow>('gitops_actions')
      .whereNull('merge_completed_at_ms')
      .whereNotNull('merged_at_ms')
      .whereIn('repository_id', repositoryIds)
      .orderBy('id', 'asc')
      .limit(limit);
  }

  /** Records an approval once per approver, with the groups it was checked against. */
  async addApproval(
    actionId: string,
    approver: string,
    comment: string | undefined,
    verifiedGroups: string[],
  ): Promise<void> {
    await this.db('gitops_approvals')
      .insert({
        action_id: actionId,
        approver,
        comment: comment ?? null,
        verified_groups: JSON.stringify(verifiedGroups),
      })
      .onConflict(['action_id', 'approver'])
      .ignore();
    this.emit({ actionId, approvedBy: approver });
  }

  async toAction(row: ActionRow): Promise<GitopsAction> {
    const approvals: Approval[] = (
      await this.db('gitops_approvals')
        .where({ action_id: row.id })
        .orderBy('created_at')
    ).map((a: any) => ({
      approver: a.approver,
      comment: a.comment ?? undefined,
      at: toIso(a.created_at) ?? '',
      groups: a.verified_groups ? JSON.parse(a.verified_groups) : [],
    }));
    const requirements: ApprovalRequirement[] = row.approval_requirements
      ? JSON.parse(row.approval_requirements)
      : legacyRequirements(row);
    return {
      id: String(row.id),
      kind: row.kind as ActionKind,
      state: row.state as ActionState,
      repositoryId: row.repository_id,
      service: row.service,
      entityRef: row.entity_ref ?? undefined,
      sourceEnvironment: row.source_environment ?? undefined,
      environments: JSON.parse(row.environments),
      version: row.version,
      mode: row.mode as GitopsAction['mode'],
      emergency: Boolean(row.emergency),
      requestedBy: row.requested_by,
      reason: row.reason ?? undefined,
      createdAt: toIso(row.created_at) ?? '',
      updatedAt: toIso(row.updated_at) ?? '',
      changes: JSON.parse(row.changes),
      gates: JSON.parse(row.gates),
      approvals,
      requiredApprovals: row.required_approvals,
      approvalRequirements: requirements,
      branch: row.branch ?? undefined,
      pullRequestUrl: row.pull_request_url ?? undefined,
      commitSha: row.commit_sha ?? undefined,
      error: row.error ?? undefined,
    };
  }
}

/** Actions recorded before per-environment requirements were stored. */
function legacyRequirements(row: ActionRow): ApprovalRequirement[] {
  const envs: string[] = JSON.parse(row.environments);
  return envs.map(environment => ({
    environment,
    approvals: row.required_approvals,
    group: row.approver_group ?? undefined,
  }));
}
