import { ConflictError } from '@backstage/errors';
import type { Knex } from 'knex';
import { isReingestApplied } from './appliedReingests';
import { PENDING_LEDGER } from './ledgerTables';

/** A re-ingest in progress (gitops_reingest_runs). */
export interface ReingestRunRow {
  repository_id: string;
  /** The `gitops.repositories[].reingest` value being applied. */
  value: string;
  /** The walk's cursor; null before its first batch. */
  last_commit_sha: string | null;
  commits_ingested: number | string;
  pipeline_good_content: string | null;
  retro_until_sha: string | null;
}

const RUNS = 'gitops_reingest_runs';

export async function getReingestRun(
  db: Knex,
  repositoryId: string,
): Promise<ReingestRunRow | undefined> {
  return db<ReingestRunRow>(RUNS)
    .where({ repository_id: repositoryId })
    .first();
}

/** Drops the pending rows of a repository's re-ingest. */
export async function clearPending(
  tx: Knex.Transaction,
  repositoryId: string,
): Promise<void> {
  const where = { repository_id: repositoryId };
  await tx(PENDING_LEDGER.rollouts).where(where).delete();
  await tx(PENDING_LEDGER.desiredStates).where(where).delete();
  await tx(PENDING_LEDGER.errors).where(where).delete();
}

const FRESH = {
  last_commit_sha: null,
  commits_ingested: 0,
  pipeline_good_content: null,
  retro_until_sha: null,
};

/**
 * Starts a re-ingest of `value`, unless one is in progress already: that one
 * is returned (whatever its value), to be finished first. Undefined when
 * another replica applied `value` meanwhile (checked after the insert, in
 * the same transaction: a value is applied once).
 */
export async function beginReingest(
  db: Knex,
  repositoryId: string,
  value: string,
): Promise<ReingestRunRow | undefined> {
  return db.transaction(async tx => {
    const where = { repository_id: repositoryId };
    await tx(RUNS)
      .insert({ ...where, value, ...FRESH })
      .onConflict('repository_id')
      .ignore();
    const run = (await tx<ReingestRunRow>(RUNS).where(where).first())!;
    if (
      run.value === value &&
      run.last_commit_sha === null &&
      (await isReingestApplied(tx, repositoryId, value))
    ) {
      await tx(RUNS)
        .where({ ...where, value })
        .whereNull('last_commit_sha')
        .delete();
      return undefined;
    }
    return run;
  });
}

/**
 * Starts a re-ingest in progress again from the root (the history was
 * rewritten under it): what its walk wrote goes. Compare-and-set on its
 * cursor, as a batch.
 */
export async function restartReingest(
  db: Knex,
  run: ReingestRunRow,
): Promise<ReingestRunRow> {
  return db.transaction(async tx => {
    const where = { repository_id: run.repository_id, value: run.value };
    const reset = await tx(RUNS)
      .where(where)
      .andWhere(q =>
        run.last_commit_sha === null
          ? q.whereNull('last_commit_sha')
          : q.where('last_commit_sha', run.last_commit_sha),
      )
      .update(FRESH);
    if (reset !== 1) throw movedError(run.repository_id, run.value);
    await clearPending(tx, run.repository_id);
    return { ...run, ...FRESH };
  });
}

/**
 * Compare-and-set of the walk's cursor, in a batch's transaction: a second
 * replica (or a re-run after a crash) that started from an older cursor must
 * not write again. Runs before the batch's rows are written.
 */
export async function movePendingCursor(
  tx: Knex.Transaction,
  move: {
    repositoryId: string;
    value: string;
    expectedCursor: string | null;
    newCursor: string;
    commitCount: number;
    pipelineGoodContent?: string;
    retroUntilSha?: string | null;
  },
): Promise<void> {
  const moved = await tx(RUNS)
    .where({ repository_id: move.repositoryId, value: move.value })
    .andWhere(q =>
      move.expectedCursor === null
        ? q.whereNull('last_commit_sha')
        : q.where('last_commit_sha', move.expectedCursor),
    )
    .update({
      last_commit_sha: move.newCursor,
      commits_ingested: tx.raw('commits_ingested + ?', [move.commitCount]),
      ...(move.pipelineGoodContent !== undefined
        ? { pipeline_good_content: move.pipelineGoodContent }
        : {}),
      ...(move.retroUntilSha !== undefined
        ? { retro_until_sha: move.retroUntilSha }
        : {}),
    });
  if (moved !== 1) throw movedError(move.repositoryId, move.value);
  // The walk's first batch: nothing of an earlier walk stays.
  if (move.expectedCursor === null) await clearPending(tx, move.repositoryId);
}

export function movedError(repositoryId: string, value: string) {
  return new ConflictError(
    `the re-ingest of repository ${repositoryId} (reingest: ${value}) moved during the run (another replica ingested it)`,
  );
}
