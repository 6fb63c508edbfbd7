import type { StepTypeCatalog } from '../pipeline/parseSteps';
import type { LoggerService } from '@backstage/backend-plugin-api';
import type { SourceError } from '@gitops2/plugin-gitops-common';
import { LedgerStore } from '../database/LedgerStore';
import type { HistoryRewrite } from '../database/rewrittenRollouts';
import {
  GitCommit,
  GitSource,
  OversizedFile,
  StaleRefError,
} from '../git/types';
import { VersionLocatorRegistry } from '../locators/VersionLocatorRegistry';
import { parsePipeline } from '../pipeline/parsePipeline';
import { ParsedPipeline, ServiceEnvironmentSpec } from '../pipeline/types';
import {
  EnvState,
  fromDesiredStateRow,
  stateKey,
  toDesiredStateRow,
} from './envState';
import { CommitReplay, replayCommit } from './replayCommit';
import { CommitWrite, writeBatch } from './writeBatch';

export interface RepositoryIngesterOptions {
  repositoryId: string;
  pipelineFile: string;
  source: GitSource;
  store: LedgerStore;
  locators: VersionLocatorRegistry;
  /** Step types the pipeline file may use (default: the built-in ones). */
  stepTypes?: StepTypeCatalog;
  logger: LoggerService;
  /** Commits written per transaction. */
  batchSize?: number;
  /** Test hook: called after each committed batch. */
  afterBatch?: (info: {
    batch: number;
    cursor: string;
  }) => Promise<void> | void;
}

export interface IngestionResult {
  head: string;
  commits: number;
  rolloutsInserted: number;
}

/**
 * Turns the first-parent history of one GitOps repository into rollouts.
 *
 * Incremental: starts after the last ingested commit. Each batch of commits is
 * written in one transaction together with the cursor (LedgerStore.applyBatch),
 * so a crash or restart in the middle loses nothing, and the unique key on
 * (repository, commit, service, environment) makes any re-run add 0 rows.
 * A commit that cannot be ingested is recorded in gitops_ingestion_errors and
 * skipped; a force-push re-walks the history and marks the rollouts of
 * commits that left it as rewritten.
 */
export class RepositoryIngester {
  private readonly batchSize: number;

  constructor(private readonly options: RepositoryIngesterOptions) {
    this.batchSize = options.batchSize ?? 500;
  }

  async ingest(): Promise<IngestionResult> {
    const { repositoryId, source, store, logger } = this.options;
    await store.ensureRepository(repositoryId);
    const repo = await store.getRepository(repositoryId);
    let cursor = repo?.last_commit_sha ?? null;
    const head = await source.headCommit();

    let commits: GitCommit[];
    let restart: HistoryRewrite | undefined;
    try {
      commits =
        head === cursor
          ? []
          : await source.listCommits({
              since: cursor ?? undefined,
              until: head,
            });
    } catch (e) {
      if (!(e instanceof StaleRefError)) throw e;
      // History was rewritten: walk it again from the root. Rollouts of
      // commits still in the history keep their rows (same sha, same unique
      // key); those of commits that left it are marked rewritten, in the
      // first batch's transaction.
      logger.warn(
        `${repositoryId}: ${e.message}; re-reading the whole history`,
      );
      commits = await source.listCommits({ until: head });
      restart = await this.historyRewrite(commits);
    }

    // The pipeline and states as of the cursor.
    // (After a rewrite the walk restarts from nothing.)
    let goodContent = restart
      ? undefined
      : repo?.pipeline_good_content ?? undefined;
    let pipeline = goodContent ? this.parse(goodContent) : emptyPipeline();
    let pipelineError: SourceError | null = repo?.pipeline_error
      ? JSON.parse(repo.pipeline_error)
      : null;
    const states = new Map<string, EnvState>();
    for (const row of restart
      ? []
      : await store.getDesiredStates(repositoryId)) {
      states.set(
        stateKey(row.service, row.environment),
        fromDesiredStateRow(row),
      );
    }

    let inserted = 0;
    let batchNo = 0;
    for (let start = 0; start < commits.length; start += this.batchSize) {
      const batch = commits.slice(start, start + this.batchSize);
      const touched = new Set<string>();
      const contentBefore = goodContent;
      const portal = await store.portalCommitsAmong(
        repositoryId,
        batch.map(c => c.sha),
      );

      // Phase 1: decide, per commit, which manifests to read. The pipeline
      // file itself is read inline (rare) because it changes what is read.
      const plans: Array<{
        commit: GitCommit;
        specs: ServiceEnvironmentSpec[];
        pipeline: ParsedPipeline;
        /** Set when this commit changed the pipeline in force. */
        goodContent?: string;
      }> = [];
      for (const commit of batch) {
        const changed = commit.changedFiles
          ? new Set(commit.changedFiles)
          : undefined;
        let pipelineChanged = false;
        if (!changed || changed.has(this.options.pipelineFile)) {
          const [content] = await source.readFiles([
            { sha: commit.sha, path: this.options.pipelineFile },
          ]);
          if (content === undefined) {
            if (goodContent !== undefined || changed) {
              pipelineError = {
                message: `pipeline file not found at commit ${commit.sha.slice(
                  0,
                  12,
                )}`,
                file: this.options.pipelineFile,
              };
            }
          } else if (content instanceof OversizedFile) {
            // Like a syntax error: the last good pipeline stays in use.
            pipelineError = {
              message: content.describe('pipeline file'),
              file: this.options.pipelineFile,
            };
          } else if (content !== goodContent) {
            const parsed = this.parse(content);
            if (parsed.fileError) {
              pipelineError = parsed.fileError;
            } else {
              pipeline = parsed;
              goodContent = content;
              pipelineError = null;
              pipelineChanged = true;
            }
          } else {
            pipelineError = null;
          }
        }
        const specs: ServiceEnvironmentSpec[] = [];
        for (const envs of Object.values(pipeline.services)) {
          for (const spec of Object.values(envs)) {
            if ('error' in spec) continue;
            if (pipelineChanged || !changed || changed.has(spec.path))
              specs.push(spec);
          }
        }
        plans.push({
          commit,
          specs,
          pipeline,
          goodContent: pipelineChanged ? goodContent : undefined,
        });
      }

      // Phase 2: one batched read for every manifest of the batch.
      const reads = plans.flatMap(p =>
        p.specs.map(s => ({ sha: p.commit.sha, path: s.path })),
      );
      const contents = await source.readFiles(reads);

      // Phase 3: replay in order; each commit on its own, so one that
      // cannot be replayed is an error of that commit, not of the batch.
      const writes: CommitWrite[] = [];
      let i = 0;
      for (const plan of plans) {
        const { commit } = plan;
        const updates = [];
        for (const spec of plan.specs)
          updates.push({ spec, content: contents[i++] });
        let replay: CommitReplay;
        try {
          replay = replayCommit({
            repositoryId,
            locators: this.options.locators,
            states,
            commit,
            pipeline: plan.pipeline,
            updates,
            writtenByPortal: portal.has(commit.sha.toLowerCase()),
          });
        } catch (e) {
          const message = `commit not ingested: ${
            e instanceof Error ? e.message : String(e)
          }`;
          logger.warn(`${repositoryId}: ${commit.sha}: ${message}`);
          replay = {
            rollouts: [],
            states: new Map(),
            errors: [
              {
                repository_id: repositoryId,
                commit_sha: commit.sha,
                service: '',
                environment: '',
                message,
              },
            ],
          };
        }
        for (const [k, state] of replay.states) {
          states.set(k, state);
          touched.add(k);
        }
        writes.push({
          sha: commit.sha,
          rollouts: replay.rollouts,
          errors: replay.errors,
          desiredStates: [...replay.states].map(([k, s]) =>
            toDesiredStateRow(repositoryId, k, s),
          ),
          pipelineGoodContent: plan.goodContent,
        });
      }

      const last = batch[batch.length - 1].sha;
      const res = await writeBatch({
        store,
        logger,
        repositoryId,
        expectedCursor: cursor,
        commits: writes,
        desiredStates: [...touched].map(k =>
          toDesiredStateRow(repositoryId, k, states.get(k)!),
        ),
        pipelineGoodContent:
          goodContent !== contentBefore ? goodContent : undefined,
        restart: batchNo === 0 ? restart : undefined,
      });
      inserted += res.inserted;
      cursor = last;
      batchNo++;
      await this.options.afterBatch?.({ batch: batchNo, cursor: last });
    }

    // Drop states of services/environments the pipeline no longer lists.
    const live: Array<{ service: string; environment: string }> = [];
    for (const [service, envs] of Object.entries(pipeline.services)) {
      for (const env of Object.keys(envs))
        live.push({ service, environment: env });
    }
    if (goodContent !== undefined)
      await store.deleteDesiredStatesExcept(repositoryId, live);

    await store.finishRun({
      repositoryId,
      at: new Date(),
      pipeline: {
        definition: pipeline.definition,
        services: pipeline.services,
        environmentErrors: pipeline.environmentErrors,
      },
      pipelineError,
      pipelineGoodContent: goodContent,
    });
    if (commits.length > 0) {
      logger.info(
        `${repositoryId}: ingested ${commits.length} commits up to ${head.slice(
          0,
          12,
        )}, ${inserted} new rollouts`,
      );
    }
    return { head, commits: commits.length, rolloutsInserted: inserted };
  }

  /**
   * After a force-push: the commits carrying rollouts that are no longer in
   * the first-parent history `commits`, and those back in it.
   */
  private async historyRewrite(commits: GitCommit[]): Promise<HistoryRewrite> {
    const inHistory = new Set(commits.map(c => c.sha));
    const known = await this.options.store.rolloutCommits(
      this.options.repositoryId,
    );
    return {
      rewrittenShas: known
        .filter(k => !k.rewritten && !inHistory.has(k.sha))
        .map(k => k.sha),
      restoredShas: known
        .filter(k => k.rewritten && inHistory.has(k.sha))
        .map(k => k.sha),
    };
  }

  private parse(content: string): ParsedPipeline {
    return parsePipeline(
      content,
      this.options.pipelineFile,
      this.options.locators,
      this.options.stepTypes,
    );
  }
}

function emptyPipeline(): ParsedPipeline {
  return {
    definition: null,
    services: {},
    environmentErrors: {},
    fileError: null,
  };
}
