import type { LoggerService } from '@backstage/backend-plugin-api';
import type { CorrelationConfig } from '../../config';
import type { RolloutRow } from '../../database/tables';
import {
  HistoryPageRequest,
  historyQuery,
  parseHistoryResponse,
} from '../../git/GitHubHistoryPages';
import type { CorrelationStore } from '../CorrelationStore';
import { GitHubSourceRepository } from '../GitHubSourceRepository';
import type { SourceRepositoryResolver } from '../sourceRepositories';
import { parseGithubSourceId } from '../sourceRepositories';
import type { SourceRepository } from '../types';
import type { BackfillPageStore } from './BackfillPageStore';
import { HistoryWindow, NotInHistory } from './HistoryWindow';
import type { RateBudget } from './RateBudget';
import { WindowSourceRepository } from './WindowSourceRepository';

type PendingRollout = RolloutRow & { mapped_source: string | null };

/** Correlates one rollout (Correlator.correlate), from `repository` when given. */
export type CorrelateFn = (
  rollout: PendingRollout,
  sourceId: string | null,
  repository?: SourceRepository,
) => Promise<{ status: string; commitsInserted: number }>;

export interface CorrelationBackfillOptions {
  store: CorrelationStore;
  pages: BackfillPageStore;
  resolver: SourceRepositoryResolver;
  budget: RateBudget;
  config: CorrelationConfig['backfill'];
  logger: LoggerService;
  correlate: CorrelateFn;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** Longest wait for the rate-limit budget within a run; longer stops the run. Default 60 s. */
  maxWaitMs?: number;
  /** Pages fetched for one rollout before asking GitHub for it directly. Default 20. */
  maxPagesPerRollout?: number;
  /** Most rollouts one run takes on. Default 100,000. */
  maxRollouts?: number;
  /** Commits per history page (GitHub's maximum, 100, by default; tests page smaller). */
  pageSize?: number;
}

export interface BackfillResult {
  /** Below `minPending` and nothing in progress: the per-rollout path runs. */
  skipped: boolean;
  rollouts: number;
  /** Correlated from the fetched history, without a request of their own. */
  fromHistory: number;
  /** Asked GitHub per rollout (commit not on the default branch's history). */
  fallbacks: number;
  failed: number;
  byStatus: Record<string, number>;
  commitsInserted: number;
  queries: number;
  pages: number;
  /** Source repository → newest rollout id the backfill covers. */
  handled: Map<string, string>;
  /** Stopped for the rate-limit budget: resume after `until` (epoch ms). */
  paused?: { until: number; reason: string };
}

/** Per source repository: its window, and its rollouts still to do (newest first). */
interface Group {
  source: string;
  owner: string;
  name: string;
  github: GitHubSourceRepository;
  window: HistoryWindow;
  windowRepo: WindowSourceRepository;
  queue: PendingRollout[];
  maxRolloutId: string;
  /** Per waiting rollout: pages in the window when it first needed more. */
  blockedAt: Map<string, number>;
  /** GraphQL could not serve this repository: every rollout per request. */
  failed?: string;
}

class Paused extends Error {
  constructor(readonly until: number, readonly reason: string) {
    super(reason);
  }
}

const REST_REQUESTS_PER_ROLLOUT = 4;
/** Rollouts of a repository that may wait for older pages at once. */
const LOOKAHEAD = 10;
const MAX_CONSECUTIVE_FAILURES = 5;

/**
 * Correlation at organisation scale: instead of GitHub requests per rollout
 * (about one rollout per second under Octokit's GraphQL spacing), each
 * source repository's default branch is read in GraphQL `history` pages of
 * 100 commits with their pull requests and CI (several repositories per
 * query, under aliases), and each rollout's version range is computed
 * locally from them (WindowSourceRepository), newest rollouts first.
 * GitHub is asked per rollout only where the history cannot answer (a
 * version not on the default branch). Spends at most a configured share of
 * the hourly rate limit (RateBudget); fetched pages are stored
 * (BackfillPageStore) so a restart resumes where it stopped; rollouts done
 * are known by their correlation rows.
 */
export class CorrelationBackfill {
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly options: CorrelationBackfillOptions) {
    this.now = options.now ?? Date.now;
    this.sleep =
      options.sleep ?? (ms => new Promise(r => setTimeout(r, Math.max(0, ms))));
  }

  async run(): Promise<BackfillResult> {
    const result: BackfillResult = {
      skipped: true,
      rollouts: 0,
      fromHistory: 0,
      fallbacks: 0,
      failed: 0,
      byStatus: {},
      commitsInserted: 0,
      queries: 0,
      pages: 0,
      handled: new Map(),
    };
    const groups = await this.loadGroups();
    const total = groups.reduce((a, g) => a + g.queue.length, 0);
    const resuming = groups.some(g => g.window.pages > 0);
    if (
      !this.options.config.enabled ||
      (total < this.options.config.minPending && !resuming)
    ) {
      return result;
    }
    result.skipped = false;
    for (const g of groups) result.handled.set(g.source, g.maxRolloutId);
    this.options.logger.info(
      `correlation backfill: ${total} rollouts of ${
        groups.length
      } GitHub source repositories${
        resuming ? ' (resuming from stored history pages)' : ''
      }`,
    );
    try {
      let failures = 0;
      for (;;) {
        for (const g of groups) {
          failures = await this.drain(g, result, failures);
          if (g.queue.length === 0 && !g.done) {
            g.done = true;
            await this.options.pages.clear(g.source);
          }
        }
        const waiting = groups.filter(g => g.queue.length > 0);
        if (waiting.length === 0) break;
        await this.fetchNextPages(waiting, result);
      }
    } catch (e) {
      if (!(e instanceof Paused)) throw e;
      result.paused = { until: e.until, reason: e.reason };
      this.options.logger.info(
        `correlation backfill paused until ${new Date(
          e.until,
        ).toISOString()}: ${e.reason}; ${
          result.rollouts
        } rollouts correlated in this run, the rest resume then`,
      );
    }
    return result;
  }

  /** Pending rollouts of GitHub source repositories, newest first, with stored pages. */
  private async loadGroups(): Promise<Array<Group & { done?: boolean }>> {
    const { store, resolver, pages } = this.options;
    const max = this.options.maxRollouts ?? 100_000;
    const bySource = new Map<string, PendingRollout[]>();
    let before: string | undefined;
    let loaded = 0;
    while (loaded < max) {
      const batch = await store.pendingRolloutsNewestFirst(
        Math.min(1000, max - loaded),
        before,
      );
      if (batch.length === 0) break;
      loaded += batch.length;
      before = String(batch[batch.length - 1].id);
      for (const r of batch) {
        if (!r.mapped_source?.startsWith('github:')) continue;
        const list = bySource.get(r.mapped_source) ?? [];
        list.push(r);
        bySource.set(r.mapped_source, list);
      }
    }
    const groups: Array<Group & { done?: boolean }> = [];
    for (const [source, rollouts] of bySource) {
      const resolved = resolver.resolve(source);
      if (
        !resolved.ok ||
        !(resolved.repository instanceof GitHubSourceRepository)
      )
        continue;
      const parsed = parseGithubSourceId(source);
      if (!parsed) continue;
      const { owner, name } = parsed;
      const window = new HistoryWindow();
      const stored = await pages.load(source);
      for (const p of stored) {
        window.add({
          head: p.headSha,
          commits: p.commits,
          endCursor: p.endCursor,
          hasNextPage: p.hasNext,
        });
      }
      const maxRolloutId = stored[0]?.maxRolloutId ?? String(rollouts[0].id);
      groups.push({
        source,
        owner,
        name,
        github: resolved.repository,
        window,
        windowRepo: new WindowSourceRepository(resolved.repository, window),
        // Rollouts newer than a resumed backfill's are incremental work.
        queue: rollouts.filter(r => BigInt(r.id) <= BigInt(maxRolloutId)),
        maxRolloutId,
        blockedAt: new Map(),
      });
    }
    return groups;
  }

  /**
   * Correlates the group's rollouts, newest first, from the history; those
   * that need older pages wait for them (at most LOOKAHEAD at a time, so a
   * version missing from the history does not hold back the ones after it).
   */
  private async drain(
    g: Group,
    result: BackfillResult,
    failuresSoFar: number,
  ): Promise<number> {
    let failures = failuresSoFar;
    const maxPages = this.options.maxPagesPerRollout ?? 20;
    const keep: PendingRollout[] = [];
    let i = 0;
    for (; i < g.queue.length && keep.length < LOOKAHEAD; i++) {
      const rollout = g.queue[i];
      const id = String(rollout.id);
      if (!g.failed) {
        try {
          this.record(
            result,
            await this.options.correlate(rollout, g.source, g.windowRepo),
          );
          result.fromHistory++;
          g.blockedAt.delete(id);
          failures = 0;
          continue;
        } catch (e) {
          if (!(e instanceof NotInHistory)) {
            failures = this.failure(rollout, e, result, failures);
            continue;
          }
          const since = g.blockedAt.get(id) ?? g.window.pages;
          g.blockedAt.set(id, since);
          if (!e.exhausted && g.window.pages - since < maxPages) {
            keep.push(rollout); // waits for the next page
            continue;
          }
        }
      }
      // The history cannot answer: ask GitHub for this rollout alone.
      g.blockedAt.delete(id);
      try {
        this.spend(REST_REQUESTS_PER_ROLLOUT);
      } catch (e) {
        g.queue = [...keep, ...g.queue.slice(i)];
        throw e;
      }
      try {
        this.record(result, await this.options.correlate(rollout, g.source));
        result.fallbacks++;
        failures = 0;
      } catch (e) {
        failures = this.failure(rollout, e, result, failures);
      }
    }
    g.queue = [...keep, ...g.queue.slice(i)];
    return failures;
  }

  private record(
    result: BackfillResult,
    outcome: { status: string; commitsInserted: number },
  ): void {
    result.rollouts++;
    result.byStatus[outcome.status] =
      (result.byStatus[outcome.status] ?? 0) + 1;
    result.commitsInserted += outcome.commitsInserted;
  }

  private failure(
    rollout: PendingRollout,
    e: unknown,
    result: BackfillResult,
    failures: number,
  ): number {
    result.failed++;
    result.byStatus.failed = (result.byStatus.failed ?? 0) + 1;
    this.options.logger.warn(
      `correlation backfill of rollout ${rollout.id} (${rollout.service} in ${
        rollout.environment
      }) failed, will retry: ${e instanceof Error ? e.message : String(e)}`,
    );
    if (failures + 1 >= MAX_CONSECUTIVE_FAILURES) {
      throw new Paused(
        this.now() + 60_000,
        `${failures + 1} consecutive failures`,
      );
    }
    return failures + 1;
  }

  /** Waits for the budget (up to maxWaitMs) or stops the run. */
  private async spendAsync(cost: number): Promise<void> {
    for (;;) {
      const check = this.options.budget.check(cost);
      if (check.ok) return;
      const wait = check.until - this.now();
      if (wait > (this.options.maxWaitMs ?? 60_000)) {
        throw new Paused(check.until, check.reason);
      }
      await this.sleep(wait + 50);
    }
  }

  /** Like spendAsync, without waiting (per-rollout requests). */
  private spend(cost: number): void {
    const check = this.options.budget.check(cost);
    if (!check.ok) throw new Paused(check.until, check.reason);
  }

  /** One GraphQL query per `reposPerQuery` repositories of one owner. */
  private async fetchNextPages(
    waiting: Group[],
    result: BackfillResult,
  ): Promise<void> {
    const byOwner = new Map<string, Group[]>();
    for (const g of waiting) {
      if (g.failed) continue;
      const key = g.owner.toLowerCase();
      byOwner.set(key, [...(byOwner.get(key) ?? []), g]);
    }
    const per = this.options.config.reposPerQuery;
    for (const list of byOwner.values()) {
      for (let i = 0; i < list.length; i += per) {
        const chunk = list.slice(i, i + per);
        await this.spendAsync(chunk.length);
        await this.fetch(chunk, result);
      }
    }
  }

  private async fetch(chunk: Group[], result: BackfillResult): Promise<void> {
    const requests: HistoryPageRequest[] = chunk.map(g => ({
      owner: g.owner,
      name: g.name,
      ...(g.window.pages > 0
        ? { head: g.window.head, after: g.window.endCursor }
        : {}),
    }));
    let body: unknown;
    try {
      body = await chunk[0].github.github.graphql(
        historyQuery(requests, this.options.pageSize),
        'history pages (GraphQL)',
      );
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      // A rate limit ends the run; the pages so far are kept.
      if (/rate limit/i.test(message)) {
        throw new Paused(
          this.options.budget.current?.resetAt ?? this.now() + 60_000,
          message,
        );
      }
      for (const g of chunk) g.failed = message;
      this.options.logger.warn(
        `correlation backfill: GraphQL history failed (${message}); asking GitHub per rollout for ${chunk
          .map(g => g.source)
          .join(', ')}`,
      );
      return;
    }
    result.queries++;
    const pages = parseHistoryResponse(requests, body);
    for (const [j, g] of chunk.entries()) {
      const page = pages[j];
      if (!page.ok) {
        g.failed = page.message;
        this.options.logger.warn(
          `correlation backfill: ${page.message}; asking GitHub per rollout`,
        );
        continue;
      }
      g.window.add(page);
      result.pages++;
      await this.options.pages.save(g.source, {
        page: g.window.pages,
        headSha: g.window.head!,
        maxRolloutId: g.maxRolloutId,
        endCursor: page.endCursor,
        hasNext: page.hasNextPage,
        commits: page.commits,
      });
    }
  }
}
