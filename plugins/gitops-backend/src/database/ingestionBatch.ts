import { ConflictError } from '@backstage/errors';
import type { Knex } from 'knex';
import { insertIngestionErrors } from './ingestionErrors';
import { CURRENT_LEDGER, PENDING_LEDGER } from './ledgerTables';
import { movePendingCursor } from './reingestRuns';
import {
  applyHistoryRewrite,
  HistoryRewrite,
  restoreIngested,
} from './rewrittenRollouts';
import { markRolledBack, unmarkRolledBack } from './rolledBackRollouts';
import type {
  DesiredStateRow,
  NewIngestionErrorRow,
  NewRolloutRow,
} from './tables';

/** Everything one ingestion batch writes, applied atomically. */
export interface IngestionBatch {
  repositoryId: string;
  /** The cursor the batch started from; the write fails if it moved. */
  expectedCursor: string | null;
  newCursor: string;
  commitCount: number;
  rollouts: NewRolloutRow[];
  desiredStates: DesiredStateRow[];
  /** Commits (or service × environment of them) that could not be ingested. */
  errors?: NewIngestionErrorRow[];
  /**
   * The pipeline file in force at `newCursor`, when the batch changed it: a
   * run resumed after a crash must read the history with the same pipeline.
   */
  pipelineGoodContent?: string;
  /**
   * First batch of a walk from the root after a history rewrite: the
   * repository's desired states, ingestion errors, commit count and pipeline
   * start over, and the rollouts of commits that left the history are marked
   * rewritten (kept), in the same transaction as the batch.
   */
  restart?: HistoryRewrite;
  /**
   * The commit before which the walk applies the pipeline retroactively
   * (set on the walk's first batch), null once the walk passed it;
   * undefined leaves it as it is.
   */
  retroUntilSha?: string | null;
  /**
   * A batch of the re-ingest of this `reingest` value (beginReingest): it is
   * written into the pending ledger, with the walk's own cursor; readers
   * keep reading the current one until finishReingest replaces it.
   */
  reingest?: string;
}

/**
 * Writes one ingestion batch in one transaction together with the cursor
 * move, so a crash loses nothing and a re-run duplicates nothing.
 */
export async function applyIngestionBatch(
  db: Knex,
  batch: IngestionBatch,
): Promise<{ inserted: number }> {
  const pending = batch.reingest !== undefined;
  const tables = pending ? PENDING_LEDGER : CURRENT_LEDGER;
  return db.transaction(async tx => {
    if (batch.reingest !== undefined) {
      await movePendingCursor(tx, { ...batch, value: batch.reingest });
    } else {
      await moveCursor(tx, batch);
    }
    if (batch.restart && !pending) {
      const where = { repository_id: batch.repositoryId };
      await tx('gitops_desired_states').where(where).delete();
      await tx('gitops_ingestion_errors').where(where).delete();
      await applyHistoryRewrite(
        tx,
        batch.repositoryId,
        batch.restart,
        new Date(),
      );
      await unmarkRolledBack(
        tx,
        batch.repositoryId,
        batch.restart.rewrittenShas,
      );
    }
    await insertIngestionErrors(tx, batch.errors ?? [], tables.errors);
    let inserted = 0;
    // Chunks keep SQLite under its bound-variable limit.
    for (let i = 0; i < batch.rollouts.length; i += 50) {
      const chunk = batch.rollouts.slice(i, i + 50);
      const rows = await tx(tables.rollouts)
        .insert(chunk)
        .onConflict(['repository_id', 'commit_sha', 'service', 'environment'])
        .ignore()
        .returning('id');
      inserted += rows.length;
    }
    const batchShas = [...new Set(batch.rollouts.map(r => r.commit_sha))];
    if (!pending) await restoreIngested(tx, batch.repositoryId, batchShas);
    await markRolledBack(
      tx,
      batch.repositoryId,
      [...new Set([...(batch.restart?.restoredShas ?? []), ...batchShas])],
      tables.rollouts,
    );
    for (let i = 0; i < batch.desiredStates.length; i += 50) {
      await tx(tables.desiredStates)
        .insert(batch.desiredStates.slice(i, i + 50))
        .onConflict(['repository_id', 'service', 'environment'])
        .merge();
    }
    return { inserted };
  });
}

/**
 * A run's write refused by the cursor's compare-and-set: another replica
 * ingested the repository since this run read the cursor.
 */
export class CursorMovedError extends ConflictError {
  constructor(repositoryId: string) {
    super(
      `ingestion cursor of repository ${repositoryId} moved during the run (another replica ingested it)`,
    );
  }
}

/**
 * Compare-and-set on the cursor: a second replica (or a re-run after a
 * crash) that started from an older cursor must not write again.
 */
async function moveCursor(
  tx: Knex.Transaction,
  batch: IngestionBatch,
): Promise<void> {
  const moved = await tx('gitops_repositories')
    .where({ id: batch.repositoryId })
    .andWhere(q =>
      batch.expectedCursor === null
        ? q.whereNull('last_commit_sha')
        : q.where('last_commit_sha', batch.expectedCursor),
    )
    .update({
      last_commit_sha: batch.newCursor,
      commits_ingested: batch.restart
        ? batch.commitCount
        : tx.raw('commits_ingested + ?', [batch.commitCount]),
      ...(batch.pipelineGoodContent !== undefined || batch.restart
        ? { pipeline_good_content: batch.pipelineGoodContent ?? null }
        : {}),
      ...(batch.retroUntilSha !== undefined || batch.restart
        ? { retro_until_sha: batch.retroUntilSha ?? null }
        : {}),
    });
  if (moved !== 1) throw new CursorMovedError(batch.repositoryId);
}
