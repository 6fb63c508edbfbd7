import type {
  PermissionsService,
  UserInfoService,
} from '@backstage/backend-plugin-api';
import {
  ConflictError,
  NotAllowedError,
  NotFoundError,
} from '@backstage/errors';
import {
  AuthorizeResult,
  ResourcePermission,
} from '@backstage/plugin-permission-common';
import type { ActionState } from '@gitops2/plugin-gitops-common';
import type { ClaimFence } from '../store/ActionStore';
import {
  gitopsApprovePermission,
  gitopsRollbackPermission,
  GitopsAction,
  Hold,
} from '@gitops2/plugin-gitops-common';
import { approverGroupsOf, sameActor } from '../checks/approvals';
import { serviceWriteDenial } from '../checks/servicePrincipals';
import { describeResults } from '../checks/WriteGuard';
import type { PromotionEngine } from '../engine';
import { ActionCompletion } from '../execution/ActionCompletion';
import { ActionLease } from '../execution/ActionLease';
import type { ActionExecutor } from '../execution/ActionExecutor';
import {
  environmentResourceRef,
  writePermissionsOf,
} from '../gates/PermissionGate';
import type { Caller } from '../types';
import { directWriteOn } from '../execution/directWriteOn';
import { hostMergeAuditMessage } from '../reconciliation/mergedByPortal';
import { unreviewedMergeMessage } from '../reconciliation/unreviewedMerge';

/**
 * What people decide about a recorded action: approve it, cancel it, lift
 * the hold a rollback left. Deny by default; every attempt is audited.
 */
export class ActionDecisions {
  private readonly completion: ActionCompletion;

  constructor(
    private readonly engine: PromotionEngine,
    private readonly executor: ActionExecutor,
    private readonly permissions: PermissionsService,
    private readonly userInfo?: UserInfoService,
  ) {
    this.completion = new ActionCompletion(engine);
  }

  /**
   * Approves, after checking now: not the requester, `gitops.approve` on
   * every target, membership of every target's approver group, and every
   * gate as it stands (a freeze that started, a new hold). The approval
   * that completes a direct write makes that write, so it needs the write
   * permission too. Nothing is recorded when any check fails.
   */
  async approve(
    actionId: string,
    caller: Caller,
    comment?: string,
  ): Promise<GitopsAction> {
    const { actions, audit, planner, guard } = this.engine;
    const action = await actions.get(actionId);
    if (!action) return audit.unknownAction(caller, 'approve', actionId);
    const fail = async (e: Error): Promise<never> => {
      await audit.recordAction(
        caller,
        action,
        'approve',
        e instanceof NotAllowedError ? 'denied' : 'refused',
        e.message,
      );
      throw e;
    };
    if (sameActor(caller.initiator, action.requestedBy))
      return fail(new NotAllowedError('you cannot approve your own request'));
    const denied = await this.deniedEnvironments(
      caller,
      action,
      gitopsApprovePermission,
    );
    if (denied.length)
      return fail(
        new NotAllowedError(`gitops.approve denied for ${denied.join(', ')}`),
      );
    // An open pull request may need more approvals when the pipeline file
    // asks for more since it was written: its merge counts them again.
    if (
      action.state !== 'awaiting-approval' &&
      action.state !== 'pull-request-open'
    )
      return fail(
        new ConflictError(
          `action #${actionId} is ${action.state}, not awaiting approval`,
        ),
      );
    const repo = planner.repository(action.repositoryId);
    let subject;
    try {
      const pipeline = await planner.pipelineAt(
        repo,
        await repo.source.headCommit(),
      );
      subject = await guard.forAction(action, pipeline);
    } catch (e) {
      if (e instanceof ConflictError || e instanceof NotFoundError)
        return fail(new ConflictError(`approval refused: ${e.message}`));
      throw e;
    }
    const groups = approverGroupsOf(subject.approvalRequirements);
    if (groups.length) {
      const mine = await this.ownershipOf(caller);
      const missing = groups.filter(g => !mine.includes(g));
      if (missing.length)
        return fail(
          new NotAllowedError(
            `approvers must belong to ${missing.join(' and ')} (${
              mine.length ? 'not a member' : 'membership could not be checked'
            })`,
          ),
        );
    }
    if (action.state === 'pull-request-open') {
      const before = await guard.evaluate(subject, caller, 'branch');
      if (before.pending.length === 0)
        return fail(
          new ConflictError(
            `action #${actionId} has the approvals it needs; merge it`,
          ),
        );
    }
    const approval = {
      approver: caller.initiator,
      comment,
      at: new Date().toISOString(),
      groups,
    };
    const verdict = await guard.evaluate(
      { ...subject, approvals: [...subject.approvals, approval] },
      caller,
      action.mode === 'direct' && action.state === 'awaiting-approval'
        ? 'write'
        : 'branch',
    );
    if (verdict.denied.length)
      return fail(
        new NotAllowedError(
          `${describeResults(
            verdict.denied,
          )} (the last approval of a direct write makes the write)`,
        ),
      );
    if (verdict.failed.length)
      return fail(
        new ConflictError(
          `approval refused: ${describeResults(verdict.failed)}`,
        ),
      );
    await actions.addApproval(action.id, caller.initiator, comment, groups);
    await audit.recordAction(caller, action, 'approve', 'succeeded', comment);
    if (
      action.state === 'awaiting-approval' &&
      verdict.pending.length === 0 &&
      (await actions.update(action.id, { state: 'requested', error: null }, [
        'awaiting-approval',
      ]))
    ) {
      // Only one approver's call moves it on (state compare-and-set).
      return this.executor.execute(action.id, caller);
    }
    return (await actions.get(action.id))!;
  }

  /**
   * Cancels an action that is not being written right now (else refused:
   * never overwritten), closing its pull request and deleting its branch.
   */
  async cancel(actionId: string, caller: Caller): Promise<GitopsAction> {
    const { actions, audit, leases, owner, leaseTtlMs } = this.engine;
    const action = await actions.get(actionId);
    if (!action) return audit.unknownAction(caller, 'cancel', actionId);
    if (!sameActor(caller.initiator, action.requestedBy)) {
      const denied = await this.deniedEnvironments(
        caller,
        action,
        writePermissionsOf({
          kind: action.kind,
          gateKind: action.kind,
          emergency: false,
        })[0],
      );
      if (denied.length) {
        const e = new NotAllowedError(
          `cancelling someone else's ${action.kind} needs ${
            action.kind === 'rollback' ? 'gitops.rollback' : 'gitops.promote'
          } on ${denied.join(', ')}`,
        );
        await audit.recordAction(caller, action, 'cancel', 'denied', e.message);
        throw e;
      }
    }
    const open = [
      'awaiting-approval',
      'pull-request-open',
      'requested',
    ] as const;
    const lease = await ActionLease.acquireSoon(
      leases,
      action.id,
      owner,
      leaseTtlMs,
      [...open],
    );
    if (!lease) {
      const current = (await actions.get(action.id))!;
      const e = new ConflictError(
        (open as readonly string[]).includes(current.state)
          ? `action #${actionId} is being written right now; cancel it once it is done`
          : `action #${actionId} is ${current.state} and can no longer be cancelled`,
      );
      await audit.recordAction(caller, action, 'cancel', 'refused', e.message);
      throw e;
    }
    try {
      const fresh = (await actions.get(action.id))!;
      if (fresh.state === 'requested' && fresh.mode === 'direct') {
        // A write cut after its commit (a crash, a lost answer): Git has
        // it, so it is merged (the hold of a rollback), not cancelled.
        const repo = this.engine.planner.repository(fresh.repositoryId);
        const written = await directWriteOn(
          this.engine,
          repo,
          fresh,
          await repo.source.headCommit(),
        );
        if (written) {
          await this.refuseCancelOfMerged(
            fresh,
            caller,
            { commitSha: written },
            ['requested'],
            lease.fence,
            `action #${actionId} is in Git already (${written.slice(
              0,
              12,
            )}); it is recorded as merged, not cancelled`,
          );
        }
      }
      if (
        fresh.state === 'pull-request-open' &&
        fresh.branch &&
        fresh.commitSha
      ) {
        // Ask the Git host first: a pull request merged outside the portal
        // is merged (hold, unlock), not cancelled.
        const repo = this.engine.planner.repository(fresh.repositoryId);
        const review = await repo.writer.reviewState({
          branch: fresh.branch,
          into: repo.branch,
          commitSha: fresh.commitSha,
        });
        const unreviewed = unreviewedMergeMessage(review, fresh.commitSha);
        if (unreviewed) {
          await this.completion.ended(
            fresh,
            caller,
            'failed',
            unreviewed,
            ['pull-request-open'],
            { fence: lease.fence, auditAs: 'merge', keepBranch: true },
          );
          throw new ConflictError(
            `action #${actionId} cannot be cancelled: ${unreviewed}`,
          );
        }
        if (review.state === 'merged') {
          const outside = await hostMergeAuditMessage(
            this.engine,
            repo,
            fresh,
            review,
          );
          await this.refuseCancelOfMerged(
            fresh,
            caller,
            review.mergeSha ? { commitSha: review.mergeSha } : {},
            ['pull-request-open'],
            lease.fence,
            `action #${actionId} was merged outside the portal; it is recorded as merged, not cancelled`,
            outside,
          );
        }
        // Closed before the state moves: a pull request that cannot be
        // closed keeps its environments locked (and the action open).
        await repo.writer.closePullRequest?.(fresh.branch, repo.branch);
      }
      await this.completion.ended(
        fresh,
        caller,
        'cancelled',
        `cancelled by ${caller.initiator}`,
        [...open],
        { fence: lease.fence, auditAs: 'cancel' },
      );
    } finally {
      await lease.release();
    }
    return (await actions.get(action.id))!;
  }

  /**
   * A cancel of an action Git has already: it is recorded merged (recorded
   * or not, reconciliation finishes it from Git), and the cancel is refused
   * and audited with `message`.
   */
  private async refuseCancelOfMerged(
    action: GitopsAction,
    caller: Caller,
    patch: { commitSha?: string },
    from: ActionState[],
    fence: ClaimFence,
    message: string,
    auditMessage?: string,
  ): Promise<never> {
    await this.completion
      .merged(action, caller, patch, from, fence, auditMessage)
      .catch(err =>
        this.engine.logger.error(
          `recording action #${action.id} merged failed: ${
            (err as Error).message
          }; reconciliation finishes it`,
        ),
      );
    const e = new ConflictError(message);
    await this.engine.audit.recordAction(
      caller,
      action,
      'cancel',
      'refused',
      e.message,
    );
    throw e;
  }

  async liftHold(
    holdId: string,
    caller: Caller,
    reason: string,
  ): Promise<Hold> {
    const { holds, audit } = this.engine;
    const hold = await holds.get(holdId);
    if (!hold) {
      const message = `unknown hold #${holdId}`;
      await audit.record(caller, {
        action: 'lift-hold',
        result: 'refused',
        message,
      });
      throw new NotFoundError(message);
    }
    const entry = {
      action: 'lift-hold',
      repositoryId: hold.repositoryId,
      service: hold.service,
      environments: [hold.environment],
      toVersion: hold.version,
    };
    const [allowed] = await this.authorize(caller, [
      {
        permission: gitopsRollbackPermission,
        resourceRef: environmentResourceRef(
          hold.repositoryId,
          hold.service,
          hold.environment,
        ),
      },
    ]);
    if (!allowed) {
      const message = `gitops.rollback denied for ${hold.environment}`;
      await audit.record(caller, { ...entry, result: 'denied', message });
      throw new NotAllowedError(message);
    }
    if (!(await holds.lift(holdId, caller.initiator, reason))) {
      const message = `hold #${holdId} is already lifted`;
      await audit.record(caller, { ...entry, result: 'refused', message });
      throw new ConflictError(message);
    }
    await audit.record(caller, {
      ...entry,
      result: 'succeeded',
      message: reason,
    });
    return (await holds.get(holdId))!;
  }

  /** Environments of the action where the caller lacks `permission`. */
  private async deniedEnvironments(
    caller: Caller,
    action: GitopsAction,
    permission: ResourcePermission<'gitops-environment'>,
  ): Promise<string[]> {
    const decisions = await this.authorize(
      caller,
      action.environments.map(env => ({
        permission,
        resourceRef: environmentResourceRef(
          action.repositoryId,
          action.service,
          env,
        ),
      })),
    );
    return action.environments.filter((_, i) => !decisions[i]);
  }

  /** Deny by default: no credentials or an unreachable backend is a denial. */
  private async authorize(
    caller: Caller,
    requests: Array<{
      permission: ResourcePermission<'gitops-environment'>;
      resourceRef: string;
    }>,
  ): Promise<boolean[]> {
    if (!caller.credentials) return requests.map(() => false);
    const credentials = caller.credentials;
    if (requests.some(r => serviceWriteDenial(credentials, r.permission.name)))
      return requests.map(() => false);
    try {
      const d = await this.permissions.authorize(requests, {
        credentials: caller.credentials,
      });
      return requests.map((_, i) => d[i]?.result === AuthorizeResult.ALLOW);
    } catch {
      return requests.map(() => false);
    }
  }

  /** The caller's groups (lower case); empty when they cannot be read. */
  private async ownershipOf(caller: Caller): Promise<string[]> {
    if (!caller.credentials || !this.userInfo) return [];
    try {
      const info = await this.userInfo.getUserInfo(caller.credentials);
      return info.ownershipEntityRefs.map(r => r.toLocaleLowerCase('en-US'));
    } catch {
      return [];
    }
  }
}
