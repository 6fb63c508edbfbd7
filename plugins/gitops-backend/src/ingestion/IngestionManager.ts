import type { StepTypeCatalog } from '../pipeline/parseSteps';
import type {
  LoggerService,
  SchedulerService,
} from '@backstage/backend-plugin-api';
import { ConflictError, NotFoundError } from '@backstage/errors';
import { durationToMilliseconds } from '@backstage/types';
import os from 'node:os';
import { LedgerStore } from '../database/LedgerStore';
import { GitSource } from '../git/types';
import { VersionLocatorRegistry } from '../locators/VersionLocatorRegistry';
import { GitopsConfig, RepositoryConfig } from '../config';
import type { ExternalPipeline } from '../pipeline/pipelineLocation';
import { IngestionResult, RepositoryIngester } from './RepositoryIngester';
import { RunLease, RunLeaseLostError } from './RunLease';

/**
 * Owns one ingester per configured repository and runs them as scheduled
 * tasks, one `global` task per repository (Backstage's scheduler hands each
 * to one replica at a time).
 *
 * Every run, scheduled or not, first takes the repository's run lease
 * (gitops_repositories.run_holder, renewed while the run lasts): no two
 * replicas ingest one repository at once, even when a run outlasts the
 * scheduler's task timeout, and a replica that died mid-run holds its
 * repository only until its lease expires (gitops.ingestion.leaseSeconds).
 * A scheduled run finding the repository held, or this replica at
 * gitops.ingestion.maxConcurrentRuns, is skipped (another replica or the next
 * tick takes it); a manual refresh or a push waits for the other replica's
 * run. A run checks its lease before each batch and each write (RunLease)
 * and stops when it may have lost it (renewals too late on a starved
 * machine); the cursor's compare-and-set still fences every write. The
 * correlation after a run (afterIngest) comes once the repository and the run
 * slot are given up.
 */
export class IngestionManager {
  private readonly ingesters = new Map<string, RepositoryIngester>();
  /** Local runs (waiting for the lease or running); undefined: held elsewhere. */
  private readonly running = new Map<
    string,
    Promise<IngestionResult | undefined>
  >();
  private readonly holder: string;
  private readonly leaseTtlMs: number;
  private runs = 0;

  constructor(
    private readonly options: {
      config: GitopsConfig;
      store: LedgerStore;
      locators: VersionLocatorRegistry;
      /** Step types the pipeline file may use (default: the built-in ones). */
      stepTypes?: StepTypeCatalog;
      logger: LoggerService;
      createSource: (repo: RepositoryConfig) => GitSource;
      /** The pipeline of a repository defined outside it (pipelineLocation.ts). */
      externalPipeline?: (
        repo: RepositoryConfig,
      ) => ExternalPipeline | undefined;
      /** Runs after each successful ingestion run (the correlation); its failure is logged, not thrown. */
      afterIngest?: (
        result: IngestionResult,
        repositoryId: string,
      ) => Promise<unknown>;
      /** This replica in the run leases (default `<host>:<pid>`). */
      holder?: string;
      /** Default gitops.ingestion.leaseSeconds. */
      leaseTtlMs?: number;
    },
  ) {
    this.holder = options.holder ?? `${os.hostname()}:${process.pid}`;
    this.leaseTtlMs =
      options.leaseTtlMs ?? options.config.ingestion.leaseSeconds * 1000;
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
          maxHistoryCommits: options.config.ingestion.maxHistoryCommits,
          reingest: repo.reingest,
          externalPipeline: options.externalPipeline?.(repo),
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
          await this.ingestScheduled(repo.id).catch(() => undefined);
        },
      });
    }
  }

  /**
   * A scheduled run: joins this replica's run of the repository, else runs
   * if the repository is free and this replica below maxConcurrentRuns,
   * else does nothing (undefined).
   */
  async ingestScheduled(
    repositoryId: string,
  ): Promise<IngestionResult | undefined> {
    this.ingesterOf(repositoryId);
    const existing = this.running.get(repositoryId);
    if (existing) return existing;
    const max = this.options.config.ingestion.maxConcurrentRuns;
    if (max > 0 && this.running.size >= max) {
      this.options.logger.debug(
        `ingestion run skipped: repository=${repositoryId} pid=${process.pid}: ${this.running.size} runs under way on this replica (gitops.ingestion.maxConcurrentRuns: ${max})`,
      );
      return undefined;
    }
    return this.start(repositoryId, undefined);
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

  /**
   * Runs (or joins the running) ingestion of one repository; while another
   * replica runs it, waits for that run (at most gitops.ingestion.timeout).
   */
  async ingest(repositoryId: string): Promise<IngestionResult> {
    this.ingesterOf(repositoryId);
    // One deadline for the whole wait, also across runs that stopped
    // because another replica took the repository.
    const until =
      Date.now() +
      durationToMilliseconds(this.options.config.ingestion.timeout);
    for (;;) {
      const result = await (this.running.get(repositoryId) ??
        this.start(repositoryId, until));
      if (result) return result;
    }
  }

  private ingesterOf(repositoryId: string): RepositoryIngester {
    const ingester = this.ingesters.get(repositoryId);
    if (!ingester)
      throw new NotFoundError(`unknown GitOps repository "${repositoryId}"`);
    return ingester;
  }

  /** `waitUntil`: wait for the lease until then; undefined: do not wait. */
  private start(
    repositoryId: string,
    waitUntil: number | undefined,
  ): Promise<IngestionResult | undefined> {
    /** What a run that stopped had written (its rollouts are announced). */
    let stoppedAfter: IngestionResult | undefined;
    const run = (async () => {
      const lease = await this.takeLease(repositoryId, waitUntil);
      if (!lease) return undefined;
      lease.start();
      try {
        return await this.run(repositoryId, lease);
      } catch (e) {
        // Another replica may have the repository now: like a repository
        // held elsewhere (a scheduled run is skipped; ingest() waits for
        // the lease and runs again from the cursor), not a failure of it.
        if (!(e instanceof RunLeaseLostError)) throw e;
        this.options.logger.warn(e.message);
        if (e.written && e.written.commits > 0) stoppedAfter = e.written;
        return undefined;
      } finally {
        lease.stop();
        await this.options.store
          .releaseIngestionRun(repositoryId, lease.token)
          .catch(() => undefined);
      }
    })().finally(() => this.running.delete(repositoryId));
    this.running.set(repositoryId, run);
    // The correlation runs after the repository and the run slot are given
    // up: it covers every repository's pending rollouts, and may take long.
    return run.then(async result => {
      const written = result ?? stoppedAfter;
      if (written) await this.after(repositoryId, written);
      return result;
    });
  }

  /** afterIngest (the correlation); its failure is logged, not thrown. */
  private async after(repositoryId: string, result: IngestionResult) {
    try {
      await this.options.afterIngest?.(result, repositoryId);
    } catch (e) {
      this.options.logger.warn(
        `after ingestion of ${repositoryId}: ${
          e instanceof Error ? e.message : String(e)
        }`,
      );
    }
  }

  /** The run's lease, or undefined when another replica holds the repository (and `wait` is false). */
  private async takeLease(
    repositoryId: string,
    until: number | undefined,
  ): Promise<RunLease | undefined> {
    const { store, logger } = this.options;
    const wait = until !== undefined;
    const token = `${this.holder}#${++this.runs}`;
    await store.ensureRepository(repositoryId);
    const pollMs = Math.max(50, Math.min(1000, this.leaseTtlMs / 3));
    for (;;) {
      const now = Date.now();
      if (
        await store.claimIngestionRun(repositoryId, token, now, this.leaseTtlMs)
      )
        return new RunLease(
          store,
          repositoryId,
          token,
          this.leaseTtlMs,
          logger,
          now,
        );
      if (!wait || now > until!) {
        const holder = await store.ingestionRunHolder(repositoryId);
        if (!wait) {
          logger.debug(
            `ingestion run skipped: repository=${repositoryId} pid=${process.pid}: held by ${holder}`,
          );
          return undefined;
        }
        throw new ConflictError(
          `repository ${repositoryId} is still being ingested by ${holder} (waited gitops.ingestion.timeout)`,
        );
      }
      await new Promise(r => setTimeout(r, pollMs));
    }
  }

  /** One run of the ingester, with the lease held (the correlation comes after). */
  private async run(
    repositoryId: string,
    lease: RunLease,
  ): Promise<IngestionResult> {
    const ingester = this.ingesterOf(repositoryId);
    // Start and end of every run with this process's pid, at debug level:
    // bench/replicas.ts reads them to prove that no two replicas work on
    // one repository at once (docs/benchmarks.md).
    const { logger } = this.options;
    const startedAt = Date.now();
    logger.debug(
      `ingestion run started: repository=${repositoryId} pid=${process.pid}`,
    );
    let outcome = 'failed';
    try {
      const result = await ingester.ingest(lease).catch(async e => {
        if (e instanceof RunLeaseLostError) throw e;
        const message = e instanceof Error ? e.message : String(e);
        logger.warn(`ingestion of ${repositoryId} failed: ${message}`);
        await this.options.store
          .recordFailure(repositoryId, { message }, lease.token)
          .catch(() => undefined);
        throw e;
      });
      outcome = `commits=${result.commits} rollouts=${result.rolloutsInserted}`;
      return result;
    } finally {
      logger.debug(
        `ingestion run ended: repository=${repositoryId} pid=${
          process.pid
        } ms=${Date.now() - startedAt} ${outcome}`,
      );
    }
  }
}
