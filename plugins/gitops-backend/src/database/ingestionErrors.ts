import type { Knex } from 'knex';
import type { IngestionErrorRow, NewIngestionErrorRow } from './tables';

/**
 * Records errors of ingested commits; the same error twice is one row.
 * `table`: the current errors, or a re-ingest's pending ones.
 */
export async function insertIngestionErrors(
  db: Knex | Knex.Transaction,
  rows: NewIngestionErrorRow[],
  table: string = 'gitops_ingestion_errors',
): Promise<void> {
  for (let i = 0; i < rows.length; i += 50) {
    await db(table)
      .insert(
        rows.slice(i, i + 50).map(r => ({
          repository_id: r.repository_id,
          commit_sha: r.commit_sha,
          service: r.service.slice(0, 63),
          environment: r.environment.slice(0, 63),
          message: r.message.slice(0, 4000),
        })),
      )
      .onConflict(['repository_id', 'commit_sha', 'service', 'environment'])
      .ignore();
  }
}

/** The most recent errors of a repository (newest first) and how many there are. */
export async function listIngestionErrors(
  db: Knex,
  repositoryId: string,
  limit: number,
): Promise<{ rows: IngestionErrorRow[]; total: number }> {
  const rows = await db<IngestionErrorRow>('gitops_ingestion_errors')
    .where({ repository_id: repositoryId })
    .orderBy('id', 'desc')
    .limit(limit);
  const [{ count }] = await db('gitops_ingestion_errors')
    .where({ repository_id: repositoryId })
    .count({ count: '*' });
  return { rows, total: Number(count) };
}
