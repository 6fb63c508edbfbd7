import type { Knex } from 'knex';

const APPLIED = 'gitops_reingest_applied';

/**
 * Whether a `gitops.repositories[].reingest` value was applied to a
 * repository, now or before: a replica configured with it does not
 * re-ingest (migration 20261203100000_reingest_applied.js).
 */
export async function isReingestApplied(
  db: Knex | Knex.Transaction,
  repositoryId: string,
  value: string,
): Promise<boolean> {
  const row = await db(APPLIED)
    .where({ repository_id: repositoryId, value })
    .first('value');
  return row !== undefined;
}

/** Remembers a value applied, in the transaction that made its re-ingest current. */
export async function recordReingestApplied(
  tx: Knex.Transaction,
  repositoryId: string,
  value: string,
  at: Date,
): Promise<void> {
  await tx(APPLIED)
    .insert({ repository_id: repositoryId, value, applied_at: at })
    .onConflict(['repository_id', 'value'])
    .ignore();
}
