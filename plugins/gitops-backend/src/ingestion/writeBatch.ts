import type { LoggerService } from '@backstage/backend-plugin-api';
import { databaseMessage, isDataError } from '../database/isDataError';
import type { LedgerStore } from '../database/LedgerStore';
import type { HistoryRewrite } from '../database/rewrittenRollouts';
import type {
  DesiredStateRow,
  NewIngestionErrorRow,
  NewRolloutRow,
} from '../database/tables';

/** What one commit of a batch writes. */
export interface CommitWrite {
  sha: string;
  rollouts: NewRolloutRow[];
  errors: NewIngestionErrorRow[];
  /** Desired states of the keys this commit touched, as of this commit. */
  desiredStates: DesiredStateRow[];
  /** The pipeline file in force after this commit, when this commit changed it. */
  pipelineGoodContent?: string;
  /** See IngestionBatch.retroUntilSha (as of after this commit). */
  retroUntilSha?: string | null;
}

/**
 * Writes a batch of replayed commits with the cursor, in one transaction.
 * When the database refuses the data itself (a row that validation missed),
 * the batch is written again one commit at a time, and a commit whose rows
 * are refused is recorded as an ingestion error with the cursor moving past
 * it: one bad row cannot stall the repository. Any other failure (connection,
 * the cursor moved) is thrown: the next run retries the same batch.
 */
export async function writeBatch(options: {
  store: LedgerStore;
  logger: LoggerService;
  repositoryId: string;
  expectedCursor: string | null;
  commits: CommitWrite[];
  /** Batch-level desired states (the last state of every touched key). */
  desiredStates: DesiredStateRow[];
  pipelineGoodContent?: string;
  restart?: HistoryRewrite;
  /** See IngestionBatch.reingest. */
  reingest?: string;
}): Promise<{ inserted: number }> {
  const { store, repositoryId, commits } = options;
  if (commits.length === 0) return { inserted: 0 };
  try {
    return await store.applyBatch({
      repositoryId,
      expectedCursor: options.expectedCursor,
      newCursor: commits[commits.length - 1].sha,
      commitCount: commits.length,
      rollouts: commits.flatMap(c => c.rollouts),
      desiredStates: options.desiredStates,
      errors: commits.flatMap(c => c.errors),
      pipelineGoodContent: options.pipelineGoodContent,
      restart: options.restart,
      retroUntilSha: commits[commits.length - 1].retroUntilSha,
      reingest: options.reingest,
    });
  } catch (e) {
    if (!isDataError(e)) throw e;
    options.logger.warn(
      `${repositoryId}: the database refused a batch of ${
        commits.length
      } commits (${databaseMessage(e)}); writing them one by one`,
    );
  }

  let cursor = options.expectedCursor;
  let inserted = 0;
  for (const [i, c] of commits.entries()) {
    const base = {
      repositoryId,
      expectedCursor: cursor,
      newCursor: c.sha,
      commitCount: 1,
      pipelineGoodContent: c.pipelineGoodContent,
      restart: i === 0 ? options.restart : undefined,
      reingest: options.reingest,
      retroUntilSha: c.retroUntilSha,
    };
    try {
      inserted += (
        await store.applyBatch({
          ...base,
          rollouts: c.rollouts,
          desiredStates: c.desiredStates,
          errors: c.errors,
        })
      ).inserted;
    } catch (e) {
      if (!isDataError(e)) throw e;
      const message = `not recorded: the database refused this commit's rows: ${databaseMessage(
        e,
      )}`;
      options.logger.warn(`${repositoryId}: commit ${c.sha} ${message}`);
      await store.applyBatch({
        ...base,
        rollouts: [],
        desiredStates: [],
        errors: [
          ...c.errors,
          {
            repository_id: repositoryId,
            commit_sha: c.sha,
            service: '',
            environment: '',
            message,
          },
        ],
      });
    }
    cursor = c.sha;
  }
  return { inserted };
}
