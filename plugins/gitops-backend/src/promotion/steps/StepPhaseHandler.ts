import type { GitopsAction } from '@gitops2/plugin-gitops-common';
import type { PhaseResult } from '../../steps/engine/StepRunner';
import type { StepRunStore } from '../../steps/engine/StepRunStore';
import type { LedgerStore } from '../../database/LedgerStore';
import type { PromotionEngine } from '../engine';
import { ActionCompletion } from '../execution/ActionCompletion';
import type { ActionExecutor } from '../execution/ActionExecutor';
import { stepsCaller } from '../types';
import type { AutomaticRollback } from './AutomaticRollback';

/** Waiting for the lease on an action whose before steps passed: 3 s in all. */
const LEASE_TRIES = 30;
const LEASE_WAIT_MS = 100;

/**
 * What a finished phase of deployment steps does to its action:
 * - `before`, failed: the action is refused (nothing was written);
 *   passed in every target: the write goes on (the executor);
 * - `after`: the rollout's outcome becomes `verified` or `failed`; a failed
 *   verification follows the environment's `onFailedVerification`
 *   (rollback, hold, none); once every target finished, the action is
 *   `succeeded` or `failed`.
 */
export class StepPhaseHandler {
  private readonly completion: ActionCompletion;

  constructor(
    private readonly engine: PromotionEngine,
    private readonly executor: ActionExecutor,
    private readonly steps: StepRunStore,
    private readonly ledger: LedgerStore,
    private readonly rollback: AutomaticRollback,
  ) {
    this.completion = new ActionCompletion(engine);
  }

  async finished(result: PhaseResult): Promise<void> {
    if (result.phase === 'before') await this.before(result);
    else await this.after(result);
  }

  private async before(result: PhaseResult): Promise<void> {
    const { action } = result;
    if (!result.passed) {
      const why = describe(result);
      await this.steps.cancelAll(action.id, `not run: ${why}`);
      await this.completion.ended(
        action,
        stepsCaller,
        'refused',
        `refused before writing: ${why}`,
        ['requested'],
      );
      return;
    }
    // Every target's before steps finished and passed: write now.
    const runs = await this.steps.ofAction(action.id, 'before');
    if (runs.some(r => r.state === 'pending' || r.state === 'running')) return;
    if (!runs.every(r => r.state === 'passed' || r.state === 'skipped')) return;
    // A fast step can pass while the request that planned it still holds
    // the action for a moment: wait for it rather than for reconciliation.
    for (let tries = 0; tries < LEASE_TRIES; tries++) {
      const now = await this.executor
        .execute(action.id, stepsCaller)
        .catch(e => {
          this.engine.logger.warn(
            `action #${action.id} after its before steps: ${
              (e as Error).message
            }`,
          );
          return undefined;
        });
      // Written or ended, or an error (logged; reconciliation retries).
      if (now?.state !== 'requested') return;
      // Still requested: the action was held when this claimed it. Held
      // still: wait for it; let go meanwhile (between the claim and this
      // check): claim again at once.
      if (await this.engine.leases.isClaimed(action.id))
        await new Promise(r => setTimeout(r, LEASE_WAIT_MS));
    }
  }

  private async after(result: PhaseResult): Promise<void> {
    const { action, environment } = result;
    await this.recordOutcome(result);
    await this.engine.audit.recordAction(
      stepsCaller,
      action,
      'verify',
      result.passed ? 'succeeded' : 'failed',
      result.passed
        ? `${environment}: every step passed`
        : `${environment}: ${describe(result)}`,
    );
    if (!result.passed) await this.rollback.afterFailure(action, result);
    await this.settle(action);
  }

  /**
   * The rollout's outcome in the ledger: the rollout of the commit the
   * action wrote. The merge ingests at once, but when that failed (a
   * replica killed after the merge) it may not be there yet: ingest, then
   * try again. An action whose commit made no rollout of its own (the
   * version was already there; known only once ingestion ran) marks the
   * latest rollout of the version. A
   * rollout still missing is said in the log (the action keeps the result).
   */
  private async recordOutcome(result: PhaseResult): Promise<void> {
    const { action, environment } = result;
    const record = (ownCommitOnly: boolean) =>
      this.ledger.setRolloutVerification(
        action.repositoryId,
        action.service,
        environment,
        action.version,
        result.passed ? 'verified' : 'failed',
        result.passed ? undefined : describe(result),
        ownCommitOnly ? action.id : undefined,
      );
    if (await record(true)) return;
    const ingested = await (
      this.engine.afterMerge?.(action.repositoryId) ?? Promise.resolve()
    ).then(
      () => true,
      () => false,
    );
    if (await record(true)) return;
    // Only once ingestion ran may "no rollout of its own" mean the version
    // was already there; after a failed ingestion it means not ingested,
    // and the latest rollout of the version is an older one (hostile review).
    if (ingested && (await record(false))) return;
    this.engine.logger.warn(
      `action #${action.id}: no rollout of ${action.service} ${action.version} in ${environment} in the ledger yet; its verification is on the action only`,
    );
  }

  /** The action's final state once every target's verification finished. */
  private async settle(action: GitopsAction): Promise<void> {
    const runs = await this.steps.ofAction(action.id, 'after');
    if (runs.some(r => r.state === 'pending' || r.state === 'running')) return;
    const failed = runs.find(r => r.state === 'failed');
    await this.engine.actions.update(
      action.id,
      failed
        ? {
            state: 'failed',
            error: `verification failed in ${failed.environment}: ${
              failed.name
            }: ${failed.message ?? 'failed'}`,
          }
        : { state: 'succeeded', error: null },
      ['merged', 'syncing', 'succeeded', 'failed'],
    );
  }
}

function describe(result: PhaseResult): string {
  const step = result.failedStep;
  return step
    ? `step ${step.name} (${step.type}) failed in ${result.environment}${
        step.message ? `: ${step.message}` : ''
      }`
    : `a step failed in ${result.environment}`;
}
