import { databaseMessage, isDatabaseError } from '../../database/isDataError';
import {
  ConflictError,
  NotFoundError,
  ServiceUnavailableError,
} from '@backstage/errors';
import type { GitopsAction } from '@gitops2/plugin-gitops-common';
import { BranchMovedError } from '../../git/GitWriter';
import { describeResults } from '../checks/WriteGuard';
import type { PromotionEngine } from '../engine';
import type { WritablePipeline } from '../planning/WritablePipeline';
import type { Caller, PromotionRepository } from '../types';
import { ActionCompletion } from './ActionCompletion';
import { ActionLease, LeaseLostError } from './ActionLease';
import { verifyActionBranch } from './BranchVerifier';
import { directWriteOn } from './directWriteOn';
import { authorOf, commitMessage } from './commitMessage';

const MAX_WRITE_ATTEMPTS = 3;

/** Why an execution stopped without writing, and what the action became. */
class Stop extends Error {
  constructor(
    readonly outcome: 'refused' | 'failed' | 'awaiting-approval',
    message: string,
    /** A branch that is not the planned change is left for people to look at. */
    readonly keepBranch = false,
  ) {
    super(message);
  }
}

/**
 * Writes an action that is `requested`: a direct commit on the branch
 * clusters follow, or a pull request branch and its pull request. Under a
 * lease (one replica at a time, fenced), with the environments locked, and
 * after every gate was evaluated again on the head it writes on. A branch
 * left by a crash is adopted only when it is exactly the planned change; an
 * open pull request for the branch is reused, never duplicated.
 */
export class ActionExecutor {
  private readonly completion: ActionCompletion;

  constructor(private readonly engine: PromotionEngine) {
    this.completion = new ActionCompletion(engine);
  }

  async execute(actionId: string, caller: Caller): Promise<GitopsAction> {
    const { actions, leases, owner, leaseTtlMs } = this.engine;
    const action = await actions.get(actionId);
    if (!action) throw new NotFoundError(`unknown action #${actionId}`);
    if (action.state !== 'requested') return action;
    const lease = await ActionLease.acquire(
      leases,
      action.id,
      owner,
      leaseTtlMs,
      ['requested'],
    );
    // Another replica (or call) is writing it right now: it will finish.
    if (!lease) return (await actions.get(action.id))!;
    try {
      return await this.write(action, caller, lease);
    } catch (e) {
      if (e instanceof LeaseLostError) {
        this.engine.logger.warn(e.message);
        return (await actions.get(action.id))!;
      }
      throw e;
    } finally {
      await lease.release();
    }
  }

  private async write(
    action: GitopsAction,
    caller: Caller,
    lease: ActionLease,
  ): Promise<GitopsAction> {
    const { actions, locks, planner } = this.engine;
    const repo = planner.repository(action.repositoryId);
    try {
      await locks.lock(action.repositoryId, action.environments, action.id);
    } catch (e) {
      await this.completion.ended(
        action,
        caller,
        'refused',
        (e as Error).message,
        ['requested'],
        { fence: lease.fence, keepBranch: true },
      );
      throw e;
    }
    let lastError: Error | undefined;
    for (let attempt = 1; attempt <= MAX_WRITE_ATTEMPTS; attempt++) {
      try {
        lease.assertHeld();
        const head = await repo.source.headCommit();
        // Written before a crash cut the recording: Git has the change, and
        // the gates it passed then are not asked again (a freeze committed
        // since must not refuse what is already deployed).
        const written = await directWriteOn(this.engine, repo, action, head);
        if (written) {
          await this.completion.merged(
            action,
            caller,
            { commitSha: written },
            ['requested'],
            lease.fence,
          );
          return (await actions.get(action.id))!;
        }
        const { pipeline, gateKind } = await this.checked(
          action,
          caller,
          repo,
          head,
        );
        lease.assertHeld();
        // Before steps gate promotions (and rollbacks to a version never run
        // there); a rollback to a known version must not wait for them.
        if (
          gateKind === 'promotion' &&
          (await this.beforeStepsPending(action, pipeline, lease))
        ) {
          // The environments stay locked; the steps' engine writes on.
          return (await actions.get(action.id))!;
        }
        if (action.mode === 'direct') {
          await this.writeDirect(action, caller, repo, pipeline, head, lease);
        } else {
          await this.writeBranch(action, caller, repo, pipeline, head, lease);
        }
        return (await actions.get(action.id))!;
      } catch (e) {
        if (e instanceof LeaseLostError) throw e;
        if (e instanceof Stop) {
          await this.stop(action, caller, e, lease);
          throw new ConflictError(e.message);
        }
        lastError = e as Error;
        if (!(e instanceof BranchMovedError)) break;
        this.engine.logger.info(
          `action #${action.id}: ${lastError.message} (attempt ${attempt}/${MAX_WRITE_ATTEMPTS})`,
        );
      }
    }
    const current = await actions.get(action.id);
    if (current && current.state !== 'requested') {
      // Written and recorded (merged) before the error: Git has the change,
      // so it did not fail; reconciliation finishes what the error cut.
      this.engine.logger.error(
        `action #${action.id} is ${current.state}, but a follow-up failed: ${lastError?.message}; reconciliation finishes it`,
      );
      return current;
    }
    // A write whose answer was lost (a timeout after the ref moved) may be
    // in Git: asked before it is called failed. When Git cannot tell, the
    // action stays requested and reconciliation asks again.
    let landed: string | undefined;
    try {
      landed = await directWriteOn(
        this.engine,
        repo,
        action,
        await repo.source.headCommit(),
      );
    } catch (e) {
      const message = `whether the write reached Git cannot be told (${
        (e as Error).message
      }; after ${lastError?.message}); it is retried by reconciliation`;
      this.engine.logger.error(`action #${action.id}: ${message}`);
      throw new ServiceUnavailableError(message);
    }
    if (landed) {
      await this.completion.merged(
        current ?? action,
        caller,
        { commitSha: landed },
        ['requested'],
        lease.fence,
      );
      return (await actions.get(action.id))!;
    }
    if (isDatabaseError(lastError)) {
      // The database, not Git, failed: the write may be in Git already.
      // The action stays requested (and its environments locked), and
      // reconciliation runs it again: it finds what Git has and finishes.
      const message = `recording the write failed: ${databaseMessage(
        lastError,
      )}; it is retried by reconciliation`;
      this.engine.logger.error(`action #${action.id}: ${message}`);
      throw new ServiceUnavailableError(message);
    }
    const message =
      lastError instanceof BranchMovedError
        ? `${lastError.message}; gave up after ${MAX_WRITE_ATTEMPTS} attempts`
        : `writing to Git failed: ${lastError?.message}`;
    await this.completion.ended(
      action,
      caller,
      'failed',
      message,
      ['requested'],
      { fence: lease.fence },
    );
    throw new ConflictError(message);
  }

  /** The pipeline at `head`, after every gate passed there (else Stop). */
  private async checked(
    action: GitopsAction,
    caller: Caller,
    repo: PromotionRepository,
    head: string,
  ): Promise<{
    pipeline: WritablePipeline;
    gateKind: 'promotion' | 'rollback';
  }> {
    const { planner, guard } = this.engine;
    let pipeline: WritablePipeline;
    let subject;
    try {
      pipeline = await planner.pipelineAt(repo, head);
      subject = await guard.forAction(action, pipeline);
    } catch (e) {
      if (e instanceof ConflictError || e instanceof NotFoundError)
        throw new Stop('refused', `refused at write time: ${e.message}`);
      throw e;
    }
    const verdict = await guard.evaluate(
      subject,
      caller,
      action.mode === 'direct' ? 'write' : 'branch',
    );
    if (verdict.failed.length)
      throw new Stop(
        'refused',
        `refused at write time: ${describeResults(verdict.failed)}`,
      );
    if (verdict.pending.length)
      throw new Stop(
        'awaiting-approval',
        `the pipeline now asks for more: ${describeResults(verdict.pending)}`,
      );
    return { pipeline, gateKind: subject.gateKind };
  }

  private async stop(
    action: GitopsAction,
    caller: Caller,
    stop: Stop,
    lease: ActionLease,
  ): Promise<void> {
    if (stop.outcome === 'awaiting-approval') {
      // Approvals no longer suffice (the policy changed): back to the inbox.
      await this.engine.actions.update(
        action.id,
        { state: 'awaiting-approval', error: stop.message },
        ['requested'],
        lease.fence,
      );
      await this.engine.locks.unlock(action.repositoryId, action.id);
      await this.engine.audit.recordAction(
        caller,
        action,
        action.kind,
        'refused',
        stop.message,
      );
      return;
    }
    await this.completion.ended(
      action,
      caller,
      stop.outcome,
      stop.message,
      ['requested'],
      { fence: lease.fence, keepBranch: stop.keepBranch },
    );
  }

  /**
   * `before` steps of the targets (docs/pipeline.md "Steps"): planned once,
   * run by the steps' engine; true while one is unfinished. A failed one
   * refuses the write.
   */
  private async beforeStepsPending(
    action: GitopsAction,
    pipeline: WritablePipeline,
    lease: ActionLease,
  ): Promise<boolean> {
    const steps = this.engine.steps;
    if (!steps) return false;
    let planned = false;
    for (const env of action.environments) {
      const before = pipeline.environment(env).steps?.before ?? [];
      if (before.length === 0) continue;
      planned = true;
      await steps.plan(action.id, env, 'before', before);
    }
    if (!planned) return false;
    this.engine.stepsPlanned?.();
    const runs = await steps.ofAction(action.id, 'before');
    const failed = runs.find(
      r => r.state === 'failed' || r.state === 'cancelled',
    );
    if (failed)
      throw new Stop(
        'refused',
        `refused before writing: step ${failed.name} (${failed.type}) ${
          failed.state
        } in ${failed.environment}${
          failed.message ? `: ${failed.message}` : ''
        }`,
      );
    const open = runs.filter(
      r => r.state === 'pending' || r.state === 'running',
    );
    if (open.length === 0) return false;
    await this.engine.actions.update(
      action.id,
      {
        gates: [
          ...action.gates.filter(g => g.gate !== 'before-steps'),
          {
            gate: 'before-steps',
            status: 'pending',
            message: `${open.length} of ${
              runs.length
            } before step(s) to go: ${open
              .map(r => `${r.name} (${r.environment})`)
              .join(', ')}`,
          },
        ],
      },
      ['requested'],
      lease.fence,
    );
    return true;
  }

  private async sourceCommitOf(
    action: GitopsAction,
  ): Promise<string | undefined> {
    if (!action.sourceEnvironment) return undefined;
    return (
      await this.engine.planner.sourceHistory(
        action.repositoryId,
        action.service,
        action.sourceEnvironment,
        action.version,
      )
    ).sourceCommit;
  }

  private record(action: GitopsAction) {
    return async (sha: string) => {
      await this.engine.recordPortalCommit?.(
        action.repositoryId,
        sha,
        action.id,
      );
    };
  }

  private async writeDirect(
    action: GitopsAction,
    caller: Caller,
    repo: PromotionRepository,
    pipeline: WritablePipeline,
    head: string,
    lease: ActionLease,
  ): Promise<void> {
    const specs = action.environments.map(e =>
      pipeline.spec(action.service, e),
    );
    const { changes, files } = await this.engine.planner.manifests.edits(
      repo,
      head,
      specs,
      action.version,
    );
    if (files.length === 0) {
      // Already written: a retry after a crash, or someone else did it.
      await this.completion.merged(
        action,
        caller,
        { baseSha: head },
        ['requested'],
        lease.fence,
      );
      return;
    }
    // What this write changes (the version it replaces may have moved since
    // the request), recorded before the commit: a crash after it leaves the
    // hold of a rollback on the version it really replaced.
    if (
      !(await this.engine.actions.update(
        action.id,
        { changes },
        ['requested'],
        lease.fence,
      ))
    )
      throw new LeaseLostError(action.id);
    lease.assertHeld();
    const sha = await repo.writer.commit({
      baseSha: head,
      branch: repo.branch,
      expectedOld: head,
      files,
      message: commitMessage(
        action,
        changes,
        await this.sourceCommitOf(action),
      ),
      author: authorOf(action.requestedBy),
      onCreated: this.record(action),
    });
    await this.completion.merged(
      { ...action, changes },
      caller,
      { commitSha: sha, baseSha: head },
      ['requested'],
      lease.fence,
    );
  }

  private async writeBranch(
    action: GitopsAction,
    caller: Caller,
    repo: PromotionRepository,
    pipeline: WritablePipeline,
    head: string,
    lease: ActionLease,
  ): Promise<void> {
    const { actions, planner } = this.engine;
    const branch = `gitops/${action.kind}-${action.id}`;
    let sha = await repo.writer.branchHead(branch);
    let changes = action.changes;
    if (sha) {
      // Left by a crash between writing the branch and recording it.
      const verified = await verifyActionBranch(
        repo,
        { ...action, branch },
        sha,
        pipeline,
        planner.manifests,
        this.engine.portalCommitActionOf,
      );
      if (!verified.ok) throw new Stop('failed', verified.reason, true);
    } else {
      const specs = action.environments.map(e =>
        pipeline.spec(action.service, e),
      );
      const edits = await planner.manifests.edits(
        repo,
        head,
        specs,
        action.version,
      );
      if (edits.files.length === 0) {
        await this.completion.merged(
          action,
          caller,
          { baseSha: head },
          ['requested'],
          lease.fence,
        );
        return;
      }
      changes = edits.changes;
      lease.assertHeld();
      sha = await repo.writer.commit({
        baseSha: head,
        branch,
        expectedOld: null,
        files: edits.files,
        message: commitMessage(
          action,
          changes,
          await this.sourceCommitOf(action),
        ),
        author: authorOf(action.requestedBy),
        onCreated: this.record(action),
      });
    }
    // The branch and the commit that will be reviewed and merged, recorded
    // before the pull request so a takeover knows what to look for.
    if (
      !(await actions.update(
        action.id,
        { branch, commitSha: sha, changes, baseSha: head },
        ['requested'],
        lease.fence,
      ))
    ) {
      throw new LeaseLostError(action.id);
    }
    lease.assertHeld();
    let url: string | undefined;
    if (repo.writer.openPullRequest) {
      const [title, , ...body] = commitMessage(
        action,
        changes,
        await this.sourceCommitOf(action),
      ).split('\n');
      url = await repo.writer.openPullRequest({
        branch,
        base: repo.branch,
        title,
        body: body.join('\n'),
      });
    }
    if (
      !(await actions.update(
        action.id,
        {
          state: 'pull-request-open',
          pullRequestUrl: url ?? null,
          error: null,
        },
        ['requested'],
        lease.fence,
      ))
    ) {
      throw new LeaseLostError(action.id);
    }
    await this.engine.audit.recordAction(
      caller,
      action,
      'open-pull-request',
      'succeeded',
      url ? `pull request ${url}` : `branch ${branch}`,
    );
  }
}
