import type { Entity } from '@backstage/catalog-model';
import { InputError, NotFoundError } from '@backstage/errors';
import {
  EnvironmentStatus,
  GITOPS_ANNOTATIONS,
  IngestionError,
  PipelineDefinition,
  RepositoryState,
  Rollout,
  RolloutKind,
  presentRolloutOutcome,
  RolloutPage,
  ServiceStatusResponse,
  SourceError,
  serviceNameOf,
} from '@gitops2/plugin-gitops-common';
import { RepositoryConfig } from '../config';
import { LedgerStore } from '../database/LedgerStore';
import {
  IngestionErrorRow,
  RepositoryRow,
  RolloutRow,
  toIso,
} from '../database/tables';
import { GitSource } from '../git/types';
import { ParsedPipeline } from '../pipeline/types';
import { describeOutcome } from '../database/rolledBackRollouts';
import { publicLocation, withoutLocalPath } from './publicLocation';

export interface RolloutFilter {
  environment?: string;
  kind?: RolloutKind;
  since?: string;
  until?: string;
  limit: number;
  before?: string;
}

interface StoredPipeline {
  definition: PipelineDefinition | null;
  services: ParsedPipeline['services'];
  environmentErrors: Record<string, SourceError>;
}

/**
 * Read side of the ledger: turns stored rows into API responses. Reads only
 * the database: a page view never reaches Git, GitHub or a cluster.
 */
export class GitopsService {
  private readonly repos: Map<string, RepositoryConfig>;
  /** Clusters the portal watches (set once cluster observation started). */
  private watchedClusters: ReadonlySet<string> = new Set();
  /** `repository\u0000environment` reported on by Argo CD / Flux events. */
  private eventEnvironments: () => Promise<Set<string>> = async () => new Set();

  constructor(
    private readonly store: LedgerStore,
    repositories: RepositoryConfig[],
    private readonly sources: Map<string, GitSource>,
  ) {
    this.repos = new Map(repositories.map(r => [r.id, r]));
  }

  /**
   * The clusters cluster observation watches: a rollout in an environment
   * on none of them is never `pending`, it reads `not-observed`.
   */
  setWatchedClusters(names: string[]) {
    this.watchedClusters = new Set(names);
  }

  /**
   * Environments without a watched cluster whose Argo CD / Flux events are
   * the live status (events-only mode): their rollouts are observable too.
   */
  setEventEnvironments(lookup: () => Promise<Set<string>>) {
    this.eventEnvironments = lookup;
  }

  /** The repository config an entity points at, or a precise error. */
  resolveEntity(entity: Entity): { repo: RepositoryConfig; service: string } {
    const id = entity.metadata.annotations?.[GITOPS_ANNOTATIONS.repository];
    if (!id) {
      throw new InputError(
        `entity ${entity.metadata.name} has no ${GITOPS_ANNOTATIONS.repository} annotation`,
      );
    }
    const repo = this.repos.get(id);
    if (!repo) {
      throw new NotFoundError(
        `entity ${entity.metadata.name} names GitOps repository "${id}" (annotation ${GITOPS_ANNOTATIONS.repository}), which is not configured in gitops.repositories`,
      );
    }
    return { repo, service: serviceNameOf(entity) };
  }

  async listRepositories(): Promise<RepositoryState[]> {
    const rows = new Map(
      (await this.store.listRepositories()).map(r => [r.id, r]),
    );
    return Promise.all(
      [...this.repos.values()].map(async r =>
        this.withIngestionErrors(this.repositoryState(r, rows.get(r.id))),
      ),
    );
  }

  async getRepositoryState(id: string): Promise<RepositoryState> {
    const repo = this.repos.get(id);
    if (!repo) throw new NotFoundError(`unknown GitOps repository "${id}"`);
    return this.withIngestionErrors(
      this.repositoryState(repo, await this.store.getRepository(id)),
    );
  }

  /** The commits ingestion skipped, where the repository's state is shown. */
  private async withIngestionErrors(
    state: RepositoryState,
  ): Promise<RepositoryState> {
    const { rows, total } = await this.store.listIngestionErrors(state.id, {
      limit: 20,
    });
    const source = this.sources.get(state.id);
    return {
      ...state,
      ingestionErrors: rows.map(r =>
        toIngestionError(
          { ...r, message: this.withoutLocalPath(state.id, r.message) },
          source,
        ),
      ),
      ingestionErrorCount: total,
    };
  }

  async getServiceStatus(entity: Entity): Promise<ServiceStatusResponse> {
    const { repo, service } = this.resolveEntity(entity);
    const row = await this.store.getRepository(repo.id);
    const stored: StoredPipeline | null = await this.store.getStoredPipeline(
      repo.id,
    );
    const pipelineError: SourceError | null = row?.pipeline_error
      ? JSON.parse(row.pipeline_error)
      : null;
    const definition = stored?.definition ?? null;
    const source = this.sources.get(repo.id);
    const states = new Map(
      (await this.store.getDesiredStates(repo.id, service)).map(s => [
        s.environment,
        s,
      ]),
    );
    const entries = stored?.services[service];

    const environments: EnvironmentStatus[] = (
      definition?.environments ?? []
    ).map(env => {
      const entry = entries?.[env.name];
      const state = states.get(env.name);
      let error: SourceError | null =
        stored?.environmentErrors[env.name] ?? null;
      if (!error && !entries) {
        error = {
          message: `service "${service}" is not listed under spec.services`,
          file: repo.pipelineFile,
        };
      }
      if (!error && entry && 'error' in entry) error = entry.error;
      if (!error && state?.error) error = JSON.parse(state.error);
      return {
        environment: env,
        desired:
          state?.version !== null && state?.version !== undefined
            ? {
                version: state.version,
                file: state.file,
                line: state.line ?? undefined,
                lastChange: state.change_sha
                  ? {
                      sha: state.change_sha,
                      url: source?.commitUrl(state.change_sha),
                      authorName: state.change_author ?? '',
                      authorEmail: state.change_author_email ?? undefined,
                      committedAt: toIso(state.change_at) ?? '',
                      subject: state.change_subject ?? '',
                    }
                  : undefined,
              }
            : null,
        error,
      };
    });
    // Environments a service opts out of (`enabled: false`) are not shown.
    const visible = environments.filter(
      e => !entries || e.environment.name in entries || e.error,
    );
    return {
      service,
      repository: await this.withIngestionErrors(
        this.repositoryState(repo, row),
      ),
      pipeline: definition,
      pipelineError,
      ...(definition && !entries ? { notInPipeline: true } : {}),
      environments: visible,
    };
  }

  async getRollouts(
    entity: Entity,
    query: RolloutFilter,
  ): Promise<RolloutPage> {
    const { repo, service } = this.resolveEntity(entity);
    return this.listRollouts({ ...query, repository: repo.id, service });
  }

  /** Rollouts across services, newest first: "what was deployed to prod-eu yesterday". */
  /** A raw rollout row (for visibility checks before answering about it). */
  getRolloutRow(id: string) {
    return this.store.getRollout(id);
  }

  /**
   * Rollouts across services; `visible` limits them to the services the
   * caller may see (catalog visibility).
   */
  async listRollouts(
    query: RolloutFilter & { repository?: string; service?: string },
    visible?: Array<{ repositoryId: string; service: string }>,
  ): Promise<RolloutPage> {
    if (
      query.since &&
      query.until &&
      Date.parse(query.since) >= Date.parse(query.until)
    ) {
      throw new InputError('invalid query: since must be before until');
    }
    const { rows, total } = await this.store.listRollouts({
      repositoryId: query.repository,
      service: query.service,
      environment: query.environment,
      kind: query.kind,
      since: query.since,
      until: query.until,
      limit: query.limit,
      before: query.before,
      services: visible,
      // The history shows rollouts of rewritten commits, flagged (rewrittenAt).
      includeRewritten: true,
      withSuccession: true,
    });
    const observable = await this.observableEnvironments(
      new Set(rows.map(r => r.repository_id)),
    );
    const summaries = await this.store.changeSummaries(rows.map(r => r.id));
    const items = rows.map(r => {
      const rollout = toRollout(
        r,
        this.sources.get(r.repository_id),
        observable.has(`${r.repository_id}\u0000${r.environment}`),
      );
      const changes = summaries.get(String(r.id));
      return changes ? { ...rollout, changes } : rollout;
    });
    return {
      items,
      totalCount: total,
      nextCursor:
        rows.length === query.limit
          ? String(rows[rows.length - 1].id)
          : undefined,
    };
  }

  /** `repository\u0000environment` of the environments on a watched cluster. */
  private async observableEnvironments(
    repositoryIds: Set<string>,
  ): Promise<Set<string>> {
    const out = await this.eventEnvironments();
    if (this.watchedClusters.size === 0) return out;
    for (const id of repositoryIds) {
      const stored: StoredPipeline | null = await this.store.getStoredPipeline(
        id,
      );
      for (const env of stored?.definition?.environments ?? []) {
        if (env.cluster && this.watchedClusters.has(env.cluster))
          out.add(`${id}\u0000${env.name}`);
      }
    }
    return out;
  }

  private repositoryState(
    repo: RepositoryConfig,
    row?: RepositoryRow,
  ): RepositoryState {
    const location = publicLocation(
      repo.webUrl ?? this.sources.get(repo.id)?.location ?? repo.url,
    );
    const error: SourceError | null = row?.last_error
      ? JSON.parse(row.last_error)
      : null;
    return {
      id: repo.id,
      provider: repo.provider,
      ...(location ? { location } : {}),
      branch: repo.branch,
      pipelineFile: repo.pipelineFile,
      lastCommitSha: row?.last_commit_sha ?? undefined,
      lastIngestedAt: toIso(row?.last_ingested_at),
      error: error
        ? { ...error, message: this.withoutLocalPath(repo.id, error.message) }
        : null,
    };
  }

  /** A message with the server path of a local repository replaced by its id. */
  private withoutLocalPath(id: string, message: string): string {
    const location = this.sources.get(id)?.location;
    const directory = location?.startsWith('file://')
      ? location.slice('file://'.length)
      : undefined;
    return withoutLocalPath(message, directory, id);
  }
}

function toRollout(
  r: RolloutRow,
  source: GitSource | undefined,
  observable: boolean,
): Rollout {
  return {
    id: String(r.id),
    service: r.service,
    environment: r.environment,
    fromVersion: r.from_version,
    toVersion: r.to_version,
    kind: r.kind as RolloutKind,
    outcome: presentRolloutOutcome({
      outcome: r.outcome,
      nextDesiredAt: toIso(r.next_desired_at),
      recordedAt: toIso(r.recorded_at),
      observable,
      rewritten: !!r.rewritten_at,
    }),
    ...(describeOutcome(r) ? { outcomeDetail: describeOutcome(r) } : {}),
    commit: {
      sha: r.commit_sha,
      url: source?.commitUrl(r.commit_sha),
      authorName: r.author_name,
      authorEmail: r.author_email ?? undefined,
      committedAt: toIso(r.desired_at) ?? '',
      subject: r.subject,
    },
    desiredAt: toIso(r.desired_at) ?? '',
    observedAt: toIso(r.observed_at),
    initiator: r.initiator,
    file: r.file,
    ...(r.rewritten_at ? { rewrittenAt: toIso(r.rewritten_at) } : {}),
  };
}

function toIngestionError(
  r: IngestionErrorRow,
  source?: GitSource,
): IngestionError {
  const url = source?.commitUrl(r.commit_sha);
  return {
    commitSha: r.commit_sha,
    ...(url ? { commitUrl: url } : {}),
    ...(r.service ? { service: r.service } : {}),
    ...(r.environment ? { environment: r.environment } : {}),
    message: r.message,
    recordedAt: toIso(r.recorded_at) ?? '',
  };
}
