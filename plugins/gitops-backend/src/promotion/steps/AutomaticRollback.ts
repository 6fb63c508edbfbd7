import { createHash } from 'node:crypto';
import type { GitopsAction } from '@gitops2/plugin-gitops-common';
import type { LedgerStore } from '../../database/LedgerStore';
import type { PhaseResult } from '../../steps/engine/StepRunner';
import type { PromotionEngine } from '../engine';
import type { ActionRequest } from '../requests/requestHash';
import { autoRollbackCaller, stepsCaller } from '../types';

const DEFAULT_WINDOW_SECONDS = 3600;

function keyOf(action: GitopsAction, environment: string): string {
  const key = `auto-rollback:${action.repositoryId}:${action.service}:${environment}:${action.version}`;
  return key.length <= 128
    ? key
    : `auto-rollback:${createHash('sha256')
        .update(key)
        .digest('hex')
        .slice(0, 40)}`;
}

/**
 * A failed verification (an `after` step) under the environment's
 * `onFailedVerification`:
 * - `rollback`: the environment goes back, through Git, to the version it
 *   ran before (the same write path as a person's rollback, initiator
 *   `policy:auto-rollback`, pull request or direct per policy), which puts
 *   a hold on the failed version once merged;
 * - `hold`: only the hold;
 * - `none`: only the record.
 * Safeguards: never a rollback of a rollback; never when the environment
 * moved on since; only within the verification window; at most once per
 * version (idempotency key); a rollback the gates refuse holds the failed
 * version instead. A person can cancel a rollback that waits as
 * a pull request.
 */
export class AutomaticRollback {
  constructor(
    private readonly engine: PromotionEngine,
    private readonly ledger: LedgerStore,
    private readonly request: (
      request: ActionRequest,
      idempotencyKey: string,
    ) => Promise<{ action: GitopsAction; created: boolean }>,
    private readonly now: () => number = Date.now,
  ) {}

  async afterFailure(action: GitopsAction, result: PhaseResult): Promise<void> {
    const { environment } = result;
    const step = result.failedStep?.name ?? 'a step';
    const message = result.failedStep?.message ?? 'failed';
    const outcome = await this.decide(action, environment).catch(
      e => `nothing done: ${(e as Error).message}`,
    );
    await this.engine.audit.recordAction(
      stepsCaller,
      action,
      'verification-policy',
      outcome.startsWith('nothing') ? 'refused' : 'succeeded',
      `${environment}: ${step} failed; ${outcome}`,
    );
    await this.engine.notifier
      ?.verificationFailed(action, { environment, step, message, outcome })
      .catch(e =>
        this.engine.logger.warn(
          `could not notify about the failed verification of #${action.id}: ${
            (e as Error).message
          }`,
        ),
      );
  }

  /** Applies the policy; returns what was done, in words. */
  private async decide(
    action: GitopsAction,
    environment: string,
  ): Promise<string> {
    const repo = this.engine.planner.repository(action.repositoryId);
    const pipeline = await this.engine.planner.pipelineAt(
      repo,
      await repo.source.headCommit(),
    );
    const policy = pipeline.environment(environment).promotion;
    const mode = policy?.onFailedVerification ?? 'none';
    if (mode === 'none') return 'nothing done (onFailedVerification: none)';
    const change = action.changes.find(c => c.environment === environment);
    const previous = change?.fromVersion;
    const hold = () =>
      this.engine.holds.create({
        repositoryId: action.repositoryId,
        service: action.service,
        environment,
        version: action.version,
        reason: `verification of ${action.version} failed`,
        createdBy: autoRollbackCaller.initiator,
        actionId: action.id,
      });
    if (mode === 'hold' || action.kind === 'rollback' || !previous) {
      await hold();
      if (mode === 'hold') return `held ${action.version} in ${environment}`;
      return action.kind === 'rollback'
        ? `held ${action.version}; a rollback is never rolled back automatically`
        : `held ${action.version}; no earlier version to roll back to`;
    }
    // Decided again (the replica handing the failed phase on died after
    // requesting it): the environment runs the previous version because of
    // that rollback, so name it rather than calling it a move.
    const requested = await this.engine.actions.findByKey(
      autoRollbackCaller.initiator,
      keyOf(action, environment),
    );
    if (requested)
      return `already rolling back: action #${requested.action.id} (${requested.action.state})`;
    const state = (
      await this.ledger.getDesiredStates(action.repositoryId, action.service)
    ).find(s => s.environment === environment);
    if (state?.version !== action.version)
      return `nothing done: ${environment} runs ${
        state?.version ?? 'nothing'
      } now, not ${action.version}`;
    const window =
      (policy?.verificationWindowSeconds ?? DEFAULT_WINDOW_SECONDS) * 1000;
    const since = state.change_at
      ? new Date(state.change_at as any).getTime()
      : Date.parse(action.updatedAt);
    if (this.now() - since > window)
      return `nothing done: the rollout is older than the verification window (${
        window / 1000
      }s)`;
    // Refused (a gate: a hold on the previous version, a freeze window) or
    // failed: the failed version stays in the environment, so hold it there
    // rather than let it travel on (fail closed).
    let written: { action: GitopsAction; created: boolean };
    try {
      written = await this.request(
        {
          kind: 'rollback',
          repositoryId: action.repositoryId,
          service: action.service,
          entityRef: action.entityRef,
          body: {
            environment,
            version: previous,
            reason: `automatic rollback: the verification of ${action.version} (action #${action.id}) failed`,
          },
        },
        // Once per version and environment, whoever asks again.
        keyOf(action, environment),
      );
    } catch (e) {
      await hold();
      return `held ${
        action.version
      }; the rollback to ${previous} was refused: ${(e as Error).message}`;
    }
    const { action: rollback, created } = written;
    return created
      ? `rolling back to ${previous}: action #${rollback.id} (${rollback.state})`
      : `already rolling back: action #${rollback.id} (${rollback.state})`;
  }
}
