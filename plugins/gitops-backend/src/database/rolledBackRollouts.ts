import type { Knex } from 'knex';

/** The longest outcome_detail kept (the column's bound). */
export const OUTCOME_DETAIL_MAX = 500;

/** One line, cut to the column's bound. */
export function outcomeDetail(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length <= OUTCOME_DETAIL_MAX
    ? line
    : `${line.slice(0, OUTCOME_DETAIL_MAX - 1)}…`;
}

/**
 * A rollback takes a version away from an environment: the rollout that
 * brought that version there (the latest one before the rollback, still in
 * the branch's history) gets the outcome `rolled-back`, whatever it was
 * (kept in outcome_before_rollback), and the rollback's commit
 * (rolled_back_by). Its outcome_detail (a failed verification) stays.
 * Runs in the ingestion batch's transaction, for the rollback rollouts of
 * `commitShas` (the batch's commits and those back in the history), oldest
 * first, in `table` (the current rollouts, or a re-ingest's pending ones).
 */
export async function markRolledBack(
  tx: Knex.Transaction,
  repositoryId: string,
  commitShas: string[],
  table: string = 'gitops_rollouts',
): Promise<void> {
  for (let i = 0; i < commitShas.length; i += 500) {
    const rollbacks = await tx(table)
      .where({ repository_id: repositoryId, kind: 'rollback' })
      .whereIn('commit_sha', commitShas.slice(i, i + 500))
      .whereNotNull('from_version')
      .whereNull('rewritten_at')
      .orderBy('id', 'asc')
      .select('id', 'service', 'environment', 'from_version', 'commit_sha');
    for (const rollback of rollbacks) {
      const taken = await tx(table)
        .where({
          repository_id: repositoryId,
          service: rollback.service,
          environment: rollback.environment,
          to_version: rollback.from_version,
        })
        .andWhere('id', '<', rollback.id)
        .whereNull('rewritten_at')
        .orderBy('id', 'desc')
        .first('id', 'outcome');
      if (!taken || taken.outcome === 'rolled-back') continue;
      await tx(table).where({ id: taken.id }).update({
        outcome: 'rolled-back',
        outcome_before_rollback: taken.outcome,
        rolled_back_by: rollback.commit_sha,
      });
    }
  }
}

/**
 * The rollouts rolled back by commits that left the history (force-push)
 * get their outcome back: that rollback no longer stands.
 */
export async function unmarkRolledBack(
  tx: Knex.Transaction,
  repositoryId: string,
  rewrittenShas: string[],
): Promise<void> {
  for (let i = 0; i < rewrittenShas.length; i += 500) {
    const rows = await tx('gitops_rollouts')
      .where({ repository_id: repositoryId, outcome: 'rolled-back' })
      .whereIn('rolled_back_by', rewrittenShas.slice(i, i + 500))
      .select('id', 'outcome_before_rollback');
    for (const row of rows)
      await tx('gitops_rollouts')
        .where({ id: row.id })
        .update({
          outcome: row.outcome_before_rollback ?? 'pending',
          outcome_before_rollback: null,
          rolled_back_by: null,
        });
  }
}

/** What the API says of an outcome: its detail and the rollback that took it away. */
export function describeOutcome(row: {
  outcome_detail?: string | null;
  rolled_back_by?: string | null;
}): string | undefined {
  const parts = [
    row.outcome_detail,
    row.rolled_back_by
      ? `rolled back by ${row.rolled_back_by.slice(0, 12)}`
      : undefined,
  ].filter(Boolean);
  return parts.length ? parts.join('; ') : undefined;
}
