import { ConflictError } from '@backstage/errors';
import type {
  ActionKind,
  ActionState,
  Approval,
  GateResult,
  GitopsAction,
  Hold,
  ManifestChange,
} from '@gitops2/plugin-gitops-common';
import { Knex } from 'knex';
import { toIso } from '../database/tables';

interface ActionRow {
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
  base_sha: string | null;
  branch: string | null;
  pull_request_url: string | null;
  commit_sha: string | null;
  error: string | null;
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
  sourceEnvironment?: string;
  environments: string[];
  version: string;
  mode: 'pull-request' | 'direct';
  requestedBy: string;
  reason?: string;
  changes: ManifestChange[];
  gates: GateResult[];
  requiredApprovals: number;
  approverGroup?: string;
  baseSha: string;
}

/** Database side of promotions: actions, approvals, holds, locks, audit. */
export class ActionStore {
  constructor(private readonly db: Knex) {}

  /**
   * Inserts an action, or returns the existing one with the same idempotency
   * key (`created: false`). Safe under concurrency: the unique key decides.
   */
  async createOrGet(
    action: NewAction,
  ): Promise<{ action: GitopsAction; requestHash: string; created: boolean }> {
    const existing = await this.byKey(action.idempotencyKey);
    if (existing) return { ...existing, created: false };
    try {
      await this.db('gitops_actions').insert({
        idempotency_key: action.idempotencyKey,
        request_hash: action.requestHash,
        kind: action.kind,
        state: action.state,
        repository_id: action.repositoryId,
        service: action.service,
        source_environment: action.sourceEnvironment ?? null,
        environments: JSON.stringify(action.environments),
        version: action.version,
        mode: action.mode,
        requested_by: action.requestedBy,
        reason: action.reason ?? null,
        changes: JSON.stringify(action.changes),
        gates: JSON.stringify(action.gates),
        required_approvals: action.requiredApprovals,
        approver_group: action.approverGroup ?? null,
        base_sha: action.baseSha,
      });
    } catch (e) {
      const again = await this.byKey(action.idempotencyKey);
      if (again) return { ...again, created: false };
      throw e;
    }
    const created = await this.byKey(action.idempotencyKey);
    return { ...created!, created: true };
  }

  /** The action recorded under an idempotency key, with its request hash. */
  findByKey(key: string) {
    return this.byKey(key);
  }

  private async byKey(key: string) {
    const row = await this.db<ActionRow>('gitops_actions')
      .where({ idempotency_key: key })
      .first();
    return row
      ? { action: await this.toAction(row), requestHash: row.request_hash }
      : undefined;
  }

  async get(id: string): Promise<GitopsAction | undefined> {
    const row = await this.db<ActionRow>('gitops_actions')
      .where({ id })
      .first();
    return row ? this.toAction(row) : undefined;
  }

  async approverGroupOf(id: string): Promise<string | undefined> {
    const row = await this.db<ActionRow>('gitops_actions')
      .where({ id })
      .first();
    return row?.approver_group ?? undefined;
  }

  async baseShaOf(id: string): Promise<string | undefined> {
    const row = await this.db<ActionRow>('gitops_actions')
      .where({ id })
      .first();
    return row?.base_sha ?? undefined;
  }

  async list(filter: {
    repositoryId?: string;
    service?: string;
    states?: ActionState[];
    limit?: number;
  }): Promise<GitopsAction[]> {
    const q = this.db<ActionRow>('gitops_actions');
    if (filter.repositoryId) q.where({ repository_id: filter.repositoryId });
    if (filter.service) q.where({ service: filter.service });
    if (filter.states) q.whereIn('state', filter.states);
    const rows = await q.orderBy('id', 'desc').limit(filter.limit ?? 50);
    return Promise.all(rows.map(r => this.toAction(r)));
  }

  async update(
    id: string,
    patch: Partial<{
      state: ActionState;
      branch: string;
      pullRequestUrl: string;
      commitSha: string;
      error: string | null;
      gates: GateResult[];
      changes: ManifestChange[];
      baseSha: string;
    }>,
    expectedStates?: ActionState[],
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
    const q = this.db('gitops_actions').where({ id });
    if (expectedStates) q.whereIn('state', expectedStates);
    return (await q.update(values)) === 1;
  }

  async addApproval(
    actionId: string,
    approver: string,
    comment?: string,
  ): Promise<void> {
    await this.db('gitops_approvals')
      .insert({ action_id: actionId, approver, comment: comment ?? null })
      .onConflict(['action_id', 'approver'])
      .ignore();
  }

  /** Takes the write lock of every environment, or none (ConflictError naming the holder). */
  async lockEnvironments(
    repositoryId: string,
    environments: string[],
    actionId: string,
  ): Promise<void> {
    await this.db.transaction(async tx => {
      for (const env of environments) {
        const holder = await tx('gitops_environment_locks')
          .where({ repository_id: repositoryId, environment: env })
          .first();
        if (holder && String(holder.action_id) !== String(actionId)) {
          throw new ConflictError(
            `environment ${env} is busy with action #${holder.action_id}; wait until it is merged or cancelled`,
          );
        }
        if (!holder) {
          try {
            await tx('gitops_environment_locks').insert({
              repository_id: repositoryId,
              environment: env,
              action_id: actionId,
            });
          } catch {
            throw new ConflictError(
              `environment ${env} is busy with another promotion`,
            );
          }
        }
      }
    });
  }

  async unlockEnvironments(
    repositoryId: string,
    actionId: string,
  ): Promise<void> {
    await this.db('gitops_environment_locks')
      .where({ repository_id: repositoryId, action_id: actionId })
      .delete();
  }

  async activeHolds(repositoryId: string, service: string): Promise<Hold[]> {
    const rows = await this.db('gitops_holds')
      .where({ repository_id: repositoryId, service })
      .whereNull('lifted_at')
      .orderBy('id', 'desc');
    return rows.map(toHold);
  }

  async createHold(hold: {
    repositoryId: string;
    service: string;
    environment: string;
    version: string;
    reason: string;
    createdBy: string;
    actionId: string;
  }): Promise<void> {
    await this.db('gitops_holds').insert({
      repository_id: hold.repositoryId,
      service: hold.service,
      environment: hold.environment,
      version: hold.version,
      reason: hold.reason,
      created_by: hold.createdBy,
      action_id: hold.actionId,
    });
  }

  async getHold(id: string): Promise<Hold | undefined> {
    const row = await this.db('gitops_holds').where({ id }).first();
    return row ? toHold(row) : undefined;
  }

  async liftHold(id: string, by: string, reason: string): Promise<boolean> {
    return (
      (await this.db('gitops_holds')
        .where({ id })
        .whereNull('lifted_at')
        .update({
          lifted_by: by,
          lifted_at: new Date(),
          lift_reason: reason,
        })) === 1
    );
  }

  async audit(entry: {
    actor: string;
    action: string;
    repositoryId?: string;
    service?: string;
    environments?: string[];
    fromVersion?: string | null;
    toVersion?: string;
    result: 'succeeded' | 'denied' | 'failed' | 'refused';
    message?: string;
    actionId?: string;
  }): Promise<void> {
    await this.db('gitops_audit').insert({
      actor: entry.actor.slice(0, 255),
      action: entry.action,
      repository_id: entry.repositoryId ?? null,
      service: entry.service ?? null,
      environments: entry.environments
        ? JSON.stringify(entry.environments)
        : null,
      from_version: entry.fromVersion ?? null,
      to_version: entry.toVersion ?? null,
      result: entry.result,
      message: entry.message ?? null,
      action_id: entry.actionId ?? null,
    });
  }

  async auditEntries(limit = 100): Promise<Array<Record<string, unknown>>> {
    return this.db('gitops_audit').orderBy('id', 'desc').limit(limit);
  }

  private async toAction(row: ActionRow): Promise<GitopsAction> {
    const approvals: Approval[] = (
      await this.db('gitops_approvals')
        .where({ action_id: row.id })
        .orderBy('created_at')
    ).map((a: any) => ({
      approver: a.approver,
      comment: a.comment ?? undefined,
      at: toIso(a.created_at) ?? '',
    }));
    return {
      id: String(row.id),
      kind: row.kind as ActionKind,
      state: row.state as ActionState,
      repositoryId: row.repository_id,
      service: row.service,
      sourceEnvironment: row.source_environment ?? undefined,
      environments: JSON.parse(row.environments),
      version: row.version,
      mode: row.mode as GitopsAction['mode'],
      requestedBy: row.requested_by,
      reason: row.reason ?? undefined,
      createdAt: toIso(row.created_at) ?? '',
      updatedAt: toIso(row.updated_at) ?? '',
      changes: JSON.parse(row.changes),
      gates: JSON.parse(row.gates),
      approvals,
      requiredApprovals: row.required_approvals,
      branch: row.branch ?? undefined,
      pullRequestUrl: row.pull_request_url ?? undefined,
      commitSha: row.commit_sha ?? undefined,
      error: row.error ?? undefined,
    };
  }
}

function toHold(row: any): Hold {
  return {
    id: String(row.id),
    repositoryId: row.repository_id,
    service: row.service,
    environment: row.environment,
    version: row.version,
    reason: row.reason,
    createdBy: row.created_by,
    createdAt: toIso(row.created_at) ?? '',
    liftedBy: row.lifted_by ?? undefined,
    liftedAt: toIso(row.lifted_at),
  };
}
