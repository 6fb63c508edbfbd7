import type { LoggerService } from '@backstage/backend-plugin-api';
import type { SourceError } from '@gitops2/plugin-gitops-common';
import { LedgerStore } from '../database/LedgerStore';
import { DesiredStateRow, NewRolloutRow } from '../database/tables';
import {
  FileContent,
  GitCommit,
  GitSource,
  OversizedFile,
  StaleRefError,
} from '../git/types';
import { VersionLocatorRegistry } from '../locators/VersionLocatorRegistry';
import { parsePipeline } from '../pipeline/parsePipeline';
import { ParsedPipeline, ServiceEnvironmentSpec } from '../pipeline/types';
import { classifyRollout, parseTrailers } from './classifyRollout';

export interface RepositoryIngesterOptions {
  repositoryId: string;
  pipelineFile: string;
  source: GitSource;
  store: LedgerStore;
  locators: VersionLocatorRegistry;
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

/** Per (service, environment) state carried through the history walk. */
interface EnvState {
  version: string | null;
  file: string;
  line: number | null;
  error: SourceError | null;
  change?: {
    sha: string;
    at: string;
    author: string;
    email: string;
    subject: string;
  };
}

const key = (service: string, env: string) => `${service}\u0000${env}`;

/**
 * Turns the first-parent history of one GitOps repository into rollouts.
 *
 * Incremental: starts after the last ingested commit. Each batch of commits is
 * written in one transaction together with the cursor (LedgerStore.applyBatch),
 * so a crash or restart in the middle loses nothing, and the unique key on
 * (repository, commit, service, environment) makes any re-run add 0 rows.
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
    let rewalk = false;
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
      // History was rewritten: walk it again from the root. Rollouts already
      // recorded stay (the ledger keeps history); unchanged ones are not
      // duplicated thanks to the unique key.
      logger.warn(
        `${repositoryId}: ${e.message}; re-reading the whole history`,
      );
      commits = await source.listCommits({ until: head });
      rewalk = true;
    }

    // The pipeline and states as of the cursor.
    // (After a rewrite the walk restarts from nothing.)
    let goodContent = rewalk
      ? undefined
      : repo?.pipeline_good_content ?? undefined;
    let pipeline = goodContent ? this.parse(goodContent) : emptyPipeline();
    let pipelineError: SourceError | null = repo?.pipeline_error
      ? JSON.parse(repo.pipeline_error)
      : null;
    const states = new Map<string, EnvState>();
    for (const row of rewalk
      ? []
      : await store.getDesiredStates(repositoryId)) {
      states.set(key(row.service, row.environment), {
        version: row.version,
        file: row.file,
        line: row.line,
        error: row.error ? JSON.parse(row.error) : null,
        change: row.change_sha
          ? {
              sha: row.change_sha,
              at: new Date(row.change_at as any).toISOString(),
              author: row.change_author ?? '',
              email: row.change_author_email ?? '',
              subject: row.change_subject ?? '',
            }
          : undefined,
      });
    }

    let inserted = 0;
    let batchNo = 0;
    for (let start = 0; start < commits.length; start += this.batchSize) {
      const batch = commits.slice(start, start + this.batchSize);
      const rollouts: NewRolloutRow[] = [];
      const touched = new Set<string>();
      const contentBefore = goodContent;

      // Phase 1: decide, per commit, which manifests to read. The pipeline
      // file itself is read inline (rare) because it changes what is read.
      const plans: Array<{
        commit: GitCommit;
        specs: ServiceEnvironmentSpec[];
        pipeline: ParsedPipeline;
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
        plans.push({ commit, specs, pipeline });
      }

      // Phase 2: one batched read for every manifest of the batch.
      const reads = plans.flatMap(p =>
        p.specs.map(s => ({ sha: p.commit.sha, path: s.path })),
      );
      const contents = await source.readFiles(reads);

      // Phase 3: replay in order.
      let i = 0;
      for (const plan of plans) {
        const { commit } = plan;
        const subject = commit.message.split('\n')[0];
        const trailers = parseTrailers(commit.message);
        const updates: Array<{
          spec: ServiceEnvironmentSpec;
          content: FileContent;
        }> = [];
        for (const spec of plan.specs)
          updates.push({ spec, content: contents[i++] });

        // Versions of the previous stage as of this commit (including its own
        // changes, so a commit that bumps staging and prod together still
        // reads as a promotion).
        const pending = new Map<
          string,
          {
            version: string | null;
            line: number | null;
            error: SourceError | null;
            file: string;
          }
        >();
        for (const { spec, content } of updates) {
          if (typeof content !== 'string') {
            pending.set(key(spec.service, spec.environment), {
              version: null,
              line: null,
              file: spec.path,
              error: {
                message:
                  content instanceof OversizedFile
                    ? content.describe('manifest')
                    : `manifest not found at commit ${commit.sha.slice(0, 12)}`,
                file: spec.path,
              },
            });
            continue;
          }
          const locator = this.options.locators.get(spec.locator.type);
          const result = locator
            ? locator.read(content, spec.path, spec.locator.options)
            : {
                ok: false as const,
                error: {
                  message: `unknown locator type "${spec.locator.type}"`,
                  file: spec.path,
                },
              };
          pending.set(
            key(spec.service, spec.environment),
            result.ok
              ? {
                  version: result.version,
                  line: result.line ?? null,
                  error: null,
                  file: spec.path,
                }
              : {
                  version: null,
                  line: result.error.line ?? null,
                  error: result.error,
                  file: spec.path,
                },
          );
        }
        const versionAt = (service: string, env: string) =>
          pending.get(key(service, env))?.version ??
          states.get(key(service, env))?.version ??
          null;

        for (const { spec } of updates) {
          const k = key(spec.service, spec.environment);
          const next = pending.get(k)!;
          const prev = states.get(k);
          const state: EnvState = prev
            ? { ...prev }
            : { version: null, file: spec.path, line: null, error: null };
          state.file = next.file;
          state.error = next.error;
          if (next.version !== null) {
            state.line = next.line;
            if (next.version !== prev?.version) {
              const def = plan.pipeline.definition;
              const envDef = def?.environments.find(
                e => e.name === spec.environment,
              );
              const prevStage =
                envDef && envDef.stageIndex > 0
                  ? def!.stages[envDef.stageIndex - 1]
                  : undefined;
              const kind = classifyRollout({
                trailers,
                subject,
                toVersion: next.version,
                previousStageVersions: (prevStage?.environments ?? []).map(e =>
                  versionAt(spec.service, e),
                ),
              });
              rollouts.push({
                repository_id: repositoryId,
                service: spec.service,
                environment: spec.environment,
                from_version: prev?.version ?? null,
                to_version: next.version,
                kind,
                commit_sha: commit.sha,
                author_name: commit.authorName.slice(0, 255),
                author_email: commit.authorEmail.slice(0, 255) || null,
                subject: subject.slice(0, 1024),
                initiator: (
                  trailers['gitops-initiator'] ??
                  `${commit.authorName} <${commit.authorEmail}>`
                ).slice(0, 255),
                file: spec.path,
                source_commit_sha: /^[0-9a-f]{7,64}$/i.test(
                  trailers['gitops-source-commit'] ?? '',
                )
                  ? trailers['gitops-source-commit'].toLowerCase()
                  : null,
                desired_at: new Date(commit.committedAt) as any,
              });
              state.version = next.version;
              state.change = {
                sha: commit.sha,
                at: commit.committedAt,
                author: commit.authorName,
                email: commit.authorEmail,
                subject,
              };
            }
          }
          states.set(k, state);
          touched.add(k);
        }
      }

      const last = batch[batch.length - 1].sha;
      const desiredStates: DesiredStateRow[] = [...touched].map(k => {
        const [service, environment] = k.split('\u0000');
        const s = states.get(k)!;
        return {
          repository_id: repositoryId,
          service,
          environment,
          version: s.version,
          file: s.file.slice(0, 1024),
          line: s.line,
          error: s.error ? JSON.stringify(s.error) : null,
          change_sha: s.change?.sha ?? null,
          change_at: s.change ? (new Date(s.change.at) as any) : null,
          change_author: s.change?.author.slice(0, 255) ?? null,
          change_author_email: s.change?.email.slice(0, 255) ?? null,
          change_subject: s.change?.subject.slice(0, 1024) ?? null,
        };
      });
      const res = await store.applyBatch({
        repositoryId,
        expectedCursor: cursor,
        newCursor: last,
        commitCount: batch.length,
        rollouts,
        desiredStates,
        pipelineGoodContent:
          goodContent !== contentBefore ? goodContent : undefined,
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

  private parse(content: string): ParsedPipeline {
    return parsePipeline(
      content,
      this.options.pipelineFile,
      this.options.locators,
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
