import type { LoggerService } from '@backstage/backend-plugin-api';
import type { LedgerStore } from '../database/LedgerStore';
import type { ReingestRunRow } from '../database/reingestRuns';
import type { HistoryRewrite } from '../database/rewrittenRollouts';
import type { GitCommit, GitSource } from '../git/types';

/**
 * Which commits a run of RepositoryIngester walks: the re-ingest it works
 * on, the first-parent history a page at a time, and after a force-push the
 * rollouts' commits that left or came back into it.
 */
export class HistoryWalk {
  private readonly batchSize: number;

  constructor(
    private readonly options: {
      repositoryId: string;
      source: GitSource;
      store: LedgerStore;
      logger: LoggerService;
      reingest?: string;
      batchSize: number;
    },
  ) {
    this.batchSize = options.batchSize;
  }

  /**
   * The re-ingest this run works on: the one in progress (whatever value
   * asked for it: it is finished first), or a new one when the configured
   * `reingest` value was never applied to the repository. Replicas with
   * different values (a rolling deploy) each apply theirs once, not in turn.
   */
  async reingestRun(): Promise<ReingestRunRow | undefined> {
    const { repositoryId, store, logger, reingest } = this.options;
    let run = await store.getReingestRun(repositoryId);
    if (!run) {
      if (
        reingest === undefined ||
        (await store.isReingestApplied(repositoryId, reingest))
      )
        return undefined;
      run = await store.beginReingest(repositoryId, reingest);
      if (!run) return undefined;
    }
    logger.info(
      `${repositoryId}: ${
        run.last_commit_sha === null
          ? 're-ingesting'
          : 'resuming the re-ingest of'
      } the whole history (gitops.repositories[].reingest: ${
        run.value
      }); readers see the ledger from before it until it ends`,
    );
    return run;
  }

  /**
   * The first-parent commits after `since` up to `until`, oldest first, a
   * page (batch) at a time: a long history is never held whole.
   */
  async *pages(
    since: string | undefined,
    until: string,
    first?: GitCommit[],
  ): AsyncGenerator<GitCommit[]> {
    let after = since;
    let page = first;
    if (after === until) return;
    for (;;) {
      page ??= await this.options.source.listCommits({
        since: after,
        until,
        limit: this.batchSize,
      });
      if (page.length === 0) return;
      yield page;
      after = page[page.length - 1].sha;
      if (after === until) return;
      page = undefined;
    }
  }

  /**
   * After a force-push: the commits carrying rollouts that are no longer in
   * the first-parent history `commits`, and those back in it.
   */
  async historyRewrite(head: string): Promise<HistoryRewrite> {
    const inHistory = new Set<string>();
    for await (const page of this.pages(undefined, head))
      for (const c of page) inHistory.add(c.sha);
    const known = await this.options.store.rolloutCommits(
      this.options.repositoryId,
    );
    return {
      rewrittenShas: known
        .filter(k => !k.rewritten && !inHistory.has(k.sha))
        .map(k => k.sha),
      restoredShas: known
        .filter(k => k.rewritten && inHistory.has(k.sha))
        .map(k => k.sha),
    };
  }
}
