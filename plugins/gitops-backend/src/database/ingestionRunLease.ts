import type { Knex } from 'knex';

/*
 * The lease of an ingestion run on its repository (gitops_repositories
 * run_holder, run_expires_at_ms): taken when free or expired, renewed by its
 * holder only, given up by its holder only. Epoch milliseconds of the
 * replicas' clocks, which are assumed to agree within a fraction of the
 * lease (as the promotion leases).
 */

const TABLE = 'gitops_repositories';

/** True when `holder` now holds the repository's lease until now + ttlMs. */
export async function claimRunLease(
  db: Knex,
  repositoryId: string,
  holder: string,
  now: number,
  ttlMs: number,
): Promise<boolean> {
  const n = await db(TABLE)
    .where({ id: repositoryId })
    .andWhere(q =>
      q.whereNull('run_holder').orWhere('run_expires_at_ms', '<', now),
    )
    .update({ run_holder: holder, run_expires_at_ms: now + ttlMs });
  return n === 1;
}

/** False when another run has taken the repository since. */
export async function renewRunLease(
  db: Knex,
  repositoryId: string,
  holder: string,
  now: number,
  ttlMs: number,
): Promise<boolean> {
  const n = await db(TABLE)
    .where({ id: repositoryId, run_holder: holder })
    .update({ run_expires_at_ms: now + ttlMs });
  return n === 1;
}

export async function releaseRunLease(
  db: Knex,
  repositoryId: string,
  holder: string,
): Promise<void> {
  await db(TABLE)
    .where({ id: repositoryId, run_holder: holder })
    .update({ run_holder: null, run_expires_at_ms: null });
}

/** Who holds the repository now (an expired lease included), for messages. */
export async function runLeaseHolder(
  db: Knex,
  repositoryId: string,
): Promise<string | undefined> {
  const row = await db(TABLE).where({ id: repositoryId }).first('run_holder');
  return row?.run_holder ?? undefined;
}
