import { Knex } from 'knex';
import type { HistoryCommit } from '../../git/GitHubHistoryPages';

const TABLE = 'gitops_correlation_backfill_pages';

/** A stored history page of a backfill. */
export interface StoredPage {
  page: number;
  headSha: string;
  maxRolloutId: string;
  endCursor?: string;
  hasNext: boolean;
  commits: HistoryCommit[];
}

/**
 * The history pages a backfill fetched, per source repository, so that a
 * restart resumes without asking GitHub for them again. Deleted when the
 * repository's backfill is done.
 */
export class BackfillPageStore {
  constructor(private readonly db: Knex) {}

  async load(sourceRepository: string): Promise<StoredPage[]> {
    const rows = await this.db(TABLE)
      .where({ source_repository: sourceRepository })
      .orderBy('page', 'asc');
    const pages: StoredPage[] = [];
    for (const r of rows) {
      // Pages are consecutive and of one head; anything else is dropped.
      if (r.page !== pages.length + 1 || r.head_sha !== rows[0].head_sha) break;
      pages.push({
        page: r.page,
        headSha: r.head_sha,
        maxRolloutId: String(r.max_rollout_id),
        endCursor: r.end_cursor ?? undefined,
        hasNext: !!r.has_next,
        commits: JSON.parse(r.commits),
      });
    }
    return pages;
  }

  async save(sourceRepository: string, page: StoredPage): Promise<void> {
    await this.db(TABLE)
      .insert({
        source_repository: sourceRepository,
        page: page.page,
        head_sha: page.headSha,
        max_rollout_id: page.maxRolloutId,
        end_cursor: page.endCursor ?? null,
        has_next: page.hasNext,
        commits: JSON.stringify(page.commits),
        fetched_at_ms: Date.now(),
      })
      .onConflict(['source_repository', 'page'])
      .merge();
  }

  async clear(sourceRepository: string): Promise<void> {
    await this.db(TABLE)
      .where({ source_repository: sourceRepository })
      .delete();
  }

  /** Source repositories with stored pages (a backfill in progress). */
  async inProgress(): Promise<string[]> {
    const rows = await this.db(TABLE).distinct('source_repository');
    return rows.map(r => r.source_repository);
  }
}
