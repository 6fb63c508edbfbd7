import { randomUUID } from 'node:crypto';
import { ConflictError } from '@backstage/errors';
import { Knex } from 'knex';

/** action_id of a lock held by an environment change, not an action. */
export const CHANGE_LOCK_ACTION_ID = 0;

/** A lock row of gitops_environment_locks, as far as these checks read it. */
export interface LockRow {
  environment: string;
  action_id: string | number;
  holder?: string | null;
  lease_token?: string | null;
  expires_at_ms?: string | number | null;
}

/** Whether an environment change (not an action) holds this lock row. */
export function isChangeLock(row: LockRow): boolean {
  return !!row.lease_token;
}

/** An environment change's lock whose lease ran out: free for anyone. */
export function isExpiredChangeLock(row: LockRow, now: number): boolean {
  return isChangeLock(row) && Number(row.expires_at_ms) < now;
}

/** Why a promotion cannot write to an environment a change's merge holds. */
export function changeLockMessage(row: LockRow): string {
  return `environment ${row.environment} is locked by ${row.holder}, an environment change that takes it away; request this again once that change is merged or closed`;
}

/**
 * Environment locks held by the merge of an environment change that takes
 * environments away (a retirement), in the table actions lock environments
 * with (gitops_environment_locks, action_id 0): all of them or none, refused
 * while an action or another change holds one, a lease renewed while the
 * merge runs, released when it ends, and free for anyone once it expired
 * (the replica crashed mid-merge).
 */
export class EnvironmentChangeLocks {
  constructor(
    private readonly db: Knex,
    private readonly now: () => number = Date.now,
  ) {}

  /** Takes the lock of every environment or none (ConflictError naming the holder); returns the lease's token. */
  async acquire(
    repositoryId: string,
    environments: string[],
    holder: string,
    ttlMs: number,
  ): Promise<{ token: string; expiresAt: number }> {
    const token = randomUUID();
    const expiresAt = this.now() + ttlMs;
    await this.db.transaction(async tx => {
      for (const environment of environments) {
        const key = { repository_id: repositoryId, environment };
        const row: LockRow | undefined = await tx('gitops_environment_locks')
          .where(key)
          .first();
        if (row && isExpiredChangeLock(row, this.now())) {
          await tx('gitops_environment_locks')
            .where({ ...key, lease_token: row.lease_token })
            .delete();
        } else if (row && isChangeLock(row)) {
          throw new ConflictError(
            `environment ${environment} is locked by ${row.holder}; try again once it is done`,
          );
        } else if (row) {
          throw new ConflictError(
            `environment ${environment} is busy with action #${row.action_id}; wait until it is merged or cancelled`,
          );
        }
        try {
          await tx('gitops_environment_locks').insert({
            ...key,
            action_id: CHANGE_LOCK_ACTION_ID,
            holder: holder.slice(0, 255),
            lease_token: token,
            expires_at_ms: expiresAt,
          });
        } catch (e) {
          // Only the key taken meanwhile is a conflict; a database that
          // fails is the service's (fail closed: nothing is merged).
          if (!isUniqueViolation(e)) throw e;
          throw new ConflictError(
            `environment ${environment} was locked meanwhile by another write; try again`,
          );
        }
      }
    });
    return { token, expiresAt };
  }

  /**
   * Extends a lease of `count` locks; the new expiry, or undefined when it
   * was lost (one of its locks expired and was taken).
   */
  async renew(
    repositoryId: string,
    token: string,
    count: number,
    ttlMs: number,
  ): Promise<number | undefined> {
    const expiresAt = this.now() + ttlMs;
    const updated = await this.db('gitops_environment_locks')
      .where({ repository_id: repositoryId, lease_token: token })
      .update({ expires_at_ms: expiresAt });
    return updated === count ? expiresAt : undefined;
  }

  async release(repositoryId: string, token: string): Promise<void> {
    await this.db('gitops_environment_locks')
      .where({ repository_id: repositoryId, lease_token: token })
      .delete();
  }

  /** Why a promotion to `environments` is refused now (a live change lock), or undefined. */
  async refusal(
    repositoryId: string,
    environments: string[],
  ): Promise<string | undefined> {
    const rows: LockRow[] = await this.db('gitops_environment_locks')
      .where({ repository_id: repositoryId })
      .whereIn('environment', environments)
      .whereNotNull('lease_token');
    const live = rows.find(r => !isExpiredChangeLock(r, this.now()));
    return live ? changeLockMessage(live) : undefined;
  }

  /** Deletes expired change locks (a replica crashed mid-merge); how many. */
  async releaseExpired(): Promise<number> {
    return this.db('gitops_environment_locks')
      .whereNotNull('lease_token')
      .andWhere('expires_at_ms', '<', this.now())
      .delete();
  }
}

/** PostgreSQL 23505, SQLite's primary key or unique constraint. */
function isUniqueViolation(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return (
    code === '23505' ||
    code === 'SQLITE_CONSTRAINT_PRIMARYKEY' ||
    code === 'SQLITE_CONSTRAINT_UNIQUE'
  );
}
