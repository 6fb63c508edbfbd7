import type { LoggerService } from '@backstage/backend-plugin-api';
import type {
  EnvironmentDefinition,
  GitopsAction,
  PipelineStep,
} from '@gitops2/plugin-gitops-common';
import type { JsonObject } from '@backstage/types';
import type {
  StepAttemptResult,
  StepContext,
  StepDefinition,
  StepType,
} from '../types';
import { isFinished, phaseOutcome, readiness, siblingsOf } from './phase';
import { StepClaim } from './StepClaim';
import type { StepFence, StepRunRow, StepRunStore } from './StepRunStore';

/** What a finished phase of one environment came to. */
export interface PhaseResult {
  action: GitopsAction;
  environment: string;
  phase: 'before' | 'after';
  passed: boolean;
  failedStep?: { name: string; type: string; message?: string };
}

export interface StepRunnerOptions {
  store: StepRunStore;
  stepTypes: { get(type: string): StepType | undefined };
  getAction(id: string): Promise<GitopsAction | undefined>;
  /** The environment as the pipeline defines it (for templates and observation). */
  environmentOf(
    action: GitopsAction,
    environment: string,
  ): Promise<EnvironmentDefinition>;
  /** The services a step may use, for one action and environment. */
  contextFor(
    base: Omit<
      StepContext,
      'fetch' | 'secret' | 'observed' | 'checks' | 'notify'
    >,
  ): StepContext;
  onPhaseFinished(result: PhaseResult): Promise<void>;
  logger: LoggerService;
  owner: string;
  /**
   * Time to live of a claim on one step, renewed every third of it while an
   * attempt runs: a crashed replica's step is taken over after this long
   * (gitops.promotion.leaseSeconds). Default 30 s.
   */
  leaseTtlMs?: number;
  /** Longest one attempt may take before it counts as failed. */
  attemptTimeoutMs?: number;
  now?: () => number;
}

const DEFAULT_RETRY_MS = 5_000;
const DEFAULT_LEASE_TTL_MS = 30_000;
const RETRY_SLACK_MS = 10;

/**
 * Runs deployment steps, one attempt at a time, from the database: any
 * replica may pick a due step up (under a lease), so a restart in the
 * middle of a step resumes it where it was (its attempt count, start time
 * and own state are stored). A phase that finished is handed on.
 */
export class StepRunner {
  private readonly now: () => number;

  constructor(private readonly options: StepRunnerOptions) {
    this.now = options.now ?? Date.now;
  }

  private running?: Promise<number>;
  private again = false;
  /** The earliest retry this replica asked for, and its wake-up. */
  private retryTimer?: ReturnType<typeof setTimeout>;
  private retryAt = Infinity;

  /**
   * Starts a round now (when steps were just planned), or right after the
   * one under way: never two rounds at once in one process.
   */
  wake(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.tick()
      .catch(() => 0)
      .finally(() => {
        this.running = undefined;
        if (this.again) {
          this.again = false;
          this.wake();
        }
      });
  }

  /** One round over the due steps; returns how many attempts ran. */
  async tick(): Promise<number> {
    let attempts = 0;
    for (const row of await this.options.store.due()) {
      try {
        if (await this.advance(row)) attempts++;
      } catch (e) {
        this.options.logger.warn(
          `step ${row.name} of action #${row.action_id} (${row.environment}): ${
            (e as Error).message
          }`,
        );
      }
    }
    return attempts;
  }

  private async advance(row: StepRunRow): Promise<boolean> {
    const { store } = this.options;
    // Finished, but the replica handing its phase on died: do that again.
    const handOnOnly = isFinished(row);
    let ready: 'wait' | 'run' | 'skip' = 'run';
    if (!handOnOnly) {
      const all = await store.ofAction(String(row.action_id));
      ready = readiness(siblingsOf(all, row), row);
      if (ready === 'wait') return false;
    }
    const ttlMs = this.options.leaseTtlMs ?? DEFAULT_LEASE_TTL_MS;
    const fence = await store.claim(String(row.id), this.options.owner, ttlMs);
    if (!fence) return false;
    const claim = new StepClaim(store, String(row.id), fence, ttlMs);
    try {
      const action = await this.options.getAction(String(row.action_id));
      const ended = !action || ['cancelled', 'refused'].includes(action.state);
      if (handOnOnly) {
        if (action && !ended) await this.afterFinish(action, row);
        await store.release(String(row.id), fence);
        return false;
      }
      if (ended) {
        await store.record(String(row.id), fence, {
          state: 'cancelled',
          finished: true,
          message: `the action is ${action?.state ?? 'gone'}`,
        });
        return false;
      }
      if (ready === 'skip') {
        const recorded = await store.record(String(row.id), fence, {
          state: 'skipped',
          finished: true,
          handOn: true,
          message: 'skipped (its condition does not hold)',
        });
        if (recorded) await this.handOn(action, row, fence);
        return false;
      }
      await this.attempt(action, row, fence, claim.signal);
      return true;
    } finally {
      claim.stop();
    }
  }

  private async attempt(
    action: GitopsAction,
    row: StepRunRow,
    fence: StepFence,
    claimLost: AbortSignal,
  ): Promise<void> {
    const { store } = this.options;
    const step = JSON.parse(row.definition) as PipelineStep;
    const now = this.now();
    const startedAtMs =
      row.started_at_ms === null ? now : Number(row.started_at_ms);
    const attempt = row.attempt + 1;
    const base = { attempt, startedAtMs };
    let result: StepAttemptResult;
    if (now - startedAtMs > step.timeoutSeconds * 1000) {
      result = {
        status: 'failed',
        message: `timed out after ${step.timeoutSeconds}s${
          row.message ? ` (last: ${row.message})` : ''
        }`,
      };
    } else {
      result = await this.runOnce(action, row, step, base, claimLost);
    }
    const finished = result.status !== 'running';
    const nextAtMs = finished
      ? null
      : now + Math.max(100, result.retryAfterMs ?? DEFAULT_RETRY_MS);
    const recorded = await store.record(String(row.id), fence, {
      state: result.status,
      attempt,
      startedAtMs,
      nextAtMs,
      finished,
      handOn: finished,
      message: result.message,
      output: result.output,
      stepState: result.state,
    });
    if (recorded && finished) await this.handOn(action, row, fence);
    else if (recorded && nextAtMs !== null) this.wakeAt(nextAtMs);
  }

  /**
   * A round when a step asked to be tried again, not at the next scheduled
   * round (every 2 s): its interval is kept. Should this replica die, any
   * replica's scheduled round finds the step due.
   */
  private wakeAt(at: number): void {
    if (at >= this.retryAt) return;
    clearTimeout(this.retryTimer);
    this.retryAt = at;
    // A timer may fire a millisecond early against the wall clock the due
    // time is in (the round would find the step not yet due): a little slack.
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.retryAt = Infinity;
      this.wake();
    }, Math.max(0, at - this.now()) + RETRY_SLACK_MS);
    this.retryTimer.unref?.();
  }

  /**
   * Hands a finished step's phase on (when it was the last of it) under the
   * step's lease, then lets the lease go. Should this replica die or the
   * hand-on throw first, the lease lapses and a replica does it again (the
   * phase handler is idempotent: the rollback is requested once per
   * version, states move by compare-and-set).
   */
  private async handOn(
    action: GitopsAction,
    row: StepRunRow,
    fence: StepFence,
  ): Promise<void> {
    await this.afterFinish(action, row);
    await this.options.store.release(String(row.id), fence);
  }

  private async runOnce(
    action: GitopsAction,
    row: StepRunRow,
    step: PipelineStep,
    base: { attempt: number; startedAtMs: number },
    claimLost: AbortSignal,
  ): Promise<StepAttemptResult> {
    const type = this.options.stepTypes.get(step.type);
    if (!type)
      return {
        status: 'failed',
        message: `unknown step type "${step.type}"`,
      };
    const controller = new AbortController();
    const limit = this.options.attemptTimeoutMs ?? 30_000;
    const timer = setTimeout(() => controller.abort(), limit);
    try {
      const environment = await this.options.environmentOf(
        action,
        row.environment,
      );
      const ctx = this.options.contextFor({
        action,
        environment,
        phase: row.phase as 'before' | 'after',
        attempt: base.attempt,
        startedAtMs: base.startedAtMs,
        state: row.step_state ? (JSON.parse(row.step_state) as JsonObject) : {},
        signal: AbortSignal.any([controller.signal, claimLost]),
        logger: this.options.logger.child({
          action: String(action.id),
          step: step.name,
        }),
      });
      return await Promise.race([
        type.run(step as StepDefinition, ctx),
        new Promise<StepAttemptResult>(resolve =>
          controller.signal.addEventListener('abort', () =>
            resolve({
              status: 'failed',
              message: `one attempt took longer than ${limit} ms`,
            }),
          ),
        ),
      ]);
    } catch (e) {
      // A step that throws fails (fail closed), with what it said.
      return { status: 'failed', message: (e as Error).message };
    } finally {
      clearTimeout(timer);
    }
  }

  private async afterFinish(action: GitopsAction, row: StepRunRow) {
    const all = await this.options.store.ofAction(String(row.action_id));
    const siblings = siblingsOf(all, row);
    if (!siblings.every(isFinished)) return;
    const outcome = phaseOutcome(siblings)!;
    await this.options.onPhaseFinished({
      action,
      environment: row.environment,
      phase: row.phase as 'before' | 'after',
      passed: outcome.passed,
      ...(outcome.failedStep
        ? {
            failedStep: {
              name: outcome.failedStep.name,
              type: outcome.failedStep.type,
              message: outcome.failedStep.message ?? undefined,
            },
          }
        : {}),
    });
  }
}
