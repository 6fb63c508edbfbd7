import type { Knex } from 'knex';
import { CURRENT_LEDGER, PENDING_LEDGER } from './ledgerTables';
import { recordReingestApplied } from './appliedReingests';
import { clearPending, movedError, ReingestRunRow } from './reingestRuns';

/**
 * The end of a re-ingest: in one transaction, the repository's current
 * ledger (rollouts and the correlation rows keyed by their ids, desired
 * states, ingestion errors, cursor) is replaced by the pending one its walk
 * wrote. Readers see the ledger from before the re-ingest or the re-ingested
 * one, never a part of it. The run's cursor is compared and set as a batch's
 * is: a replica that finished it already makes this one fail. The value is
 * remembered as applied (appliedReingests.ts).
 */
export async function finishReingest(
  db: Knex,
  finish: {
    repositoryId: string;
    value: string;
    /** The walk's cursor as this run left it. */
    expectedCursor: string | null;
    /** The desired states kept (those the pipeline lists); undefined: all. */
    keep?: Array<{ service: string; environment: string }>;
    at: Date;
    pipeline: unknown;
    pipelineError: unknown | null;
    pipelineGoodContent?: string;
  },
): Promise<void> {
  const { repositoryId } = finish;
  await db.transaction(async tx => {
    const runWhere = { repository_id: repositoryId, value: finish.value };
    const run = await tx<ReingestRunRow>('gitops_reingest_runs')
      .where(runWhere)
      .first();
    const ended = await tx('gitops_reingest_runs')
      .where(runWhere)
      .andWhere(q =>
        finish.expectedCursor === null
          ? q.whereNull('last_commit_sha')
          : q.where('last_commit_sha', finish.expectedCursor),
      )
      .delete();
    if (!run || ended !== 1) throw movedError(repositoryId, finish.value);
    if (finish.keep)
      await dropPendingStatesExcept(tx, repositoryId, finish.keep);

    await tx('gitops_repositories')
      .where({ id: repositoryId })
      .update({
        last_commit_sha: run.last_commit_sha,
        commits_ingested: run.commits_ingested,
        retro_until_sha: run.retro_until_sha,
        pipeline_good_content:
          finish.pipelineGoodContent ?? run.pipeline_good_content,
        legacy_history: false,
        reingest: finish.value,
        last_ingested_at: finish.at,
        last_error: null,
        pipeline: JSON.stringify(finish.pipeline),
        pipeline_error: finish.pipelineError
          ? JSON.stringify(finish.pipelineError)
          : null,
      });

    await forgetCurrentLedger(tx, repositoryId);
    // Oldest first: the new rows get ids in the order of the walk.
    for (const table of ['rollouts', 'desiredStates', 'errors'] as const)
      await copyRows(
        tx,
        PENDING_LEDGER[table],
        CURRENT_LEDGER[table],
        repositoryId,
      );
    await clearPending(tx, repositoryId);
    await recordReingestApplied(tx, repositoryId, finish.value, finish.at);
  });
}

/**
 * The repository's rollouts, with the correlation rows keyed by their ids
 * (correlation computes them again), desired states and ingestion errors.
 */
async function forgetCurrentLedger(
  tx: Knex.Transaction,
  repositoryId: string,
): Promise<void> {
  const where = { repository_id: repositoryId };
  const ids = tx(CURRENT_LEDGER.rollouts).where(where).select('id');
  await tx('gitops_change_set_commits').whereIn('rollout_id', ids).delete();
  await tx('gitops_rollout_correlations').whereIn('rollout_id', ids).delete();
  await tx(CURRENT_LEDGER.rollouts).where(where).delete();
  await tx(CURRENT_LEDGER.desiredStates).where(where).delete();
  await tx(CURRENT_LEDGER.errors).where(where).delete();
}

/** insert into `to` select … from `from`, by the columns of `from` (ids are new). */
async function copyRows(
  tx: Knex.Transaction,
  from: string,
  to: string,
  repositoryId: string,
): Promise<void> {
  const info = await tx(from).columnInfo();
  const columns = Object.keys(info).filter(c => c !== 'id');
  const select = tx(from)
    .select(columns)
    .where({ repository_id: repositoryId });
  if ('id' in info) select.orderBy('id');
  const { sql, bindings } = select.toSQL();
  await tx.raw(
    `insert into ?? (${columns.map(() => '??').join(', ')}) ${sql}`,
    [to, ...columns, ...bindings],
  );
}

async function dropPendingStatesExcept(
  tx: Knex.Transaction,
  repositoryId: string,
  keep: Array<{ service: string; environment: string }>,
): Promise<void> {
  const kept = new Set(keep.map(k => `${k.service}\u0000${k.environment}`));
  const rows = await tx(PENDING_LEDGER.desiredStates)
    .where({ repository_id: repositoryId })
    .select('service', 'environment');
  for (const r of rows) {
    if (kept.has(`${r.service}\u0000${r.environment}`)) continue;
    await tx(PENDING_LEDGER.desiredStates)
      .where({
        repository_id: repositoryId,
        service: r.service,
        environment: r.environment,
      })
      .delete();
  }
}
