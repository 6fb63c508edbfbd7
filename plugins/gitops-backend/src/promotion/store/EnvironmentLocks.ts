import { ConflictError } from '@backstage/errors';
import { Knex } from 'knex';
import {
  changeLockMessage,
  EnvironmentChangeLocks,
  isChangeLock,
  isExpiredChangeLock,
} from './EnvironmentChangeLocks';

/**
 * One write at a time per environment (table gitops_environment_locks): an
 * action holds the lock of each of its target environments from its first
 * write until it is merged, cancelled, refused or failed. The replica that
 * works on the action meanwhile holds the action's lease (ActionLeases);
 * a lock whose action is finished is released by reconciliation. The
 * merge of an environment change that takes environments away holds their
 * locks too, as a lease (EnvironmentChangeLocks): an action is refused
 * while it is live, and takes it over once it expired.
 */
export class EnvironmentLocks {
  readonly changes: EnvironmentChangeLocks;

  constructor(
    private readonly db: Knex,
    private readonly now: () => number = Date.now,
  ) {
    this.changes = new EnvironmentChangeLocks(db, now);
  }

  /** Takes the lock of every environment, or none (ConflictError naming the holder). */
  async lock(
    repositoryId: string,
    environments: string[],
    actionId: string,
  ): Promise<void> {
    await this.db.transaction(async tx => {
      for (const env of environments) {
        let holder = await tx('gitops_environment_locks')
          .where({ repository_id: repositoryId, environment: env })
          .first();
        if (holder && isExpiredChangeLock(holder, this.now())) {
          // The merge of an environment change that crashed: its lease ran out.
          await tx('gitops_environment_locks')
            .where({
              repository_id: repositoryId,
              environment: env,
              lease_token: holder.lease_token,
            })
            .delete();
          holder = undefined;
        }
        if (holder && isChangeLock(holder))
          throw new ConflictError(changeLockMessage(holder));
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

  async unlock(repositoryId: string, actionId: string): Promise<void> {
    await this.db('gitops_environment_locks')
      .where({ repository_id: repositoryId, action_id: actionId })
      .delete();
  }

  /**
   * Releases locks held by actions that are finished (merged or later with
   * every follow-up of the merge done, cancelled, refused, failed) or gone:
   * what a crash between the final state change and the unlock leaves
   * behind; and the locks of environment changes whose lease expired.
   * Returns how many were freed.
   */
  async releaseFinished(): Promise<number> {
    const expired = await this.changes.releaseExpired();
    const stale = await this.db('gitops_environment_locks as l')
      .leftJoin('gitops_actions as a', 'a.id', 'l.action_id')
      // An environment change's lock is a lease: only its expiry frees it.
      .whereNull('l.lease_token')
      .andWhere(q =>
        q.whereNull('a.id').orWhere(finished =>
          finished
            .whereNotIn('a.state', [
              'requested',
              'awaiting-approval',
              'pull-request-open',
            ])
            // A merge whose follow-ups (a rollback's hold) did not all run
            // keeps its locks until reconciliation finished it.
            .andWhere(done =>
              done
                .whereNull('a.merged_at_ms')
                .orWhereNotNull('a.merge_completed_at_ms'),
            ),
        ),
      )
      .select('l.repository_id', 'l.environment', 'l.action_id');
    for (const row of stale) {
      await this.db('gitops_environment_locks')
        .where({
          repository_id: row.repository_id,
          environment: row.environment,
          action_id: row.action_id,
        })
        .delete();
    }
    return expired + stale.length;
  }

  async holderOf(
    repositoryId: string,
    environment: string,
  ): Promise<string | undefined> {
    const row = await this.db('gitops_environment_locks')
      .where({ repository_id: repositoryId, environment })
      .first('action_id');
    return row ? String(row.action_id) : undefined;
  }
}
