import type { ChecksSummary } from '@gitops2/plugin-gitops-common';
import type {
  LoggerService,
  SchedulerService,
} from '@backstage/backend-plugin-api';
import { CorrelationConfig } from '../config';
import { RolloutRow } from '../database/tables';
import type { PushedCommits } from '../git/PushedRevisions';
import {
  AnalyzedCommit,
  analyzeCommits,
  PullRequestInfo,
} from './analyzeCommits';
import { CorrelationStore, ServiceSourceRow } from './CorrelationStore';
import { IssueKeyExtractor } from './featureRefs';
import { SourceRepository } from './types';
import { SourceRepositoryResolver } from './sourceRepositories';
import type { BackfillPageStore } from './backfill/BackfillPageStore';
import {
  BackfillResult,
  CorrelationBackfill,
  CorrelationBackfillOptions,
} from './backfill/CorrelationBackfill';
import type { RateBudget } from './backfill/RateBudget';
import {
  resolveVersion,
  VersionContext,
  VersionStrategyRegistry,
} from './versionStrategies';

export interface CorrelatorOptions {
  store: CorrelationStore;
  config: CorrelationConfig;
  resolver: SourceRepositoryResolver;
  logger: LoggerService;
  /**
   * The service → source repository mapping, from the catalog. Undefined
   * (or a failure) keeps the stored mapping.
   */
  loadServiceSources?: () => Promise<ServiceSourceRow[] | undefined>;
  /**
   * Backfill for GitHub source repositories (`gitops.correlation.backfill`):
   * its stored pages and the rate-limit budget every GitHub source reports
   * to. Without it every rollout is correlated per request.
   */
  backfill?: {
    pages: BackfillPageStore;
    budget: RateBudget;
  } & Partial<
    Pick<
      CorrelationBackfillOptions,
      'now' | 'sleep' | 'maxWaitMs' | 'maxPagesPerRollout' | 'pageSize'
    >
  >;
}

export interface CorrelationRunResult {
  rollouts: number;
  byStatus: Record<string, number>;
  commitsInserted: number;
  /** What the backfill did, when it ran. */
  backfill?: BackfillResult;
}

const MAX_CONSECUTIVE_FAILURES = 5;

export const FIRST_DEPLOYMENT_MESSAGE =
  'first deployment: no earlier version to compare with';

/**
 * Correlates rollouts with their source repositories: maps both versions to
 * commits (VersionStrategyRegistry), lists the commits added and removed in
 * one git process per rollout, reads pull requests and issue keys from them,
 * and writes it all per rollout in one transaction (CorrelationStore.write).
 * Only rollouts still pending are processed, so a run is cheap when nothing
 * changed and a repeated run adds nothing.
 */
/** The most rollouts one CI report refreshes (one commit in many environments). */
const MAX_REFRESHED_ROLLOUTS = 20;

export class Correlator {
  private readonly strategies: VersionStrategyRegistry;
  private readonly issueKeys: IssueKeyExtractor;
  private running?: Promise<CorrelationRunResult>;
  private readonly backfill?: CorrelationBackfill;
  /** A paused backfill: its sources wait for the budget until `until`. */
  private paused?: { until: number; handled: Map<string, string> };

  constructor(private readonly options: CorrelatorOptions) {
    this.strategies = VersionStrategyRegistry.create({
      tagPattern: options.config.tagPattern,
    });
    this.issueKeys = new IssueKeyExtractor(options.config.issueKeyPatterns);
    if (options.backfill) {
      this.backfill = new CorrelationBackfill({
        ...options.backfill,
        store: options.store,
        resolver: options.resolver,
        config: options.config.backfill,
        logger: options.logger,
        correlate: (rollout, sourceId, repository) =>
          this.correlate(rollout, sourceId, repository),
      });
    }
  }

  async schedule(scheduler: SchedulerService): Promise<void> {
    await scheduler.scheduleTask({
      id: 'gitops-correlate',
      frequency: this.options.config.frequency,
      timeout: this.options.config.timeout,
      initialDelay: { seconds: 5 },
      scope: 'global',
      fn: async () => {
        await this.run().catch(() => undefined);
      },
    });
  }

  /** Runs (or joins the running) correlation of every pending rollout. */
  run(): Promise<CorrelationRunResult> {
    if (!this.running) {
      this.running = this.runOnce()
        .catch(e => {
          this.options.logger.warn(
            `correlation failed: ${e instanceof Error ? e.message : String(e)}`,
          );
          throw e;
        })
        .finally(() => {
          this.running = undefined;
        });
    }
    return this.running;
  }

  private async runOnce(): Promise<CorrelationRunResult> {
    const { store, logger, config } = this.options;
    if (this.options.loadServiceSources) {
      try {
        const rows = await this.options.loadServiceSources();
        if (rows) await store.replaceServiceSources(rows);
      } catch (e) {
        logger.warn(
          `could not read service source repositories from the catalog, keeping the last known ones: ${
            e instanceof Error ? e.message : String(e)
          }`,
        );
      }
    }
    const result: CorrelationRunResult = {
      rollouts: 0,
      byStatus: {},
      commitsInserted: 0,
    };
    // Rollouts a backfill covers (source → newest id) are left to it.
    let backfilled = new Map<string, string>();
    const now = this.options.backfill?.now ?? Date.now;
    if (this.paused && this.paused.until > now()) {
      backfilled = this.paused.handled;
    } else if (this.backfill && config.backfill.enabled) {
      this.paused = undefined;
      const b = await this.backfill.run();
      if (!b.skipped) {
        result.backfill = b;
        result.rollouts += b.rollouts;
        result.commitsInserted += b.commitsInserted;
        for (const [k, v] of Object.entries(b.byStatus))
          result.byStatus[k] = (result.byStatus[k] ?? 0) + v;
        backfilled = b.handled;
        if (b.paused)
          this.paused = { until: b.paused.until, handled: b.handled };
      }
    }
    const coveredByBackfill = (
      r: RolloutRow & { mapped_source: string | null },
    ) => {
      const max = r.mapped_source ? backfilled.get(r.mapped_source) : undefined;
      return max !== undefined && BigInt(r.id) <= BigInt(max);
    };
    // The id cursor makes each run visit a rollout once, even one that fails
    // (it stays pending for the next run).
    let afterId: string | undefined;
    let failures = 0;
    for (;;) {
      const pending = await store.pendingRollouts(config.batchSize, afterId);
      if (pending.length === 0) break;
      for (const rollout of pending) {
        afterId = String(rollout.id);
        if (coveredByBackfill(rollout)) continue;
        try {
          const { status, commitsInserted } = await this.correlate(
            rollout,
            rollout.mapped_source,
          );
          result.rollouts++;
          result.byStatus[status] = (result.byStatus[status] ?? 0) + 1;
          result.commitsInserted += commitsInserted;
          failures = 0;
        } catch (e) {
          result.byStatus.failed = (result.byStatus.failed ?? 0) + 1;
          failures++;
          logger.warn(
            `correlation of rollout ${rollout.id} (${rollout.service} in ${
              rollout.environment
            }) failed, will retry: ${
              e instanceof Error ? e.message : String(e)
            }`,
          );
          if (failures >= MAX_CONSECUTIVE_FAILURES) {
            logger.warn(
              `correlation stopped after ${failures} consecutive failures; the remaining rollouts wait for the next run`,
            );
            return this.logRun(result);
          }
        }
      }
      if (pending.length < config.batchSize) break;
    }
    return this.logRun(result);
  }

  private logRun(result: CorrelationRunResult): CorrelationRunResult {
    const { logger } = this.options;
    if (result.rollouts > 0) {
      logger.info(
        `correlated ${result.rollouts} rollouts (${Object.entries(
          result.byStatus,
        )
          .map(([k, v]) => `${k}: ${v}`)
          .join(', ')}), ${result.commitsInserted} new source commits`,
      );
    }
    return result;
  }

  /**
   * Correlates again the rollouts whose new version is this commit of a
   * source repository (CI reported on it): their change sets get the new CI
   * results. Returns how many were refreshed.
   */
  async refreshCommit(sourceRepository: string, sha: string): Promise<number> {
    const rows = await this.options.store.rolloutsAtCommit(
      sourceRepository,
      sha,
      MAX_REFRESHED_ROLLOUTS,
    );
    if (rows.length === 0) return 0;
    const source = this.options.resolver.resolve(sourceRepository);
    if (source.ok) source.repository.forgetChecks?.(sha);
    for (const row of rows) await this.correlate(row, row.mapped_source);
    return rows.length;
  }

  /**
   * A `push` to a source repository: its commits are remembered so
   * that correlating the versions built from them asks GitHub less. Returns
   * how many revisions were kept (0: not a repository correlation reads).
   */
  sourcePushed(sourceRepository: string, push: PushedCommits): number {
    return (
      this.options.resolver.opened(sourceRepository)?.rememberPushed?.(push) ??
      0
    );
  }

  /** Correlates one rollout and stores the outcome. */
  async correlate(
    rollout: RolloutRow,
    sourceId: string | null,
    /** Read from this repository rather than the resolver's (the backfill's history). */
    repository?: SourceRepository,
  ): Promise<{ status: string; commitsInserted: number }> {
    const { store, resolver } = this.options;
    const rolloutId = String(rollout.id);
    const write = async (
      w: Omit<Parameters<CorrelationStore['write']>[0], 'rolloutId'>,
    ) => {
      const res = await store.write({ rolloutId, ...w });
      return { status: w.status, commitsInserted: res.commitsInserted };
    };

    const source: ReturnType<SourceRepositoryResolver['resolve']> = repository
      ? { ok: true, repository }
      : resolver.resolve(sourceId);
    if (!source.ok) {
      return write({
        status: 'no-source',
        message: source.message,
        sourceRepository: sourceId ?? undefined,
        commits: [],
        pullRequests: [],
      });
    }
    const outcome = await this.compareVersions({
      repositoryId: rollout.repository_id,
      service: rollout.service,
      repo: source.repository,
      from:
        rollout.from_version !== null
          ? { version: rollout.from_version }
          : undefined,
      to: {
        version: rollout.to_version,
        trailerSha: rollout.source_commit_sha ?? undefined,
      },
    });
    if (outcome.status !== 'resolved') {
      return write({
        status: outcome.status,
        message: outcome.message,
        sourceRepository: source.repository.id,
        toCommit: outcome.toCommit,
        toStrategy: outcome.toStrategy,
        commits: [],
        pullRequests: [],
      });
    }
    return write({ ...outcome, sourceRepository: source.repository.id });
  }

  /**
   * Maps two versions of a service to source commits and lists what lies
   * between them. Without `from`: the baseline of a first deployment.
   */
  async compareVersions(args: {
    repositoryId: string;
    service: string;
    repo: SourceRepository;
    from?: { version: string; trailerSha?: string };
    to: { version: string; trailerSha?: string };
  }): Promise<ComparisonOutcome> {
    const { store, config } = this.options;
    const { repo } = args;
    const context = async (v: {
      version: string;
      trailerSha?: string;
    }): Promise<VersionContext> => ({
      version: v.version,
      trailerSha:
        v.trailerSha ??
        (await store.trailerShaFor(args.repositoryId, args.service, v.version)),
    });
    const toCtx = await context(args.to);
    const fromCtx = args.from ? await context(args.from) : undefined;
    const candidates = [toCtx, ...(fromCtx ? [fromCtx] : [])].map(ctx =>
      this.strategies
        .candidates(ctx)
        .flatMap(c => ('candidate' in c ? [c.candidate] : [])),
    );
    const verified = await repo.resolveFirst(candidates);

    const to = resolveVersion(toCtx, this.strategies, verified, repo.id);
    if (to.status !== 'mapped') {
      return { status: to.status, message: `new ${to.message}` };
    }
    let fromSha: string | null = null;
    let fromStrategy: string | undefined;
    if (fromCtx) {
      const from = resolveVersion(fromCtx, this.strategies, verified, repo.id);
      if (from.status !== 'mapped') {
        return {
          status: from.status,
          message: `previous ${from.message}`,
          toCommit: to.sha,
          toStrategy: to.strategy,
        };
      }
      fromSha = from.sha;
      fromStrategy = from.strategy;
    }

    const {
      commits: raw,
      truncated,
      pullRequests: hosted,
      checks,
    } = await repo.compare(fromSha, to.sha, config.baselineMaxCommits);
    const analyzed = analyzeCommits(raw, this.issueKeys, hosted);
    return {
      status: 'resolved',
      message: fromSha
        ? undefined
        : `${FIRST_DEPLOYMENT_MESSAGE}; ${raw.length}${
            truncated ? ' (latest)' : ''
          } commits up to ${to.sha.slice(0, 12)} recorded as its baseline`,
      fromCommit: fromSha ?? undefined,
      toCommit: to.sha,
      fromStrategy,
      toStrategy: to.strategy,
      commits: analyzed.commits,
      pullRequests: analyzed.pullRequests,
      checks,
    };
  }

  get issueKeyExtractor(): IssueKeyExtractor {
    return this.issueKeys;
  }
}

export type ComparisonOutcome =
  | {
      status: 'resolved';
      message?: string;
      fromCommit?: string;
      toCommit: string;
      fromStrategy?: string;
      toStrategy: string;
      commits: AnalyzedCommit[];
      pullRequests: PullRequestInfo[];
      checks?: ChecksSummary;
    }
  | {
      status: 'unmapped' | 'unknown-commit';
      message: string;
      toCommit?: string;
      toStrategy?: string;
    };
