import type {
  LoggerService,
  SchedulerService,
} from '@backstage/backend-plugin-api';
import type { HumanDuration } from '@backstage/types';
import { createHash } from 'node:crypto';
import { LedgerStore } from '../database/LedgerStore';
import type { StepRunner } from '../steps/engine/StepRunner';
import { PromotionService } from './PromotionService';
import { autoPromoteCaller } from './types';

export { AUTO_PROMOTE_INITIATOR } from './types';

/** Attempts per candidate version before automatic promotion gives up. */
const MAX_ATTEMPTS = 20;
/** Attempts that ended without a merge: the candidate may be tried again. */
const ENDED_UNMERGED = ['refused', 'failed', 'cancelled'];

/**
 * The write path's scheduled work:
 * - reconciliation and outcomes, on every replica (`scope: 'local'`): leases
 *   keep two replicas from working on one action, and a replica that dies
 *   while holding the global scheduler lock cannot delay it;
 * - automatic promotions, one replica at a time (`scope: 'global'`), where
 *   an environment's policy asks for them (`promotion.autoPromoteAfter`),
 *   through the same gates, holds and audit as a person's request. Refused
 *   candidates are evaluated again on every run, so lifting a hold or the
 *   end of a freeze window lets them through.
 */
export class PromotionScheduler {
  /** Last refusal per candidate, to log a reason once, not every run. */
  private readonly lastRefusal = new Map<string, string>();

  constructor(
    private readonly options: {
      promotions: PromotionService;
      ledger: LedgerStore;
      repositoryIds: string[];
      logger: LoggerService;
      reconcileEvery?: HumanDuration;
      autoPromoteEvery?: HumanDuration;
      /** The steps' engine (deployment steps), ticked on every replica. */
      steps?: StepRunner;
      stepsEvery?: HumanDuration;
    },
  ) {}

  async schedule(scheduler: SchedulerService): Promise<void> {
    await scheduler.scheduleTask({
      id: 'gitops-reconcile',
      frequency: this.options.reconcileEvery ?? { seconds: 30 },
      timeout: { minutes: 5 },
      initialDelay: { seconds: 5 },
      scope: 'local',
      fn: async () => {
        await this.reconcile().catch(e =>
          this.options.logger.warn(
            `reconciliation failed: ${(e as Error).message}`,
          ),
        );
      },
    });
    const steps = this.options.steps;
    if (steps) {
      await scheduler.scheduleTask({
        id: 'gitops-steps',
        frequency: this.options.stepsEvery ?? { seconds: 2 },
        timeout: { minutes: 5 },
        initialDelay: { seconds: 5 },
        scope: 'local',
        fn: async () => {
          await steps
            .tick()
            .catch(e =>
              this.options.logger.warn(
                `deployment steps failed: ${(e as Error).message}`,
              ),
            );
        },
      });
    }
    await scheduler.scheduleTask({
      id: 'gitops-auto-promote',
      frequency: this.options.autoPromoteEvery ?? { seconds: 30 },
      timeout: { minutes: 5 },
      initialDelay: { seconds: 10 },
      scope: 'global',
      fn: async () => {
        await this.autoPromote().catch(e =>
          this.options.logger.warn(
            `automatic promotion failed: ${(e as Error).message}`,
          ),
        );
      },
    });
  }

  async reconcile(): Promise<void> {
    await this.options.promotions.reconcile();
    await this.options.promotions.followOutcomes();
  }

  /** Reconciles, then requests what the policies ask for; returns the keys requested. */
  async run(now = new Date()): Promise<string[]> {
    await this.reconcile();
    return this.autoPromote(now);
  }

  async autoPromote(now = new Date()): Promise<string[]> {
    const requested: string[] = [];
    for (const repositoryId of this.options.repositoryIds) {
      const stored = await this.options.ledger.getStoredPipeline(repositoryId);
      const def = stored?.definition;
      if (!def) continue;
      const states = await this.options.ledger.getDesiredStates(repositoryId);
      const stateOf = (service: string, env: string) =>
        states.find(s => s.service === service && s.environment === env);
      for (const env of def.environments) {
        const after = env.promotion?.autoPromoteAfterSeconds;
        if (!after || env.stageIndex === 0) continue;
        const sourceEnv: string =
          def.stages[env.stageIndex - 1].environments[0];
        for (const service of Object.keys(stored.services ?? {})) {
          const source = stateOf(service, sourceEnv);
          const target = stateOf(service, env.name);
          if (
            !source?.version ||
            !target ||
            source.version === target.version ||
            !source.change_at
          )
            continue;
          if (
            now.getTime() - new Date(source.change_at as any).getTime() <
            after * 1000
          )
            continue;
          const key = await this.attemptKey(
            `auto:${repositoryId}:${service}:${env.name}:${source.version}`,
          );
          if (!key) continue; // requested already, or too many attempts
          try {
            const { created } = await this.options.promotions.request(
              {
                kind: 'promotion',
                repositoryId,
                service,
                body: {
                  sourceEnvironment: sourceEnv,
                  environments: [env.name],
                  reason: `automatic promotion: ${sourceEnv} ran ${source.version} for ${after}s`,
                },
              },
              autoPromoteCaller,
              key,
            );
            this.lastRefusal.delete(key);
            if (created) requested.push(key);
          } catch (e) {
            const reason = (e as Error).message;
            if (this.lastRefusal.get(key) !== reason) {
              this.lastRefusal.set(key, reason);
              this.options.logger.info(
                `automatic promotion ${key} not done: ${reason}`,
              );
            }
          }
        }
      }
    }
    return requested;
  }

  /**
   * The idempotency key of the next attempt for a candidate: the plain key,
   * or `…#2`, `…#3` after attempts that ended without merging (refused when
   * written, failed, cancelled), so a candidate refused once is tried again.
   * Undefined while an attempt is still under way or merged. Keys longer
   * than idempotency keys may be are hashed, never cut.
   */
  private async attemptKey(base: string): Promise<string | undefined> {
    const stem =
      base.length <= 120
        ? base
        : `auto:${createHash('sha256')
            .update(base)
            .digest('hex')
            .slice(0, 40)}`;
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const key = attempt === 1 ? stem : `${stem}#${attempt}`;
      const known = await this.options.promotions.actionByKey(
        autoPromoteCaller.initiator,
        key,
      );
      if (!known) return key;
      if (!ENDED_UNMERGED.includes(known.state)) return undefined;
    }
    this.options.logger.warn(
      `automatic promotion ${base}: ${MAX_ATTEMPTS} attempts ended without a merge; not trying again`,
    );
    return undefined;
  }
}
