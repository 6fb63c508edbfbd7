import type { StepTypeCatalog } from '../pipeline/parseSteps';
import type {
  LoggerService,
  SchedulerService,
} from '@backstage/backend-plugin-api';
import { NotFoundError } from '@backstage/errors';
import { LedgerStore } from '../database/LedgerStore';
import { GitSource } from '../git/types';
import { VersionLocatorRegistry } from '../locators/VersionLocatorRegistry';
import { GitopsConfig, RepositoryConfig } from '../config';
import { IngestionResult, RepositoryIngester } from './RepositoryIngester';

/**
 * Owns one ingester per configured repository and runs them as scheduled
 * tasks. Tasks are `global`: Backstage's scheduler runs each on one replica at
 * a time (database lock); the store's cursor compare-and-set makes a manual
 * refresh racing a scheduled run safe as well.
 */
export class IngestionManager {
  private readonly ingesters = new Map<string, RepositoryIngester>();
  private readonly running = new Map<string, Promise<IngestionResult>>();

  constructor(
    private readonly options: {
      config: GitopsConfig;
      store: LedgerStore;
      locators: VersionLocatorRegistry;
      /** Step types the pipeline file may use (default: the built-in ones). */
      stepTypes?: StepTypeCatalog;
      logger: LoggerService;
      createSource: (repo: RepositoryConfig) => GitSource;
      /** Runs after each successful ingestion run (the correlation); its failure is logged, not thrown. */
      afterIngest?: (
        result: IngestionResult,
        repositoryId: string,
      ) => Promise<unknown>;
    },
  ) {
    for (const repo of options.config.repositories) {
      this.ingesters.set(
        repo.id,
        new RepositoryIngester({
          repositoryId: repo.id,
          pipelineFile: repo.pipelineFile,
          source: options.createSource(repo),
          store: options.store,
          locators: options.locators,
          stepTypes: options.stepTypes,
          logger: options.logger.child({ repository: repo.id }),
        }),
      );
    }
  }

  repositories(): RepositoryConfig[] {
    return this.options.config.repositories;
  }

  async schedule(scheduler: SchedulerService): Promise<void> {
    const { frequency, timeout } = this.options.config.ingestion;
    for (const repo of this.options.config.repositories) {
      await scheduler.scheduleTask({
        id: `gitops-ingest:${repo.id}`,
        frequency,
        timeout,
        initialDelay: { seconds: 1 },
        scope: 'global',
        fn: async () => {
          await this.ingest(repo.id).catch(() => undefined);
        },
      });
    }
  }

  /**
   * Runs an ingestion that starts after now: a run already in progress may
   * have read the branch head before a push, so it is waited for, then a
   * new run (or one started meanwhile, which is after now too) is joined.
   */
  async ingestFromNow(repositoryId: string): Promise<IngestionResult> {
    const current = this.running.get(repositoryId);
    if (current) await current.catch(() => undefined);
    return this.ingest(repositoryId);
  }

  /** Runs (or joins the running) ingestion of one repository. */
  ingest(repositoryId: string): Promise<IngestionResult> {
    const ingester = this.ingesters.get(repositoryId);
    if (!ingester) {
      return Promise.reject(
        new NotFoundError(`unknown GitOps repository "${repositoryId}"`),
      );
    }
    const existing = this.running.get(repositoryId);
    if (existing) return existing;
    const run = ingester
      .ingest()
      .then(async result => {
        try {
          await this.options.afterIngest?.(result, repositoryId);
        } catch (e) {
          this.options.logger.warn(
            `after ingestion of ${repositoryId}: ${
              e instanceof Error ? e.message : String(e)
            }`,
          );
        }
        return result;
      })
      .catch(async e => {
        const message = e instanceof Error ? e.message : String(e);
        this.options.logger.warn(
          `ingestion of ${repositoryId} failed: ${message}`,
        );
        await this.options.store
          .recordFailure(repositoryId, { message })
          .catch(() => undefined);
        throw e;
      })
      .finally(() => this.running.delete(repositoryId));
    this.running.set(repositoryId, run);
    return run;
  }
}
