import type { ActionState, GitopsAction } from '@gitops2/plugin-gitops-common';
import type { PromotionEngine } from '../engine';
import { ActionCompletion } from '../execution/ActionCompletion';
import { ActionLease } from '../execution/ActionLease';
import type { ActionExecutor } from '../execution/ActionExecutor';
import { reconciliationCaller } from '../types';
import { hostMergeAuditMessage } from './mergedByPortal';
import { unreviewedMergeMessage } from './unreviewedMerge';

/** States an action can be in once it was recorded merged. */
const MERGED_STATES: ActionState[] = [
  'merged',
  'syncing',
  'succeeded',
  'failed',
];

/** What one reconciliation pass did. */
export interface ReconcileReport {
  resumed: number;
  merged: number;
  cancelled: number;
  moved: number;
  /** Pull requests merged by hand at another head than the reviewed one. */
  failed: number;
  /** Merges whose follow-ups a crash cut, finished now. */
  finished: number;
  locksReleased: number;
}

/**
 * Finishes or undoes what no replica is working on, from what Git shows:
 * - `requested` actions whose lease expired (the replica crashed while
 *   writing): written again by the executor, which adopts a branch or pull
 *   request left behind only when it is exactly the planned change;
 * - open pull requests merged or closed outside the portal (on GitHub, or a
 *   demo branch merged by hand): merged (with the hold of a rollback) or
 *   cancelled, their environments unlocked; a pull request whose branch got
 *   other commits is marked, and the portal will not merge it;
 * - merges whose follow-ups (hold, `after` steps, audit) a crash cut:
 *   finished;
 * - environment locks of actions that are finished.
 * Runs on every replica; leases keep two from working on one action.
 */
export class ActionReconciler {
  private readonly completion: ActionCompletion;

  constructor(
    private readonly engine: PromotionEngine,
    private readonly executor: ActionExecutor,
  ) {
    this.completion = new ActionCompletion(engine);
  }

  async run(now = Date.now()): Promise<ReconcileReport> {
    const report: ReconcileReport = {
      resumed: 0,
      merged: 0,
      cancelled: 0,
      moved: 0,
      failed: 0,
      finished: 0,
      locksReleased: 0,
    };
    const { actions, logger } = this.engine;
    for (const row of await actions.listRows({
      states: ['requested'],
      limit: 100,
      oldestFirst: true,
    })) {
      // A request is written by the call that made it; only pick it up when
      // nobody did for a whole lease time.
      const idle =
        now - Date.parse(new Date(row.updated_at as any).toISOString());
      const leaseLive =
        row.claimed_by !== null &&
        row.claim_expires_at_ms !== null &&
        Number(row.claim_expires_at_ms) >= now;
      if (leaseLive || idle < this.engine.leaseTtlMs) continue;
      if (!this.engine.planner.hasRepository(row.repository_id)) {
        // Nothing can ever write it: end it instead of retrying forever.
        const message = `repository ${row.repository_id} is no longer configured`;
        if (
          await actions.update(
            String(row.id),
            { state: 'failed', error: message },
            ['requested'],
          )
        ) {
          await this.engine.locks.unlock(row.repository_id, String(row.id));
          await this.engine.audit.record(reconciliationCaller, {
            action: 'reconcile',
            repositoryId: row.repository_id,
            service: row.service,
            result: 'failed',
            message,
            actionId: String(row.id),
          });
        }
        continue;
      }
      try {
        const after = await this.executor.execute(
          String(row.id),
          reconciliationCaller,
        );
        if (after.state !== 'requested') report.resumed++;
      } catch (e) {
        logger.warn(
          `reconciling action #${row.id} failed: ${(e as Error).message}`,
        );
      }
    }
    for (const action of await actions.list({
      states: ['pull-request-open'],
      limit: 500,
    })) {
      if (!this.engine.planner.hasRepository(action.repositoryId)) continue;
      try {
        const outcome = await this.reviewOne(action);
        if (outcome) report[outcome]++;
      } catch (e) {
        logger.warn(
          `reconciling pull request of action #${action.id} failed: ${
            (e as Error).message
          }`,
        );
      }
    }
    report.finished = await this.finishCutMerges();
    report.locksReleased = await this.engine.locks.releaseFinished();
    return report;
  }

  /**
   * Merges recorded (compare-and-set to `merged`) whose follow-ups did not
   * all run: the replica crashed in between. Finished under the action's
   * lease, so never while the merging replica still works on it.
   */
  private async finishCutMerges(): Promise<number> {
    const { actions, leases, owner, leaseTtlMs, logger, planner } = this.engine;
    let finished = 0;
    for (const row of await actions.listUnfinishedMerges(
      planner.repositoryIds(),
    )) {
      const id = String(row.id);
      const lease = await ActionLease.acquire(
        leases,
        id,
        owner,
        leaseTtlMs,
        MERGED_STATES,
      );
      if (!lease) continue;
      try {
        const action = await actions.get(id);
        if (!action) continue;
        await this.completion.finishMerge(
          action,
          reconciliationCaller,
          action.commitSha,
          true,
        );
        finished++;
      } catch (e) {
        logger.warn(
          `finishing the merge of action #${id} failed: ${
            (e as Error).message
          }`,
        );
      } finally {
        await lease.release();
      }
    }
    return finished;
  }

  /**
   * Reconciles one action whose pull request the Git host says changed (a
   * webhook): merged, closed or moved on its branch. Only an action with an
   * open pull request in a configured repository is looked at.
   */
  async reconcileOne(
    actionId: string,
  ): Promise<'merged' | 'cancelled' | 'moved' | 'failed' | undefined> {
    const action = await this.engine.actions.get(actionId);
    if (!action || action.state !== 'pull-request-open') return undefined;
    if (!this.engine.planner.hasRepository(action.repositoryId))
      return undefined;
    return this.reviewOne(action);
  }

  private async reviewOne(
    action: GitopsAction,
  ): Promise<'merged' | 'cancelled' | 'moved' | 'failed' | undefined> {
    if (!action.branch || !action.commitSha) return undefined;
    const { leases, owner, leaseTtlMs, planner, actions } = this.engine;
    const lease = await ActionLease.acquire(
      leases,
      action.id,
      owner,
      leaseTtlMs,
      ['pull-request-open'],
    );
    if (!lease) return undefined; // someone is merging or cancelling it now
    try {
      const repo = planner.repository(action.repositoryId);
      const state = await repo.writer.reviewState({
        branch: action.branch,
        into: repo.branch,
        commitSha: action.commitSha,
      });
      const unreviewed = unreviewedMergeMessage(state, action.commitSha);
      if (unreviewed) {
        const done = await this.completion.ended(
          action,
          reconciliationCaller,
          'failed',
          unreviewed,
          ['pull-request-open'],
          { fence: lease.fence, auditAs: 'merge', keepBranch: true },
        );
        return done ? 'failed' : undefined;
      }
      if (state.state === 'merged') {
        // Git has the reviewed change: it is recorded merged either way
        // (hold, follow-up steps); a merge made by hand is audited as such.
        const outside = await hostMergeAuditMessage(
          this.engine,
          repo,
          action,
          state,
        );
        const done = await this.completion.merged(
          action,
          reconciliationCaller,
          state.mergeSha ? { commitSha: state.mergeSha } : {},
          ['pull-request-open'],
          lease.fence,
          outside,
        );
        return done ? 'merged' : undefined;
      }
      if (state.state === 'closed') {
        const done = await this.completion.ended(
          action,
          reconciliationCaller,
          'cancelled',
          'the pull request was closed without merging',
          ['pull-request-open'],
          { fence: lease.fence, auditAs: 'cancel', keepBranch: true },
        );
        return done ? 'cancelled' : undefined;
      }
      if (state.headSha && state.headSha !== action.commitSha) {
        const message = `the pull request branch moved to ${state.headSha.slice(
          0,
          12,
        )} after it was written (${action.commitSha.slice(
          0,
          12,
        )}); the approval no longer covers it, and the portal will not merge it: cancel and request again`;
        if (action.error !== message) {
          await actions.update(
            action.id,
            { error: message },
            ['pull-request-open'],
            lease.fence,
          );
          await this.engine.audit.recordAction(
            reconciliationCaller,
            action,
            'reconcile',
            'refused',
            message,
          );
          return 'moved';
        }
      }
      return undefined;
    } finally {
      await lease.release();
    }
  }
}
