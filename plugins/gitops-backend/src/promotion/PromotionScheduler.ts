import type {
  LoggerService,
  SchedulerService,
} from '@backstage/backend-plugin-api';
import { LedgerStore } from '../database/LedgerStore';
import { PromotionService } from './PromotionService';

export const AUTO_PROMOTE_INITIATOR = 'policy:auto-promote';

/**
 * One global task (one replica at a time): finishes actions a crash
 * interrupted, then runs automatic promotions where an environment's policy
 * asks for them (`promotion.autoPromoteAfter` in the pipeline file), through
 * the same gates and holds as a person's request.
 */
export class PromotionScheduler {
  /** Keys already refused, so a standing hold is logged once, not every run. */
  private readonly refused = new Set<string>();

  constructor(
    private readonly options: {
      promotions: PromotionService;
      ledger: LedgerStore;
      repositoryIds: string[];
      logger: LoggerService;
    },
  ) {}

  async schedule(scheduler: SchedulerService): Promise<void> {
    await scheduler.scheduleTask({
      id: 'gitops-promotions',
      frequency: { seconds: 30 },
      timeout: { minutes: 5 },
      initialDelay: { seconds: 10 },
      scope: 'global',
      fn: async () => {
        await this.run().catch(e =>
          this.options.logger.warn(
            `promotion task failed: ${(e as Error).message}`,
          ),
        );
      },
    });
  }

  async run(now = new Date()): Promise<string[]> {
    await this.options.promotions.reconcile();
    await this.options.promotions.followOutcomes();
    const requested: string[] = [];
    for (const repositoryId of this.options.repositoryIds) {
      const row = await this.options.ledger.getRepository(repositoryId);
      const stored = row?.pipeline ? JSON.parse(row.pipeline) : null;
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
          const key = `auto:${repositoryId}:${service}:${env.name}:${source.version}`;
          if (this.refused.has(key)) continue;
          try {
            const plan = await this.options.promotions.planPromotion(
              repositoryId,
              service,
              {
                sourceEnvironment: sourceEnv,
                environments: [env.name],
              },
            );
            await this.options.promotions.request(
              plan,
              { credentials: null, initiator: AUTO_PROMOTE_INITIATOR },
              key.slice(0, 128),
              `automatic promotion: ${sourceEnv} ran ${source.version} for ${after}s`,
            );
            requested.push(key);
          } catch (e) {
            this.refused.add(key);
            this.options.logger.info(
              `automatic promotion ${key} not done: ${(e as Error).message}`,
            );
          }
        }
      }
    }
    return requested;
  }
}
