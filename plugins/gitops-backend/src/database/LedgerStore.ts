import {
  DatabaseService,
  resolvePackagePath,
} from '@backstage/backend-plugin-api';
import type {
  PipelineDefinition,
  SourceError,
} from '@gitops2/plugin-gitops-common';
import { Knex } from 'knex';
import type { ParsedPipeline } from '../pipeline/types';
import { BackfillPageStore } from '../correlation/backfill/BackfillPageStore';
import { CorrelationStore } from '../correlation/CorrelationStore';
import {
  claimRunLease,
  releaseRunLease,
  renewRunLease,
  runLeaseHolder,
} from './ingestionRunLease';
import { changeSummaries } from '../correlation/changeSummaries';
import type { MergeIntent } from '../git/mergeIntent';
import { isReingestApplied } from './appliedReingests';
import { finishReingest } from './finishReingest';
import {
  applyIngestionBatch,
  CursorMovedError,
  IngestionBatch,
} from './ingestionBatch';
import { listIngestionErrors } from './ingestionErrors';
import { PENDING_LEDGER } from './ledgerTables';
import {
  portalCommitActionOf,
  portalCommitsOfAction,
  portalCommitsAmong,
  recordPortalCommit,
} from './portalCommits';
import {
  portalCommitsOf,
  portalMergeAskedFor,
  recordPortalMergeIntent,
} from './portalMergeIntents';
import {
  beginReingest,
  getReingestRun,
  ReingestRunRow,
  restartReingest,
} from './reingestRuns';
import { rolloutCommits } from './rewrittenRollouts';
import {
  countRollouts,
  listRollouts,
  RolloutQuery,
  setRolloutVerification,
  versionsRanIn,
} from './rolloutQueries';
import {
  DesiredStateRow,
  IngestionErrorRow,
  RepositoryRow,
  RolloutRow,
} from './tables';

export type { IngestionBatch } from './ingestionBatch';
export type { RolloutQuery } from './rolloutQueries';

const migrationsDir = resolvePackagePath(
  '@gitops2/plugin-gitops-backend',
  'migrations',
);

/** The pipeline as ingestion stores it (gitops_repositories.pipeline). */
export interface StoredPipeline {
  definition: PipelineDefinition | null;
  services: ParsedPipeline['services'];
  environmentErrors: Record<string, SourceError>;
}

/**
 * The rollout ledger: ingestion cursors, desired states and rollouts. The
 * facade the rest of the plugin uses; the work is in the modules beside it
 * (ingestionBatch.ts: a batch's atomic write; rolloutQueries.ts: rollout
 * reads; portalCommits.ts / portalMergeIntents.ts: which commits are the
 * portal's; reingestRuns.ts / finishReingest.ts: re-ingests).
 */
export class LedgerStore {
  static async create(options: {
    database: DatabaseService;
  }): Promise<LedgerStore> {
    const knex = await options.database.getClient();
    if (!options.database.migrations?.skip) {
      await knex.migrate.latest({ directory: migrationsDir });
    }
    return new LedgerStore(knex);
  }

  /** For tests: migrate a raw knex client. */
  static async fromKnex(knex: Knex): Promise<LedgerStore> {
    await knex.migrate.latest({ directory: migrationsDir });
    return new LedgerStore(knex);
  }

  constructor(private readonly db: Knex) {}

  /** The correlation tables live in the same database (same migrations). */
  correlationStore(): CorrelationStore {
    return new CorrelationStore(this.db);
  }

  /** The history pages of correlation backfills (same database). */
  backfillPageStore(): BackfillPageStore {
    return new BackfillPageStore(this.db);
  }

  /**
   * The stored pipeline (definition + service entries) of a repository,
   * parsed once per ingestion run: it is megabytes of JSON for a thousand
   * services, too much to read and parse on every page view. Keyed by the
   * cursor and the time of the last finished run, which change whenever the
   * stored pipeline may have changed.
   */
  async getStoredPipeline(id: string): Promise<StoredPipeline | null> {
    const head = await this.db<RepositoryRow>('gitops_repositories')
      .where({ id })
      .first('last_commit_sha', 'last_ingested_at');
    if (!head) return null;
    const key = `${head.last_commit_sha ?? ''}|${String(
      head.last_ingested_at ?? '',
    )}`;
    const cached = this.pipelineCache.get(id);
    if (cached && cached.key === key) return cached.value;
    const row = await this.db<RepositoryRow>('gitops_repositories')
      .where({ id })
      .first('pipeline');
    const value: StoredPipeline | null = row?.pipeline
      ? JSON.parse(row.pipeline)
      : null;
    this.pipelineCache.set(id, { key, value });
    return value;
  }

  private readonly pipelineCache = new Map<
    string,
    { key: string; value: StoredPipeline | null }
  >();

  async getRepository(id: string): Promise<RepositoryRow | undefined> {
    return this.db<RepositoryRow>('gitops_repositories').where({ id }).first();
  }

  async listRepositories(): Promise<RepositoryRow[]> {
    return this.db<RepositoryRow>('gitops_repositories').orderBy('id');
  }

  async ensureRepository(id: string): Promise<void> {
    await this.db('gitops_repositories')
      .insert({ id, commits_ingested: 0 })
      .onConflict('id')
      .ignore();
  }

  /** Takes the repository for one ingestion run (ingestionRunLease.ts); false when another run holds it. */
  claimIngestionRun(
    repositoryId: string,
    holder: string,
    now: number,
    ttlMs: number,
  ): Promise<boolean> {
    return claimRunLease(this.db, repositoryId, holder, now, ttlMs);
  }

  renewIngestionRun(
    repositoryId: string,
    holder: string,
    now: number,
    ttlMs: number,
  ): Promise<boolean> {
    return renewRunLease(this.db, repositoryId, holder, now, ttlMs);
  }

  releaseIngestionRun(repositoryId: string, holder: string): Promise<void> {
    return releaseRunLease(this.db, repositoryId, holder);
  }

  ingestionRunHolder(repositoryId: string): Promise<string | undefined> {
    return runLeaseHolder(this.db, repositoryId);
  }

  async getDesiredStates(
    repositoryId: string,
    service?: string,
  ): Promise<DesiredStateRow[]> {
    const q = this.db<DesiredStateRow>('gitops_desired_states').where({
      repository_id: repositoryId,
    });
    if (service) q.andWhere({ service });
    return q.orderBy(['service', 'environment']);
  }

  /** One ingestion batch, atomically with its cursor (ingestionBatch.ts). */
  async applyBatch(batch: IngestionBatch): Promise<{ inserted: number }> {
    return applyIngestionBatch(this.db, batch);
  }

  /** The re-ingest of a repository in progress, if any. */
  async getReingestRun(
    repositoryId: string,
  ): Promise<ReingestRunRow | undefined> {
    return getReingestRun(this.db, repositoryId);
  }

  /**
   * Starts the re-ingest of `value`, or returns the one in progress (to be
   * finished first); undefined when `value` was applied meanwhile
   * (reingestRuns.ts).
   */
  async beginReingest(
    repositoryId: string,
    value: string,
  ): Promise<ReingestRunRow | undefined> {
    return beginReingest(this.db, repositoryId, value);
  }

  /** Starts a re-ingest in progress again from the root (force-push under it). */
  async restartReingest(run: ReingestRunRow): Promise<ReingestRunRow> {
    return restartReingest(this.db, run);
  }

  /** Whether a `reingest` value was applied to a repository, now or before. */
  async isReingestApplied(
    repositoryId: string,
    value: string,
  ): Promise<boolean> {
    return isReingestApplied(this.db, repositoryId, value);
  }

  /** Desired states a re-ingest in progress wrote so far (to resume it). */
  async getPendingDesiredStates(
    repositoryId: string,
  ): Promise<DesiredStateRow[]> {
    return this.db<DesiredStateRow>(PENDING_LEDGER.desiredStates)
      .where({ repository_id: repositoryId })
      .orderBy(['service', 'environment']);
  }

  /** Makes a re-ingest current, at once (finishReingest.ts). */
  async finishReingest(
    options: Parameters<typeof finishReingest>[1],
  ): Promise<void> {
    await finishReingest(this.db, options);
  }

  /** Commits of a repository that could not be ingested, newest first. */
  async listIngestionErrors(
    repositoryId: string,
    options: { limit: number },
  ): Promise<{ rows: IngestionErrorRow[]; total: number }> {
    return listIngestionErrors(this.db, repositoryId, options.limit);
  }

  /**
   * Records that the portal itself wrote commit `sha` (a promotion or
   * rollback commit, or the merge commit of its pull request). Only these
   * commits' `Gitops-Kind`, `Gitops-Action` and `Gitops-Initiator` trailers
   * are trusted by ingestion, so record them before ingestion reads them.
   * Idempotent.
   */
  async recordPortalCommit(
    repositoryId: string,
    sha: string,
    actionId?: string,
  ): Promise<void> {
    await recordPortalCommit(this.db, repositoryId, sha, actionId);
  }

  /** Which of `shas` the portal wrote (see recordPortalCommit). */
  async portalCommitsAmong(
    repositoryId: string,
    shas: string[],
  ): Promise<Set<string>> {
    return portalCommitsAmong(this.db, repositoryId, shas);
  }

  /**
   * Records a merge the portal is about to ask a Git host for (GitHub makes
   * the merge commit, so its sha is not known yet): ingestion trusts the
   * merge commit that matches it (parents and message). Idempotent.
   */
  async recordPortalMergeIntent(
    repositoryId: string,
    intent: MergeIntent,
    actionId?: string,
  ): Promise<void> {
    await recordPortalMergeIntent(this.db, repositoryId, intent, actionId);
  }

  /**
   * Which of `commits` are the portal's: recorded by sha, or merge commits
   * that match a recorded merge intent.
   */
  async portalCommitsOf(
    repositoryId: string,
    commits: Array<{
      sha: string;
      parents: string[];
      message: string;
      treeSha?: string;
    }>,
  ): Promise<Set<string>> {
    return portalCommitsOf(this.db, repositoryId, commits);
  }

  /** The action a commit was written for, when the portal wrote it. */
  async portalCommitActionOf(
    repositoryId: string,
    sha: string,
  ): Promise<string | null | undefined> {
    return portalCommitActionOf(this.db, repositoryId, sha);
  }

  /** Whether the portal asked the Git host to merge for an action. */
  async portalMergeAskedFor(
    repositoryId: string,
    actionId: string,
  ): Promise<boolean> {
    return portalMergeAskedFor(this.db, repositoryId, actionId);
  }

  /** The commits the portal wrote for an action. */
  async portalCommitsOfAction(
    repositoryId: string,
    actionId: string,
  ): Promise<string[]> {
    return portalCommitsOfAction(this.db, repositoryId, actionId);
  }

  /** The GitOps commits that carry rollouts, and whether they were rewritten. */
  async rolloutCommits(
    repositoryId: string,
  ): Promise<Array<{ sha: string; rewritten: boolean }>> {
    return rolloutCommits(this.db, repositoryId);
  }

  /** Replaces the desired states of a repository that no longer exist. */
  /**
   * The end of a run: the pipeline it read, no error, and the desired states
   * of services and environments that pipeline no longer lists dropped
   * (`keep`: those it lists; undefined: none dropped). With
   * `expectedCursor`, all of it only when the cursor is still where this
   * run left it (one transaction): a run that lost its repository to
   * another replica must not write its older pipeline over that replica's
   * (CursorMovedError).
   */
  async finishRun(options: {
    repositoryId: string;
    at: Date;
    pipeline: unknown;
    pipelineError: unknown | null;
    pipelineGoodContent?: string;
    expectedCursor?: string | null;
    keep?: Array<{ service: string; environment: string }>;
  }): Promise<void> {
    const { repositoryId, expectedCursor, keep } = options;
    const update: Record<string, unknown> = {
      last_ingested_at: options.at,
      last_error: null,
      pipeline: JSON.stringify(options.pipeline),
      pipeline_error: options.pipelineError
        ? JSON.stringify(options.pipelineError)
        : null,
    };
    if (options.pipelineGoodContent !== undefined) {
      update.pipeline_good_content = options.pipelineGoodContent;
    }
    await this.db.transaction(async tx => {
      const updated = await tx('gitops_repositories')
        .where({ id: repositoryId })
        .andWhere(q => {
          if (expectedCursor === null) q.whereNull('last_commit_sha');
          else if (expectedCursor !== undefined)
            q.where('last_commit_sha', expectedCursor);
        })
        .update(update);
      if (updated !== 1) {
        if (expectedCursor !== undefined)
          throw new CursorMovedError(repositoryId);
        return;
      }
      if (!keep) return;
      const keepKeys = new Set(
        keep.map(k => `${k.service}\u0000${k.environment}`),
      );
      const rows: Array<{ service: string; environment: string }> = await tx(
        'gitops_desired_states',
      )
        .where({ repository_id: repositoryId })
        .select('service', 'environment');
      for (const r of rows) {
        if (keepKeys.has(`${r.service}\u0000${r.environment}`)) continue;
        await tx('gitops_desired_states')
          .where({
            repository_id: repositoryId,
            service: r.service,
            environment: r.environment,
          })
          .delete();
      }
    });
  }

  /**
   * Records why an ingestion run failed, only while `holder` (the run's
   * lease token) holds the repository: a run that lost it to another replica
   * does not put its error over that replica's state. False when not recorded.
   */
  async recordFailure(
    repositoryId: string,
    error: unknown,
    holder: string,
  ): Promise<boolean> {
    const n = await this.db('gitops_repositories')
      .where({ id: repositoryId, run_holder: holder })
      .update({ last_error: JSON.stringify(error) });
    return n === 1;
  }

  /** Rollouts, newest first, with the total (rolloutQueries.ts). */
  async listRollouts(
    options: RolloutQuery,
  ): Promise<{ rows: RolloutRow[]; total: number }> {
    return listRollouts(this.db, options);
  }

  /** What each rollout carried, at a glance (two queries for the page). */
  changeSummaries(ids: Array<string | number>) {
    return changeSummaries(this.db, ids);
  }

  async getRollout(id: string): Promise<RolloutRow | undefined> {
    return this.db<RolloutRow>('gitops_rollouts').where({ id }).first();
  }

  async countRollouts(repositoryId?: string): Promise<number> {
    return countRollouts(this.db, repositoryId);
  }

  /** The versions a service ran in an environment (rolloutQueries.ts). */
  async versionsRanIn(
    repositoryId: string,
    service: string,
    environment: string,
  ): Promise<Array<{ version: string; lastSetAt: string }>> {
    return versionsRanIn(this.db, repositoryId, service, environment);
  }

  /** The deployment steps' verdict on a rollout (rolloutQueries.ts). */
  async setRolloutVerification(
    repositoryId: string,
    service: string,
    environment: string,
    version: string,
    outcome: 'verified' | 'failed',
    detail?: string,
    /** Only a rollout of a commit this action wrote. */
    actionId?: string,
  ): Promise<boolean> {
    return setRolloutVerification(
      this.db,
      repositoryId,
      service,
      environment,
      version,
      outcome,
      detail,
      actionId,
    );
  }
}
