import type { Hold } from '@gitops2/plugin-gitops-common';
import { Knex } from 'knex';
import { toIso } from '../../database/tables';

/** A hold created or lifted: the service whose holds changed. */
export interface HoldChange {
  repositoryId: string;
  service: string;
}

/** Rolled-back versions kept out of their environment until lifted (table gitops_holds). */
export class HoldStore {
  private readonly listeners: Array<(change: HoldChange) => void> = [];

  constructor(private readonly db: Knex) {}

  /**
   * Calls `listener` after each hold created or lifted through this store
   * (on this replica); its failure never fails the write.
   */
  onChange(listener: (change: HoldChange) => void): void {
    this.listeners.push(listener);
  }

  private emit(change: HoldChange): void {
    for (const listener of this.listeners) {
      try {
        listener(change);
      } catch {
        // a listener's bug never fails the write that happened
      }
    }
  }

  async active(repositoryId: string, service: string): Promise<Hold[]> {
    const rows = await this.db('gitops_holds')
      .where({ repository_id: repositoryId, service })
      .whereNull('lifted_at')
      .orderBy('id', 'desc');
    return rows.map(toHold);
  }

  /** Creates the hold of a rollback once, however often it is called for the same action. */
  async create(hold: {
    repositoryId: string;
    service: string;
    environment: string;
    version: string;
    reason: string;
    createdBy: string;
    actionId: string;
  }): Promise<void> {
    const created = await this.db.transaction(async tx => {
      const existing = await tx('gitops_holds')
        .where({
          action_id: hold.actionId,
          environment: hold.environment,
          version: hold.version,
        })
        .first('id');
      if (existing) return false;
      await tx('gitops_holds').insert({
        repository_id: hold.repositoryId,
        service: hold.service,
        environment: hold.environment,
        version: hold.version,
        reason: hold.reason,
        created_by: hold.createdBy,
        action_id: hold.actionId,
      });
      return true;
    });
    if (created)
      this.emit({ repositoryId: hold.repositoryId, service: hold.service });
  }

  async get(id: string): Promise<Hold | undefined> {
    const row = await this.db('gitops_holds').where({ id }).first();
    return row ? toHold(row) : undefined;
  }

  async lift(id: string, by: string, reason: string): Promise<boolean> {
    const lifted =
      (await this.db('gitops_holds')
        .where({ id })
        .whereNull('lifted_at')
        .update({
          lifted_by: by,
          lifted_at: new Date(),
          lift_reason: reason,
        })) === 1;
    if (lifted) {
      const hold = await this.get(id).catch(() => undefined);
      if (hold)
        this.emit({ repositoryId: hold.repositoryId, service: hold.service });
    }
    return lifted;
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
