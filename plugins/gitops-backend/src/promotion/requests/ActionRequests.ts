import { ConflictError, InputError, NotAllowedError } from '@backstage/errors';
import type {
  ActionPreview,
  GitopsAction,
} from '@gitops2/plugin-gitops-common';
import { describeResults } from '../checks/WriteGuard';
import type { PromotionEngine } from '../engine';
import { ActionCompletion } from '../execution/ActionCompletion';
import type { ActionExecutor } from '../execution/ActionExecutor';
import type { Caller, Plan } from '../types';
import { IdempotencyKeyReusedError } from './IdempotencyKeyReusedError';
import { ActionRequest, requestHashOf } from './requestHash';

/**
 * Turns a request (any door) into an action: idempotency (per caller, on the
 * whole request), planning on the current head, every gate, the action
 * record, the audit, and the write itself when no approval is needed.
 */
export class ActionRequests {
  private readonly completion: ActionCompletion;

  constructor(
    private readonly engine: PromotionEngine,
    private readonly executor: ActionExecutor,
  ) {
    this.completion = new ActionCompletion(engine);
  }

  plan(request: ActionRequest): Promise<Plan> {
    return request.kind === 'promotion'
      ? this.engine.planner.planPromotion(
          request.repositoryId,
          request.service,
          request.body,
        )
      : this.engine.planner.planRollback(
          request.repositoryId,
          request.service,
          request.body,
        );
  }

  async preview(
    request: ActionRequest,
    caller: Caller,
  ): Promise<ActionPreview> {
    const plan = await this.plan(request);
    const { guard } = this.engine;
    const verdict = await guard.evaluate(
      guard.forPlan(plan, caller),
      caller,
      'request',
    );
    return {
      kind: plan.kind,
      service: plan.service,
      version: plan.version,
      sourceEnvironment: plan.sourceEnvironment,
      environments: plan.targets.map(t => t.name),
      changes: plan.changes,
      gates: verdict.results,
      allowed: verdict.failed.length === 0,
    };
  }

  async request(
    request: ActionRequest,
    caller: Caller,
    idempotencyKey: string,
  ): Promise<{ action: GitopsAction; created: boolean }> {
    const { actions, audit, guard } = this.engine;
    const requestHash = requestHashOf(request);
    // A replay answers before anything else: by then the plan may say
    // "nothing to change" (or another "previous version") because the
    // first request did it.
    const known = await actions.findByKey(caller.initiator, idempotencyKey);
    if (known) {
      if (known.requestHash !== requestHash)
        throw new IdempotencyKeyReusedError(idempotencyKey, known.action.id);
      return { action: known.action, created: false };
    }
    const emergency =
      request.kind === 'rollback' && request.body.emergency === true;
    const reason = request.body.reason?.trim() || undefined;
    const environments =
      request.kind === 'rollback'
        ? [request.body.environment]
        : request.body.environments;
    const record = (
      result: 'succeeded' | 'denied' | 'refused' | 'failed',
      message: string,
      plan?: Plan,
      actionId?: string,
    ) =>
      audit.record(caller, {
        action: request.kind,
        severity: emergency ? 'high' : 'medium',
        repositoryId: request.repositoryId,
        service: request.service,
        environments: plan?.targets.map(t => t.name) ?? environments,
        fromVersion: plan?.changes[0]?.fromVersion ?? null,
        toVersion: plan?.version ?? request.body.version,
        result,
        message,
        actionId,
      });

    let plan: Plan;
    try {
      if (emergency && !reason)
        throw new InputError('an emergency rollback needs a reason');
      plan = await this.plan(request);
    } catch (e) {
      await record('refused', (e as Error).message);
      throw e;
    }
    const verdict = await guard.evaluate(
      guard.forPlan(plan, caller),
      caller,
      'request',
    );
    if (verdict.denied.length) {
      const message = verdict.denied.map(g => g.message).join('; ');
      await record('denied', message, plan);
      throw new NotAllowedError(message);
    }
    if (verdict.failed.length) {
      const message = `refused by gates: ${describeResults(verdict.failed)}`;
      await record('refused', message, plan);
      throw new ConflictError(message);
    }
    if (plan.changes.length === 0) {
      const message = `${plan.targets.map(t => t.name).join(', ')} already run${
        plan.targets.length === 1 ? 's' : ''
      } ${plan.version}: nothing to change`;
      await record('refused', message, plan);
      throw new ConflictError(message);
    }

    const {
      action,
      requestHash: existingHash,
      created,
    } = await actions.createOrGet({
      idempotencyKey,
      requestHash,
      kind: plan.kind,
      state: verdict.pending.length ? 'awaiting-approval' : 'requested',
      repositoryId: plan.repositoryId,
      service: plan.service,
      entityRef: request.entityRef,
      sourceEnvironment: plan.sourceEnvironment,
      environments: plan.targets.map(t => t.name),
      version: plan.version,
      mode: plan.mode,
      emergency: plan.emergency,
      requestedBy: caller.initiator,
      door: caller.door,
      reason,
      changes: plan.changes,
      gates: verdict.results,
      approvalRequirements: plan.approvalRequirements,
      baseSha: plan.baseSha,
    });
    if (!created) {
      if (existingHash !== requestHash)
        throw new IdempotencyKeyReusedError(idempotencyKey, action.id);
      return { action, created: false };
    }
    // The merge of an environment change that takes one of these
    // environments away holds its lock: refused. Checked once the action is
    // recorded, so a merge that locks after this check sees the action in
    // its check of open work.
    const locked = await this.engine.locks.changes.refusal(
      action.repositoryId,
      action.environments,
    );
    if (locked) {
      await this.completion.ended(
        action,
        caller,
        'refused',
        locked,
        [action.state],
        { keepBranch: true },
      );
      throw new ConflictError(locked);
    }
    await record(
      'succeeded',
      `${plan.kind} #${action.id} recorded (${action.state})`,
      plan,
      action.id,
    );
    if (plan.emergency) {
      const approverGroups = plan.targets
        .map(t => t.promotion?.approverGroup)
        .filter((g): g is string => Boolean(g));
      await this.engine.notifier
        ?.emergencyRollback(action, { approverGroups })
        .catch(e =>
          this.engine.logger.warn(
            `could not notify about emergency rollback #${action.id}: ${
              (e as Error).message
            }`,
          ),
        );
    }
    if (action.state === 'requested') {
      return {
        action: await this.executor.execute(action.id, caller),
        created: true,
      };
    }
    return { action, created: true };
  }
}
