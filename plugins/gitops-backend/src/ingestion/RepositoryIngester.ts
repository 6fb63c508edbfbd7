import type { StepTypeCatalog } from '../pipeline/parseSteps';
import type { LoggerService } from '@backstage/backend-plugin-api';
import type { SourceError } from '@gitops2/plugin-gitops-common';
import { LedgerStore } from '../database/LedgerStore';
import type { DesiredStateRow } from '../database/tables';
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
import type { ExternalPipeline } from '../pipeline/pipelineLocation';
import { findAdoption, historyWindow } from './findAdoption';
import { CommitReplay, replayCommit } from './replayCommit';
import { HistoryWalk } from './HistoryWalk';
import { CommitWrite, writeBatch } from './writeBatch';
import { CursorMovedError } from '../database/ingestionBatch';
import { RunLeaseLostError } from './RunLease';

export interface RepositoryIngesterOptions {
  repositoryId: string;
  pipelineFile: string;
  source: GitSource;
  store: LedgerStore;
  locators: VersionLocatorRegistry;
  /** Step types the pipeline file may use (default: the built-in ones). */
  stepTypes?: StepTypeCatalog;
  logger: LoggerService;
  /** Commits written per transaction (and read per page of history). */
  batchSize?: number;
  /**
   * At most this many commits before the pipeline first appeared are read
   * with it (`gitops.ingestion.maxHistoryCommits`, default 20,000; 0: none).
   */
  maxHistoryCommits?: number;
  /**
   * `gitops.repositories[].reingest`: when this value was never applied to
   * the repository, the next run walks the history again from the root into a
   * pending ledger, made current at once at its end (docs/pipeline.md).
   */
  reingest?: string;
  /**
   * A pipeline defined outside the repository (`pipeline` or
   * `pipelineFrom`): the pipeline file of the repository is not read, and
   * the whole history is read with this pipeline.
   */
  externalPipeline?: ExternalPipeline;
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
 * commits that left it as rewritten. A re-ingest writes aside (the pending
 * ledger, with its own cursor) and replaces the current ledger in one
 * transaction at its end: readers never see a part of it.
 */
export class RepositoryIngester {
  private readonly batchSize: number;
  private readonly maxHistoryCommits: number;
  private warnedLegacy = false;

  private readonly walk: HistoryWalk;

  constructor(private readonly options: RepositoryIngesterOptions) {
    this.batchSize = options.batchSize ?? 500;
    this.maxHistoryCommits = options.maxHistoryCommits ?? 20_000;
    this.walk = new HistoryWalk({ ...options, batchSize: this.batchSize });
  }

  /**
   * `lease`: the run's lease on the repository (IngestionManager), checked
   * before each batch is read and before each write; its error stops the run.
   */
  async ingest(lease?: {
    assertHeld(): Promise<void>;
  }): Promise<IngestionResult> {
    const written: IngestionResult = {
      head: '',
      commits: 0,
      rolloutsInserted: 0,
    };
    try {
      return await this.run(written, lease);
    } catch (e) {
      // Another replica took the repository (a lease found lost, a write
      // refused by the cursor's compare-and-set): the run stops, saying
      // what it had written.
      if (!(e instanceof RunLeaseLostError || e instanceof CursorMovedError))
        throw e;
      const lost =
        e instanceof RunLeaseLostError
          ? e
          : new RunLeaseLostError(
              `ingestion run of ${this.options.repositoryId} stopped: ${e.message}`,
            );
      lost.written = written;
      throw lost;
    }
  }

  private async run(
    written: IngestionResult,
    lease?: { assertHeld(): Promise<void> },
  ): Promise<IngestionResult> {
    const { repositoryId, source, store, logger } = this.options;
    const held = async () => lease?.assertHeld();
    await store.ensureRepository(repositoryId);
    const repo = await store.getRepository(repositoryId);
    const head = await source.headCommit();
    written.head = head;
    const legacy = !!repo?.legacy_history;
    // A re-ingest is written aside (the pending ledger, with its own cursor)
    // and made current at once at its end: readers never see a part of it.
    let run = await this.walk.reingestRun();
    const reingest = run?.value;
    let cursor = run ? run.last_commit_sha : repo?.last_commit_sha ?? null;

    let restart: HistoryRewrite | undefined;
    let walkSince: string | undefined = cursor ?? undefined;
    let firstPage: GitCommit[] | undefined;
    if (cursor !== null && head !== cursor) {
      try {
        firstPage = await source.listCommits({
          since: cursor,
          until: head,
          limit: this.batchSize,
        });
      } catch (e) {
        if (!(e instanceof StaleRefError)) throw e;
        logger.warn(
          `${repositoryId}: ${e.message}; re-reading the whole history`,
        );
        walkSince = undefined;
        if (run) {
          // Under a re-ingest: it starts again from the root.
          run = await store.restartReingest(run);
          cursor = null;
        } else {
          // History was rewritten: walk it again from the root. Rollouts of
          // commits still in the history keep their rows (same sha, same
          // unique key); those of commits that left it are marked
          // rewritten, in the first batch's transaction.
          restart = await this.walk.historyRewrite(head);
        }
      }
    }
    const fromRoot = cursor === null || restart !== undefined;

    // The pipeline and states as of the cursor.
    // (After a rewrite the walk restarts from nothing.)
    const resumed = fromRoot ? undefined : run ?? repo;
    let goodContent = resumed?.pipeline_good_content ?? undefined;
    let pipeline = goodContent ? this.parse(goodContent) : emptyPipeline();
    let pipelineError: SourceError | null = repo?.pipeline_error
      ? JSON.parse(repo.pipeline_error)
      : null;
    /** Commits before this one are read with the pipeline it brought. */
    let retroUntil: string | undefined = resumed?.retro_until_sha ?? undefined;
    let readAllFirst = false;
    let persistFirst = false;
    const external = this.options.externalPipeline;
    const storedContent = goodContent;
    if (external) {
      // Defined outside the repository: it applies to the whole history;
      // a change of it applies from the next commit on (every manifest is
      // read again there, as for a commit changing a pipeline file).
      const content = await external.read();
      if (typeof content !== 'string') {
        pipelineError = {
          message:
            content === undefined
              ? `the pipeline ${external.label} cannot be read`
              : content.describe('pipeline file'),
          file: external.label,
        };
      } else if (content !== goodContent) {
        const parsed = this.parse(content);
        if (parsed.fileError) {
          pipelineError = parsed.fileError;
        } else {
          pipeline = parsed;
          goodContent = content;
          pipelineError = null;
          readAllFirst = true;
          persistFirst = true;
        }
      } else {
        pipelineError = null;
      }
      if (goodContent === undefined) {
        // Never read with a good pipeline: the cursor stays where it is, so
        // nothing of the history is skipped (fail closed, said in the run's
        // error).
        throw new Error(
          `${pipelineError?.message ?? 'no pipeline'} (${external.label})`,
        );
      }
      if (fromRoot) {
        const window = await historyWindow({
          source,
          until: head,
          maxCommits: this.maxHistoryCommits,
          pageSize: this.batchSize,
        });
        walkSince = window.since;
        if (window.skipped > 0)
          logger.info(
            `${repositoryId}: reading the last ${window.read} commits with the pipeline ${external.label}, not the ${window.skipped} older ones (gitops.ingestion.maxHistoryCommits: ${this.maxHistoryCommits})`,
          );
      }
    } else if (fromRoot && (!legacy || reingest !== undefined)) {
      // A ledger written before pipelines applied to earlier history starts
      // at the pipeline's first commit: older rollouts appended now would
      // come after newer ones. Its past waits for a re-ingest.
      const adoption = await findAdoption({
        source,
        until: head,
        pipelineFile: this.options.pipelineFile,
        parse: c => this.parse(c),
        maxCommits: this.maxHistoryCommits,
        pageSize: this.batchSize,
      });
      if (adoption && (adoption.before > 0 || adoption.since)) {
        goodContent = adoption.content;
        pipeline = adoption.pipeline;
        retroUntil = adoption.before > 0 ? adoption.sha : undefined;
        walkSince = adoption.since;
        readAllFirst = adoption.since !== undefined;
        persistFirst = true;
        logger.info(
          `${repositoryId}: the pipeline file first appeared at ${adoption.sha.slice(
            0,
            12,
          )}; reading the ${
            adoption.before
          } commits before it with that pipeline${
            adoption.skipped
              ? `, not the ${adoption.skipped} older ones (gitops.ingestion.maxHistoryCommits: ${this.maxHistoryCommits})`
              : ''
          }`,
        );
      }
    }
    if (legacy && reingest === undefined && !this.warnedLegacy) {
      this.warnedLegacy = true;
      logger.warn(
        `${repositoryId}: this repository was ingested before pipelines applied to earlier history; its rollouts before the pipeline file first appeared are not read until a re-ingest (gitops.repositories[].reingest, docs/pipeline.md)`,
      );
    }
    const tracksRetro = retroUntil !== undefined;
    const states = new Map<string, EnvState>();
    let stored: DesiredStateRow[] = [];
    if (!fromRoot)
      stored = run
        ? await store.getPendingDesiredStates(repositoryId)
        : await store.getDesiredStates(repositoryId);
    for (const row of stored) {
      states.set(
        stateKey(row.service, row.environment),
        fromDesiredStateRow(row),
      );
    }

    let commitCount = 0;
    let inserted = 0;
    let batchNo = 0;
    for await (const batch of this.walk.pages(walkSince, head, firstPage)) {
      await held();
      commitCount += batch.length;
      const touched = new Set<string>();
      const contentBefore = goodContent;
      const portal = await store.portalCommitsOf(repositoryId, batch);

      // Phase 1: decide, per commit, which manifests to read. The pipeline
      // file itself is read inline (rare) because it changes what is read.
      const plans: Array<{
        commit: GitCommit;
        specs: ServiceEnvironmentSpec[];
        pipeline: ParsedPipeline;
        /** Set when this commit changed the pipeline in force. */
        goodContent?: string;
        retro: boolean;
        retroUntilSha?: string | null;
      }> = [];
      for (const [index, commit] of batch.entries()) {
        const changed = commit.changedFiles
          ? new Set(commit.changedFiles)
          : undefined;
        // The first commit of a walk that starts after the root reads every
        // manifest (nothing before it was read).
        const readAll = readAllFirst && batchNo === 0 && index === 0;
        const retro =
          !!external || (retroUntil !== undefined && commit.sha !== retroUntil);
        if (commit.sha === retroUntil) retroUntil = undefined;
        let pipelineChanged = false;
        if (
          !retro &&
          (!changed || readAll || changed.has(this.options.pipelineFile))
        ) {
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
            if (
              pipelineChanged ||
              readAll ||
              !changed ||
              changed.has(spec.path)
            )
              specs.push(spec);
          }
        }
        plans.push({
          commit,
          specs,
          pipeline,
          goodContent:
            pipelineChanged || (persistFirst && batchNo === 0 && index === 0)
              ? goodContent
              : undefined,
          retro,
          retroUntilSha: tracksRetro ? retroUntil ?? null : undefined,
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
            notDeployedWhenMissing: plan.retro,
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
          retroUntilSha: plan.retroUntilSha,
        });
      }

      const last = batch[batch.length - 1].sha;
      await held();
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
          goodContent !== contentBefore || (persistFirst && batchNo === 0)
            ? goodContent
            : undefined,
        restart: batchNo === 0 ? restart : undefined,
        reingest,
      });
      inserted += res.inserted;
      written.commits += batch.length;
      written.rolloutsInserted = inserted;
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
    const finished = {
      repositoryId,
      at: new Date(),
      pipeline: {
        definition: pipeline.definition,
        services: pipeline.services,
        environmentErrors: pipeline.environmentErrors,
      },
      pipelineError,
      // An external pipeline that changed is remembered once a commit was
      // read with it (until then, the next run reads every manifest again).
      pipelineGoodContent:
        external && commitCount === 0 ? storedContent : goodContent,
    };
    await held();
    if (run) {
      await store.finishReingest({
        ...finished,
        value: run.value,
        expectedCursor: cursor,
        keep: goodContent !== undefined ? live : undefined,
      });
      logger.info(
        `${repositoryId}: re-ingest done (gitops.repositories[].reingest: ${run.value}); the re-ingested ledger is current`,
      );
    } else {
      await store.finishRun({
        ...finished,
        expectedCursor: cursor,
        keep: goodContent !== undefined ? live : undefined,
      });
    }
    if (commitCount > 0) {
      logger.info(
        `${repositoryId}: ingested ${commitCount} commits up to ${head.slice(
          0,
          12,
        )}, ${inserted} new rollouts`,
      );
    }
    return { head, commits: commitCount, rolloutsInserted: inserted };
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
