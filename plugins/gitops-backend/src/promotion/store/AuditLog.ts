import { Knex } from 'knex';

/** One audit row: every write attempt, allowed or not, from every door. */
export interface AuditEntry {
  actor: string;
  /** promotion, rollback, approve, merge, cancel, lift-hold, execute, reconcile … */
  action: string;
  door: string;
  severity: 'low' | 'medium' | 'high' | 'critical';
  repositoryId?: string;
  service?: string;
  environments?: string[];
  fromVersion?: string | null;
  toVersion?: string;
  result: 'succeeded' | 'denied' | 'failed' | 'refused';
  message?: string;
  actionId?: string;
}

/** The ledger's audit table (gitops_audit): append only. */
export class AuditLog {
  constructor(private readonly db: Knex) {}

  async append(entry: AuditEntry): Promise<void> {
    await this.db('gitops_audit').insert({
      actor: entry.actor.slice(0, 255),
      action: entry.action.slice(0, 32),
      door: entry.door.slice(0, 32),
      severity: entry.severity,
      repository_id: entry.repositoryId ?? null,
      service: entry.service ?? null,
      environments: entry.environments
        ? JSON.stringify(entry.environments)
        : null,
      from_version: entry.fromVersion ?? null,
      to_version: entry.toVersion ?? null,
      result: entry.result,
      message: entry.message?.slice(0, 4000) ?? null,
      action_id: entry.actionId ?? null,
    });
  }

  /** Whether the merge of an action was audited already. */
  async hasMerge(actionId: string): Promise<boolean> {
    const row = await this.db('gitops_audit')
      .where({ action_id: actionId, result: 'succeeded' })
      .where('message', 'like', 'merged%')
      .first('id');
    return Boolean(row);
  }

  async entries(limit = 100): Promise<Array<Record<string, unknown>>> {
    return this.db('gitops_audit').orderBy('id', 'desc').limit(limit);
  }
}
