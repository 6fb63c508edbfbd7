import type { ActionState, GitopsAction } from '@gitops2/plugin-gitops-common';
import type { PromotionEngine } from '../engine';
import type { ClaimFence } from '../store/ActionStore';
import type { Caller } from '../types';

const AUDIT_RESULT = {
  cancelled: 'succeeded',
  refused: 'refused',
  failed: 'failed',
} as const;

/**
 * The last steps of an action, shared by every path that gets there (the
 * portal's merge, a direct write, reconciliation of a pull request merged on
 * the Git host): state, the hold of a rollback, the environment locks, the
 * branch, ingestion. Each step is idempotent, so a crash between them is
 * finished by reconciliation.
 */
export class ActionCompletion {
  constructor(private readonly engine: PromotionEngine) {}

  /** Moves the action to merged (compare-and-set); false when someone else did something else. */
  async merged(
    action: GitopsAction,
    caller: Caller,
    patch: { commitSha?: string; baseSha?: string },
    from: ActionState[],
    fence?: ClaimFence,
    /** The audit line instead of "merged as …" (a merge made by hand). */
    auditMessage?: string,
  ): Promise<boolean> {
    const { actions } = this.engine;
    const moved = await actions.update(
      action.id,
      { state: 'merged', error: null, ...patch },
      from,
      fence,
    );
    if (!moved) return false;
    await this.finishMerge(
      action,
      caller,
      patch.commitSha,
      false,
      auditMessage,
    );
    return true;
  }

  /**
   * Everything a merge entails after the compare-and-set, each step
   * idempotent: the hold of a rollback, the environment locks, the `after`
   * steps, the branch, the audit, ingestion. Recorded as done at the end;
   * reconciliation calls it again for a merge a crash cut
   * (`resumed`), under the action's lease.
   */
  async finishMerge(
    action: GitopsAction,
    caller: Caller,
    commitSha: string | undefined,
    resumed = false,
    auditMessage?: string,
  ): Promise<void> {
    const { holds, locks } = this.engine;
    if (action.kind === 'rollback') {
      for (const change of action.changes) {
        if (!change.fromVersion) continue;
        await holds.create({
          repositoryId: action.repositoryId,
          service: action.service,
          environment: change.environment,
          version: change.fromVersion,
          reason: action.reason ?? 'rolled back',
          createdBy: action.requestedBy,
          actionId: action.id,
        });
      }
    }
    await locks.unlock(action.repositoryId, action.id);
    await this.planAfterSteps(action);
    if (action.mode === 'pull-request' && action.branch) {
      const repo = this.engine.planner.repository(action.repositoryId);
      await repo.writer.deleteBranch(action.branch).catch(() => undefined);
    }
    if (!resumed || !(await this.engine.audit.hasMerge(action.id))) {
      await this.engine.audit.recordAction(
        caller,
        action,
        action.mode === 'direct' ? action.kind : 'merge',
        'succeeded',
        auditMessage ??
          `merged${commitSha ? ` as ${commitSha.slice(0, 12)}` : ''}${
            resumed ? ' (finished by reconciliation after an interruption)' : ''
          }`,
      );
    }
    await this.engine.actions.markMergeCompleted(action.id);
    await this.engine
      .afterMerge?.(action.repositoryId)
      .catch(e =>
        this.engine.logger.warn(
          `ingestion after action #${action.id} failed: ${
            (e as Error).message
          }`,
        ),
      );
  }

  /**
   * The `after` steps (verification) of every target, as the pipeline file
   * at the merged head defines them; the steps' engine runs them.
   */
  private async planAfterSteps(action: GitopsAction): Promise<void> {
    const steps = this.engine.steps;
    if (!steps) return;
    try {
      const repo = this.engine.planner.repository(action.repositoryId);
      const pipeline = await this.engine.planner.pipelineAt(
        repo,
        await repo.source.headCommit(),
      );
      for (const env of action.environments) {
        const after = pipeline.environment(env).steps?.after ?? [];
        await steps.plan(action.id, env, 'after', after);
      }
      this.engine.stepsPlanned?.();
    } catch (e) {
      // Merged, but its verification cannot be planned: it never passes
      // silently (fail closed). The change is in Git; the action says it
      // was not verified, and cluster outcomes cannot make it a success.
      const message = `verification not planned: ${(e as Error).message}`;
      await this.engine.actions.update(
        action.id,
        { state: 'failed', error: message },
        // Also when the cluster said succeeded meanwhile (a resumed finish).
        ['merged', 'syncing', 'succeeded'],
      );
      this.engine.logger.warn(`action #${action.id}: ${message}`);
    }
  }

  /**
   * Ends an action without merging (refused, failed, cancelled): state
   * (compare-and-set), its pull request closed and branch deleted, locks
   * released, audited.
   */
  async ended(
    action: GitopsAction,
    caller: Caller,
    state: 'refused' | 'failed' | 'cancelled',
    message: string | undefined,
    from: ActionState[],
    options: {
      fence?: ClaimFence;
      auditAs?: string;
      keepBranch?: boolean;
    } = {},
  ): Promise<boolean> {
    const { fence, auditAs } = options;
    const { actions, locks, planner } = this.engine;
    const moved = await actions.update(
      action.id,
      { state, error: state === 'cancelled' ? null : message ?? null },
      from,
      fence,
    );
    if (!moved) return false;
    const repo = planner.repository(action.repositoryId);
    // The branch has a fixed name, so a branch written just before a crash
    // (not recorded yet) is undone too, unless it is not ours to delete.
    const branch = `gitops/${action.kind}-${action.id}`;
    if (action.mode === 'pull-request' && !options.keepBranch) {
      await repo.writer
        .closePullRequest?.(branch, repo.branch)
        .catch(() => undefined);
      await repo.writer.deleteBranch(branch).catch(() => undefined);
    }
    await locks.unlock(action.repositoryId, action.id);
    await this.engine.steps?.cancelAll(action.id, `the action was ${state}`);
    await this.engine.audit.recordAction(
      caller,
      action,
      auditAs ?? action.kind,
      AUDIT_RESULT[state],
      message ?? state,
    );
    return true;
  }
}
