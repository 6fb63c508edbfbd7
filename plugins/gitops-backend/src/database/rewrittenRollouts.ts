import type { Knex } from 'knex';

/** The GitOps commits that carry rollouts of a repository, and whether they were rewritten. */
export async function rolloutCommits(
  db: Knex,
  repositoryId: string,
): Promise<Array<{ sha: string; rewritten: boolean }>> {
  const rows = await db('gitops_rollouts')
    .where({ repository_id: repositoryId })
    .groupBy('commit_sha')
    .select('commit_sha')
    .max({ rewritten_at: 'rewritten_at' });
  return rows.map((r: any) => ({
    sha: r.commit_sha,
    rewritten: r.rewritten_at !== null && r.rewritten_at !== undefined,
  }));
}

/** What a history rewrite changes in the rollouts of a repository. */
export interface HistoryRewrite {
  /** Commits no longer in the branch's first-parent history. */
  rewrittenShas: string[];
  /** Commits marked rewritten earlier that are in the history again. */
  restoredShas: string[];
}

/** Marks (and unmarks) the rollouts of rewritten commits, inside the batch's transaction. */
export async function applyHistoryRewrite(
  tx: Knex.Transaction,
  repositoryId: string,
  rewrite: HistoryRewrite,
  at: Date,
): Promise<void> {
  for (let i = 0; i < rewrite.rewrittenShas.length; i += 500) {
    await tx('gitops_rollouts')
      .where({ repository_id: repositoryId })
      .whereIn('commit_sha', rewrite.rewrittenShas.slice(i, i + 500))
      .whereNull('rewritten_at')
      .update({ rewritten_at: at });
  }
  for (let i = 0; i < rewrite.restoredShas.length; i += 500) {
    await tx('gitops_rollouts')
      .where({ repository_id: repositoryId })
      .whereIn('commit_sha', rewrite.restoredShas.slice(i, i + 500))
      .update({ rewritten_at: null });
  }
}

/**
 * Commits ingested again (a branch force-pushed back, fast-forward, to
 * commits it had left): their rollouts, kept with `rewritten_at`, stand again.
 */
export async function restoreIngested(
  tx: Knex.Transaction,
  repositoryId: string,
  commitShas: string[],
): Promise<void> {
  for (let i = 0; i < commitShas.length; i += 500) {
    await tx('gitops_rollouts')
      .where({ repository_id: repositoryId })
      .whereIn('commit_sha', commitShas.slice(i, i + 500))
      .whereNotNull('rewritten_at')
      .update({ rewritten_at: null });
  }
}
