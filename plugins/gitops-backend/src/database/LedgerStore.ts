import {
  DatabaseService,
  resolvePackagePath,
} from '@backstage/backend-plugin-api';
import { ConflictError } from '@backstage/errors';
import type {
  PipelineDefinition,
  SourceError,
} from '@gitops2/plugin-gitops-common';
import { Knex } from 'knex';
import type { ParsedPipeline } from '../pipeline/types';
import { CorrelationStore } from '../correlation/CorrelationStore';
import { insertIngestionErrors, listIngestionErrors } from './ingestionErrors';
import { nextDesiredAtColumn } from './rolloutSuccession';
import { changeSummaries } from '../correlation/changeSummaries';
import {
  portalCommitActionOf,
  portalCommitsAmong,
  recordPortalCommit,
} from './portalCommits';
import {
  applyHistoryRewrite,
  HistoryRewrite,
  restoreIngested,
  rolloutCommits,
} from './rewrittenRollouts';
import {
  DesiredStateRow,
  IngestionErrorRow,
  NewIngestionErrorRow,
  NewRolloutRow,
  RepositoryRow,
  RolloutRow,
} from './tables';
import {
  markRolledBack,
  outcomeDetail,
  unmarkRolledBack,
} from './rolledBackRollouts';

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
}

/**
 * The rollout ledger: ingestion cursors, desired states and rollouts.
 * All writes of one ingestion batch happen in one transaction together with
 * the cursor move, so a crash loses nothing and a re-run duplicates nothing.
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

  async applyBatch(batch: IngestionBatch): Promise<{ inserted: number }> {
    return this.db.transaction(async tx => {
      // Compare-and-set on the cursor: a second replica (or a re-run after a
      // crash) that started from an older cursor must not write again.
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
        });
      if (moved !== 1) {
        throw new ConflictError(
          `ingestion cursor of repository ${batch.repositoryId} moved during the run (another replica ingested it)`,
        );
      }
      if (batch.restart) {
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
      await insertIngestionErrors(tx, batch.errors ?? []);
      let inserted = 0;
      // Chunks keep SQLite under its bound-variable limit.
      for (let i = 0; i < batch.rollouts.length; i += 50) {
        const chunk = batch.rollouts.slice(i, i + 50);
        const rows = await tx('gitops_rollouts')
          .insert(chunk)
          .onConflict(['repository_id', 'commit_sha', 'service', 'environment'])
          .ignore()
          .returning('id');
        inserted += rows.length;
      }
      const batchShas = [...new Set(batch.rollouts.map(r => r.commit_sha))];
      await restoreIngested(tx, batch.repositoryId, batchShas);
      await markRolledBack(tx, batch.repositoryId, [
        ...new Set([...(batch.restart?.restoredShas ?? []), ...batchShas]),
      ]);
      for (let i = 0; i < batch.desiredStates.length; i += 50) {
        await tx('gitops_desired_states')
          .insert(batch.desiredStates.slice(i, i + 50))
          .onConflict(['repository_id', 'service', 'environment'])
          .merge();
      }
      return { inserted };
    });
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

  /** The action a commit was written for, when the portal wrote it. */
  async portalCommitActionOf(
    repositoryId: string,
    sha: string,
  ): Promise<string | null | undefined> {
    return portalCommitActionOf(this.db, repositoryId, sha);
  }

  /** The GitOps commits that carry rollouts, and whether they were rewritten. */
  async rolloutCommits(
    repositoryId: string,
  ): Promise<Array<{ sha: string; rewritten: boolean }>> {
    return rolloutCommits(this.db, repositoryId);
  }

  /** Replaces the desired states of a repository that no longer exist. */
  async deleteDesiredStatesExcept(
    repositoryId: string,
    keep: Array<{ service: string; environment: string }>,
  ): Promise<void> {
    const keepKeys = new Set(
      keep.map(k => `${k.service}\u0000${k.environment}`),
    );
    const rows = await this.getDesiredStates(repositoryId);
    const gone = rows.filter(
      r => !keepKeys.has(`${r.service}\u0000${r.environment}`),
    );
    for (const r of gone) {
      await this.db('gitops_desired_states')
        .where({
          repository_id: repositoryId,
          service: r.service,
          environment: r.environment,
        })
        .delete();
    }
  }

  async finishRun(options: {
    repositoryId: string;
    at: Date;
    pipeline: unknown;
    pipelineError: unknown | null;
    pipelineGoodContent?: string;
  }): Promise<void> {
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
    await this.db('gitops_repositories')
      .where({ id: options.repositoryId })
      .update(update);
  }

  async recordFailure(repositoryId: string, error: unknown): Promise<void> {
    await this.db('gitops_repositories')
      .where({ id: repositoryId })
      .update({ last_error: JSON.stringify(error) });
  }

  async listRollouts(options: {
    repositoryId?: string;
    service?: string;
    environment?: string;
    /** promotion | rollback | direct */
    kind?: string;
    /** Desired at or after (ISO 8601). */
    since?: string;
    /** Desired before (ISO 8601). */
    until?: string;
    limit: number;
    before?: string;
    /** Only these services (catalog visibility); none visible: no rows. */
    services?: Array<{ repositoryId: string; service: string }>;
    /**
     * Also the rollouts whose GitOps commit left the branch history
     * (`rewritten_at` set): the history view shows them flagged; everything
     * that reasons about what Git asks for now leaves them out.
     */
    includeRewritten?: boolean;
    /** Also select `next_desired_at` (to present outcomes). */
    withSuccession?: boolean;
  }): Promise<{ rows: RolloutRow[]; total: number }> {
    if (options.services && options.services.length === 0)
      return { rows: [], total: 0 };
    const base = () => {
      const q = this.db<RolloutRow>('gitops_rollouts as r');
      if (options.services) {
        const byRepo = new Map<string, string[]>();
        for (const s of options.services)
          byRepo.set(s.repositoryId, [
            ...(byRepo.get(s.repositoryId) ?? []),
            s.service,
          ]);
        q.where(outer => {
          for (const [repositoryId, names] of byRepo) {
            outer.orWhere(inner =>
              inner
                .where({ repository_id: repositoryId })
                .whereIn('service', names),
            );
          }
        });
      }
      if (!options.includeRewritten) q.whereNull('rewritten_at');
      if (options.repositoryId)
        q.where({ repository_id: options.repositoryId });
      if (options.service) q.where({ service: options.service });
      if (options.environment) q.andWhere({ environment: options.environment });
      if (options.kind) q.andWhere({ kind: options.kind });
      if (options.since)
        q.andWhere('desired_at', '>=', new Date(options.since));
      if (options.until) q.andWhere('desired_at', '<', new Date(options.until));
      return q;
    };
    const page = base();
    if (options.withSuccession)
      page.select('r.*', nextDesiredAtColumn(this.db, 'r'));
    if (options.before) page.andWhere('id', '<', options.before);
    const rows = await page.orderBy('id', 'desc').limit(options.limit);
    const [{ count }] = await base().count({ count: '*' });
    return { rows, total: Number(count) };
  }

  /** What each rollout carried, at a glance (two queries for the page). */
  changeSummaries(ids: Array<string | number>) {
    return changeSummaries(this.db, ids);
  }

  async getRollout(id: string): Promise<RolloutRow | undefined> {
    return this.db<RolloutRow>('gitops_rollouts').where({ id }).first();
  }

  async countRollouts(repositoryId?: string): Promise<number> {
    const q = this.db('gitops_rollouts');
    if (repositoryId) q.where({ repository_id: repositoryId });
    const [{ count }] = await q.count({ count: '*' });
    return Number(count);
  }

  /**
   * The versions a service ran in an environment according to the ledger,
   * each with the last time it was set there (what a rollback may restore).
   */
  async versionsRanIn(
    repositoryId: string,
    service: string,
    environment: string,
  ): Promise<Array<{ version: string; lastSetAt: string }>> {
    const rows = await this.db('gitops_rollouts')
      .where({ repository_id: repositoryId, service, environment })
      .groupBy('to_version')
      .select('to_version')
      .max({ last: 'desired_at' });
    return rows.map((r: any) => ({
      version: r.to_version,
      lastSetAt: new Date(r.last).toISOString(),
    }));
  }

  /**
   * Records what the deployment steps found on the latest rollout of a
   * version in an environment: `verified`, or `failed` (a step failed, said
   * in `detail`). A rollout already `rolled-back` stays so. False when the
   * ledger has no such rollout (not ingested yet).
   */
  async setRolloutVerification(
    repositoryId: string,
    service: string,
    environment: string,
    version: string,
    outcome: 'verified' | 'failed',
    detail?: string,
  ): Promise<boolean> {
    const latest = await this.db('gitops_rollouts')
      .where({
        repository_id: repositoryId,
        service,
        environment,
        to_version: version,
      })
      .whereNull('rewritten_at')
      .orderBy('id', 'desc')
      .first('id', 'outcome');
    if (!latest) return false;
    const detailColumn = {
      outcome_detail: detail ? outcomeDetail(detail) : null,
    };
    // Already rolled back: that stays; the verification is what it was before.
    await this.db('gitops_rollouts')
      .where({ id: latest.id })
      .update(
        latest.outcome === 'rolled-back'
          ? { outcome_before_rollback: outcome, ...detailColumn }
          : { outcome, ...detailColumn },
      );
    return true;
  }
}
