import { databaseMessage, isDatabaseError } from '../../database/isDataError';
import {
  ConflictError,
  NotAllowedError,
  NotFoundError,
  ServiceUnavailableError,
} from '@backstage/errors';
import type { GitopsAction } from '@gitops2/plugin-gitops-common';
import {
  BranchMovedError,
  MergeNotRecordedError,
  ReviewedHeadMovedError,
} from '../../git/GitWriter';
import { describeResults } from '../checks/WriteGuard';
import type { PromotionEngine } from '../engine';
import type { Caller } from '../types';
import { ActionCompletion } from './ActionCompletion';
import { ActionLease, LeaseLostError } from './ActionLease';
import { authorOf, mergeMessage } from './commitMessage';

const MAX_MERGE_ATTEMPTS = 3;

/**
 * Merges an action's pull request: the write to the branch clusters follow.
 * Every gate is evaluated again at this moment with the merger's own
 * permissions, and only the commit that was written and reviewed is merged
 * (a branch that moved since is refused, with the reason on the action).
 */
export class ActionMerger {
  private readonly completion: ActionCompletion;

  constructor(private readonly engine: PromotionEngine) {
    this.completion = new ActionCompletion(engine);
  }

  async merge(actionId: string, caller: Caller): Promise<GitopsAction> {
    const { actions, leases, owner, leaseTtlMs, audit } = this.engine;
    const action = await actions.get(actionId);
    if (!action) return audit.unknownAction(caller, 'merge', actionId);
    if (action.state === 'merged') return action;
    const refuse = async (e: Error): Promise<never> => {
      await audit.recordAction(
        caller,
        action,
        'merge',
        e instanceof NotAllowedError ? 'denied' : 'refused',
        e.message,
      );
      throw e;
    };
    if (
      action.state !== 'pull-request-open' ||
      !action.branch ||
      !action.commitSha
    ) {
      return refuse(
        new ConflictError(
          `action #${actionId} is ${action.state}, not an open pull request`,
        ),
      );
    }
    const lease = await ActionLease.acquireSoon(
      leases,
      action.id,
      owner,
      leaseTtlMs,
      ['pull-request-open'],
    );
    if (!lease) {
      // Someone else's merge of the same action may just have finished.
      const now = (await actions.get(action.id))!;
      if (now.state === 'merged') return now;
      return refuse(
        new ConflictError(
          `action #${actionId} is being worked on right now; try again in a few seconds`,
        ),
      );
    }
    try {
      return await this.mergeUnderLease(action, caller, lease, refuse);
    } catch (e) {
      if (e instanceof LeaseLostError) {
        throw new ConflictError(
          `${e.message}; reconciliation finishes the action`,
        );
      }
      throw e;
    } finally {
      await lease.release();
    }
  }

  private async mergeUnderLease(
    action: GitopsAction,
    caller: Caller,
    lease: ActionLease,
    refuse: (e: Error) => Promise<never>,
  ): Promise<GitopsAction> {
    const { actions, planner, guard } = this.engine;
    const repo = planner.repository(action.repositoryId);
    let lastError: Error | undefined;
    /** Set once Git has the merge: no answer may say nothing was merged. */
    let landed: string | undefined;
    for (let attempt = 1; attempt <= MAX_MERGE_ATTEMPTS; attempt++) {
      const head = await repo.source.headCommit();
      let verdict;
      try {
        const pipeline = await planner.pipelineAt(repo, head);
        verdict = await guard.evaluate(
          await guard.forAction(action, pipeline),
          caller,
          'merge',
        );
      } catch (e) {
        if (e instanceof ConflictError || e instanceof NotFoundError)
          return refuse(new ConflictError(`merge refused: ${e.message}`));
        throw e;
      }
      if (verdict.denied.length)
        return refuse(new NotAllowedError(describeResults(verdict.denied)));
      if (verdict.failed.length || verdict.pending.length)
        return refuse(
          new ConflictError(
            `merge refused: ${describeResults([
              ...verdict.failed,
              ...verdict.pending,
            ])}`,
          ),
        );
      lease.assertHeld();
      try {
        const sha = await repo.writer.merge({
          branch: action.branch!,
          expectedHead: action.commitSha!,
          into: repo.branch,
          expectedOld: head,
          message: mergeMessage(action),
          author: authorOf(caller.initiator),
          onIntent: async intent => {
            await this.engine.recordPortalMergeIntent?.(
              action.repositoryId,
              intent,
              action.id,
            );
          },
          onCreated: async created => {
            await this.engine.recordPortalCommit?.(
              action.repositoryId,
              created,
              action.id,
            );
          },
        });
        landed = sha;
        await this.completion.merged(
          action,
          caller,
          { commitSha: sha },
          ['pull-request-open'],
          lease.fence,
        );
        return (await actions.get(action.id))!;
      } catch (e) {
        if (e instanceof ReviewedHeadMovedError) {
          await actions.update(
            action.id,
            { error: e.message },
            ['pull-request-open'],
            lease.fence,
          );
          return refuse(new ConflictError(e.message));
        }
        if (e instanceof MergeNotRecordedError) landed = e.sha;
        lastError = e as Error;
        if (landed || !(e instanceof BranchMovedError)) break;
      }
    }
    const current = await actions.get(action.id);
    if (current && current.state !== 'pull-request-open') {
      // Merged and recorded before the error: Git has it; reconciliation
      // finishes what the error cut.
      this.engine.logger.error(
        `action #${action.id} is ${current.state}, but a follow-up failed: ${lastError?.message}; reconciliation finishes it`,
      );
      return current;
    }
    if (landed) return this.notRecorded(action, caller, landed, lastError);
    if (isDatabaseError(lastError))
      throw new ServiceUnavailableError(
        `the database could not record the merge of ${
          action.branch
        } (${databaseMessage(lastError)}); nothing was merged, merge it again`,
      );
    return refuse(
      new ConflictError(
        `merging ${action.branch} failed: ${lastError?.message}`,
      ),
    );
  }

  /**
   * Git has the merge, the ledger does not (the merge commit, or the action
   * moved to merged): a 503 that says so. The merge commit's trailers are
   * trusted anyway (its intent was recorded before the merge); merging again
   * adopts the merge at the reviewed head and records it, and reconciliation
   * finds it merged on the Git host.
   */
  private async notRecorded(
    action: GitopsAction,
    caller: Caller,
    sha: string,
    error: Error | undefined,
  ): Promise<never> {
    const cause =
      error instanceof MergeNotRecordedError ? error.recordingError : error;
    const message = `the merge of ${action.branch} is in Git as ${sha.slice(
      0,
      12,
    )}, but the ledger could not record it (${databaseMessage(
      cause,
    )}); reconciliation records the action merged, or merge it again`;
    this.engine.logger.error(`action #${action.id}: ${message}`);
    await this.engine.audit
      .recordAction(caller, action, 'merge', 'failed', message)
      .catch(() => undefined); // the database failing: the answer says so
    throw new ServiceUnavailableError(message);
  }
}
