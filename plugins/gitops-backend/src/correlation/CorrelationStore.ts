import type {
  ChangeSetStatus,
  ChecksSummary,
} from '@gitops2/plugin-gitops-common';
import { Knex } from 'knex';
import { RolloutRow } from '../database/tables';
import { AnalyzedCommit, Direction, PullRequestInfo } from './analyzeCommits';

export interface ServiceSourceRow {
  repository_id: string;
  service: string;
  source_repository: string | null;
  entity_ref: string;
}

export interface CorrelationRow {
  rollout_id: number | string;
  status: ChangeSetStatus;
  message: string | null;
  source_repository: string | null;
  from_commit: string | null;
  to_commit: string | null;
  from_strategy: string | null;
  to_strategy: string | null;
  added_count: number;
  removed_count: number;
  /** JSON ChecksSummary */
  checks?: string | null;
}

export interface SourceCommitRow {
  source_repository: string;
  sha: string;
  subject: string;
  author_name: string;
  author_email: string | null;
  committed_at: Date | string | number;
  co_authors: string | null;
}

export interface ChangeSetCommitRow extends SourceCommitRow {
  direction: Direction;
  position: number;
}

export interface FeatureRefRow {
  kind: 'pr' | 'issue';
  value: string;
  source_repository: string;
  sha: string;
}

export interface PullRequestRow {
  source_repository: string;
  number: number;
  title: string | null;
  branch: string | null;
  merge_sha: string | null;
}

/** A membership event for the feature lookup: a rollout that added or removed a commit. */
export interface MembershipEvent {
  rollout_id: number | string;
  direction: Direction;
  sha: string;
  source_repository: string;
  repository_id: string;
  service: string;
  environment: string;
  kind: string;
  desired_at: Date | string | number;
}

/** Everything the correlation of one rollout writes, in one transaction. */
export interface CorrelationWrite {
  rolloutId: string;
  status: ChangeSetStatus;
  message?: string;
  sourceRepository?: string;
  fromCommit?: string;
  toCommit?: string;
  fromStrategy?: string;
  toStrategy?: string;
  commits: AnalyzedCommit[];
  pullRequests: PullRequestInfo[];
  checks?: ChecksSummary;
}

const CHUNK = 100;

function chunks<T>(items: T[], size = CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size)
    out.push(items.slice(i, i + size));
  return out;
}

/**
 * Storage of change sets and the feature index. Writes are idempotent
 * (insert … on conflict ignore; the correlation row is upserted) so a
 * correlation run repeated by a second replica or after a crash adds nothing.
 */
export class CorrelationStore {
  constructor(private readonly db: Knex) {}

  // --- service → source repository mapping (from the catalog) -------------

  async replaceServiceSources(rows: ServiceSourceRow[]): Promise<void> {
    await this.db.transaction(async tx => {
      const keep = new Set(
        rows.map(r => `${r.repository_id}\u0000${r.service}`),
      );
      const existing = await tx<ServiceSourceRow>(
        'gitops_service_sources',
      ).select('repository_id', 'service');
      for (const e of existing) {
        if (!keep.has(`${e.repository_id}\u0000${e.service}`)) {
          await tx('gitops_service_sources')
            .where({ repository_id: e.repository_id, service: e.service })
            .delete();
        }
      }
      for (const chunk of chunks(rows)) {
        await tx('gitops_service_sources')
          .insert(chunk.map(r => ({ ...r, updated_at: new Date() })))
          .onConflict(['repository_id', 'service'])
          .merge();
      }
    });
  }

  async listServiceSources(): Promise<ServiceSourceRow[]> {
    return this.db<ServiceSourceRow>('gitops_service_sources').orderBy([
      'repository_id',
      'service',
    ]);
  }

  async servicesOfSources(
    sourceRepositories: string[],
  ): Promise<ServiceSourceRow[]> {
    if (sourceRepositories.length === 0) return [];
    return this.db<ServiceSourceRow>('gitops_service_sources')
      .whereIn('source_repository', sourceRepositories)
      .orderBy(['repository_id', 'service']);
  }

  // --- correlation runs -----------------------------------------------------

  /**
   * Rollouts to correlate, oldest first: never correlated, still `pending`,
   * or `no-source` while the catalog now names a different source.
   */
  async pendingRollouts(
    limit: number,
    afterId?: string,
  ): Promise<Array<RolloutRow & { mapped_source: string | null }>> {
    const q = this.db('gitops_rollouts as r');
    if (afterId) q.where('r.id', '>', afterId);
    return this.pending(q, 'asc', limit);
  }

  /** Rollouts to correlate, newest first (the backfill's order), below `beforeId`. */
  async pendingRolloutsNewestFirst(
    limit: number,
    beforeId?: string,
  ): Promise<Array<RolloutRow & { mapped_source: string | null }>> {
    const q = this.db('gitops_rollouts as r');
    if (beforeId) q.where('r.id', '<', beforeId);
    return this.pending(q, 'desc', limit);
  }

  private pending(
    q: Knex.QueryBuilder,
    order: 'asc' | 'desc',
    limit: number,
  ): Promise<Array<RolloutRow & { mapped_source: string | null }>> {
    return q
      .leftJoin('gitops_rollout_correlations as c', 'c.rollout_id', 'r.id')
      .leftJoin('gitops_service_sources as s', function on() {
        this.on('s.repository_id', '=', 'r.repository_id').andOn(
          's.service',
          '=',
          'r.service',
        );
      })
      .where(w =>
        w
          .whereNull('c.rollout_id')
          .orWhere('c.status', 'pending')
          .orWhere(q2 =>
            q2
              .where('c.status', 'no-source')
              .whereNotNull('s.source_repository')
              .andWhere(q3 =>
                q3
                  .whereNull('c.source_repository')
                  .orWhereRaw('c.source_repository <> s.source_repository'),
              ),
          ),
      )
      .select('r.*', 's.source_repository as mapped_source')
      .orderBy('r.id', order)
      .limit(limit);
  }

  /**
   * The latest rollouts whose new version is `sha` of a source repository
   * (their CI results are that commit's), for a refresh when CI reports.
   */
  async rolloutsAtCommit(
    sourceRepository: string,
    sha: string,
    limit: number,
  ): Promise<Array<RolloutRow & { mapped_source: string | null }>> {
    return this.db('gitops_rollouts as r')
      .join('gitops_rollout_correlations as c', 'c.rollout_id', 'r.id')
      .where({ 'c.source_repository': sourceRepository, 'c.to_commit': sha })
      .select('r.*', 'c.source_repository as mapped_source')
      .orderBy('r.id', 'desc')
      .limit(limit);
  }

  /** The trailer sha of a GitOps commit that deployed `version` of a service. */
  async trailerShaFor(
    repositoryId: string,
    service: string,
    version: string,
  ): Promise<string | undefined> {
    const row = await this.db<RolloutRow>('gitops_rollouts')
      .where({ repository_id: repositoryId, service, to_version: version })
      .whereNotNull('source_commit_sha')
      .orderBy('id', 'desc')
      .first('source_commit_sha');
    return row?.source_commit_sha ?? undefined;
  }

  /** The resolved commit of a version, from an earlier correlation. */
  async commitOfVersion(
    repositoryId: string,
    service: string,
    version: string,
  ): Promise<string | undefined> {
    const row = await this.db('gitops_rollouts as r')
      .join('gitops_rollout_correlations as c', 'c.rollout_id', 'r.id')
      .where({
        'r.repository_id': repositoryId,
        'r.service': service,
        'r.to_version': version,
      })
      .whereNotNull('c.to_commit')
      .orderBy('r.id', 'desc')
      .first('c.to_commit');
    return row?.to_commit ?? undefined;
  }

  async write(
    w: CorrelationWrite,
  ): Promise<{ commitsInserted: number; membershipsInserted: number }> {
    return this.db.transaction(async tx => {
      let commitsInserted = 0;
      let membershipsInserted = 0;
      const repo = w.sourceRepository;
      if (repo && w.commits.length > 0) {
        const unique = new Map(w.commits.map(c => [c.sha, c]));
        for (const chunk of chunks([...unique.values()])) {
          const rows = await tx('gitops_source_commits')
            .insert(
              chunk.map(c => ({
                source_repository: repo,
                sha: c.sha,
                subject: c.subject.slice(0, 1024),
                author_name: c.authorName.slice(0, 255),
                author_email: c.authorEmail.slice(0, 255) || null,
                committed_at: new Date(c.committedAt),
                co_authors: c.coAuthors.length
                  ? JSON.stringify(c.coAuthors)
                  : null,
              })),
            )
            .onConflict(['source_repository', 'sha'])
            .ignore()
            .returning('sha');
          commitsInserted += rows.length;
        }
        const positions: Record<string, number> = {
          added: 0,
          removed: 0,
          baseline: 0,
        };
        const memberships = w.commits.map(c => ({
          rollout_id: w.rolloutId,
          direction: c.direction,
          source_repository: repo,
          sha: c.sha,
          position: positions[c.direction]++,
        }));
        for (const chunk of chunks(memberships)) {
          const rows = await tx('gitops_change_set_commits')
            .insert(chunk)
            .onConflict(['rollout_id', 'direction', 'sha'])
            .ignore()
            .returning('sha');
          membershipsInserted += rows.length;
        }
        const refs: FeatureRefRow[] = [];
        for (const c of unique.values()) {
          for (const n of c.pullRequests)
            refs.push({
              kind: 'pr',
              value: String(n),
              source_repository: repo,
              sha: c.sha,
            });
          for (const k of c.issueKeys)
            refs.push({
              kind: 'issue',
              value: k,
              source_repository: repo,
              sha: c.sha,
            });
        }
        for (const chunk of chunks(refs)) {
          await tx('gitops_feature_refs')
            .insert(chunk)
            .onConflict(['kind', 'value', 'source_repository', 'sha'])
            .ignore();
        }
        for (const chunk of chunks(w.pullRequests)) {
          await tx('gitops_source_pull_requests')
            .insert(
              chunk.map(p => ({
                source_repository: repo,
                number: p.number,
                title: p.title?.slice(0, 1024) ?? null,
                branch: p.branch?.slice(0, 255) ?? null,
                merge_sha: p.mergeSha ?? null,
              })),
            )
            .onConflict(['source_repository', 'number'])
            .ignore();
        }
      }
      const count = (d: Direction) =>
        w.commits.filter(c => c.direction === d).length;
      await tx('gitops_rollout_correlations')
        .insert({
          rollout_id: w.rolloutId,
          status: w.status,
          message: w.message ?? null,
          source_repository: w.sourceRepository ?? null,
          from_commit: w.fromCommit ?? null,
          to_commit: w.toCommit ?? null,
          from_strategy: w.fromStrategy ?? null,
          to_strategy: w.toStrategy ?? null,
          added_count: count('added'),
          removed_count: count('removed'),
          checks: w.checks ? JSON.stringify(w.checks) : null,
          correlated_at: new Date(),
        })
        .onConflict('rollout_id')
        .merge();
      return { commitsInserted, membershipsInserted };
    });
  }

  // --- reads ----------------------------------------------------------------

  async getCorrelation(rolloutId: string): Promise<CorrelationRow | undefined> {
    return this.db<CorrelationRow>('gitops_rollout_correlations')
      .where({ rollout_id: rolloutId })
      .first();
  }

  async getCorrelations(rolloutIds: string[]): Promise<CorrelationRow[]> {
    const out: CorrelationRow[] = [];
    for (const chunk of chunks(rolloutIds, 500)) {
      out.push(
        ...(await this.db<CorrelationRow>(
          'gitops_rollout_correlations',
        ).whereIn('rollout_id', chunk)),
      );
    }
    return out;
  }

  async changeSetCommits(rolloutId: string): Promise<ChangeSetCommitRow[]> {
    return this.db('gitops_change_set_commits as m')
      .join('gitops_source_commits as c', function on() {
        this.on('c.source_repository', '=', 'm.source_repository').andOn(
          'c.sha',
          '=',
          'm.sha',
        );
      })
      .where('m.rollout_id', rolloutId)
      .whereIn('m.direction', ['added', 'removed'])
      .select('c.*', 'm.direction', 'm.position')
      .orderBy([{ column: 'm.direction' }, { column: 'm.position' }]);
  }

  async refsOf(
    sourceRepository: string,
    shas: string[],
  ): Promise<FeatureRefRow[]> {
    const out: FeatureRefRow[] = [];
    for (const chunk of chunks([...new Set(shas)], 500)) {
      out.push(
        ...(await this.db<FeatureRefRow>('gitops_feature_refs')
          .where({ source_repository: sourceRepository })
          .whereIn('sha', chunk)),
      );
    }
    return out;
  }

  async pullRequests(
    sourceRepository: string,
    numbers: number[],
  ): Promise<PullRequestRow[]> {
    const out: PullRequestRow[] = [];
    for (const chunk of chunks([...new Set(numbers)], 500)) {
      out.push(
        ...(await this.db<PullRequestRow>('gitops_source_pull_requests')
          .where({ source_repository: sourceRepository })
          .whereIn('number', chunk)),
      );
    }
    return out;
  }

  async findRefs(
    kind: 'pr' | 'issue',
    value: string,
  ): Promise<FeatureRefRow[]> {
    return this.db<FeatureRefRow>('gitops_feature_refs')
      .where({ kind, value })
      .limit(10000);
  }

  /**
   * Issue keys numbered `n` in any project (`SAAS-1543`, `OPS-1543` for
   * 1543) and pull request #n, per source repository: what a bare number
   * could mean.
   */
  async refsNumbered(
    n: string,
    limit: number,
  ): Promise<
    Array<{ kind: 'pr' | 'issue'; value: string; source_repository: string }>
  > {
    return this.db<FeatureRefRow>('gitops_feature_refs')
      .where(q =>
        q
          .where({ kind: 'issue' })
          .andWhere('value', 'like', `%-${n}`)
          .orWhere(pr => pr.where({ kind: 'pr', value: n })),
      )
      .distinct('kind', 'value', 'source_repository')
      .orderBy(['kind', 'value', 'source_repository'])
      .limit(limit);
  }

  /** Commits whose sha starts with `prefix` (7-40 hex digits). */
  async findCommits(prefix: string): Promise<SourceCommitRow[]> {
    const q = this.db<SourceCommitRow>('gitops_source_commits');
    if (prefix.length === 40) q.where({ sha: prefix });
    else q.where('sha', '>=', prefix).andWhere('sha', '<', `${prefix}g`);
    return q.limit(1000);
  }

  async sourceCommits(
    sourceRepository: string,
    shas: string[],
  ): Promise<SourceCommitRow[]> {
    const out: SourceCommitRow[] = [];
    for (const chunk of chunks([...new Set(shas)], 500)) {
      out.push(
        ...(await this.db<SourceCommitRow>('gitops_source_commits')
          .where({ source_repository: sourceRepository })
          .whereIn('sha', chunk)),
      );
    }
    return out;
  }

  /**
   * Every rollout of a service that added, removed or baselined one of
   * `shas`, except rollouts of rewritten GitOps commits (force-push).
   */
  async membershipEvents(options: {
    repositoryId: string;
    service: string;
    sourceRepository: string;
    shas: string[];
  }): Promise<MembershipEvent[]> {
    const out: MembershipEvent[] = [];
    for (const chunk of chunks([...new Set(options.shas)], 500)) {
      out.push(
        ...(await this.db('gitops_change_set_commits as m')
          .join('gitops_rollouts as r', 'r.id', 'm.rollout_id')
          .where({
            'm.source_repository': options.sourceRepository,
            'r.repository_id': options.repositoryId,
            'r.service': options.service,
          })
          .whereNull('r.rewritten_at')
          .whereIn('m.sha', chunk)
          .select(
            'm.rollout_id',
            'm.direction',
            'm.sha',
            'm.source_repository',
            'r.repository_id',
            'r.service',
            'r.environment',
            'r.kind',
            'r.desired_at',
          )),
      );
    }
    return out;
  }

  async counts(): Promise<Record<string, number>> {
    const tables = [
      'gitops_source_commits',
      'gitops_change_set_commits',
      'gitops_feature_refs',
      'gitops_rollout_correlations',
      'gitops_source_pull_requests',
    ];
    const out: Record<string, number> = {};
    for (const t of tables) {
      const [{ count }] = await this.db(t).count({ count: '*' });
      out[t] = Number(count);
    }
    return out;
  }
}
