import type { Knex } from 'knex';
import type { DeliveryMetrics } from '@gitops2/plugin-gitops-common';
import {
  computeMetrics,
  LeadTimeCommit,
  MetricsRollout,
} from './computeMetrics';

export interface MetricsFilter {
  /** ISO 8601, inclusive */
  since: string;
  /** ISO 8601, exclusive */
  until: string;
  repositoryId?: string;
  service?: string;
  environment?: string;
}

type Timestamp = Date | string | number | null;

function ms(value: Timestamp): number | undefined {
  if (value === null || value === undefined) return undefined;
  const d = value instanceof Date ? value : new Date(value);
  const t = d.getTime();
  return Number.isNaN(t) ? undefined : t;
}

/**
 * Reads what the delivery metrics need from the ledger, in two queries that
 * run on SQLite and PostgreSQL alike: the rollouts desired in the window, and
 * the commits those rollouts added joined with their pull requests and the
 * pull requests' merge commits. computeMetrics does the arithmetic.
 */
export class MetricsStore {
  constructor(private readonly db: Knex) {}

  private windowRollouts(f: MetricsFilter) {
    // Rollouts of commits that left the branch history (force-push) are not
    // deployments of the history that stands.
    const q = this.db('gitops_rollouts as r')
      .whereNull('r.rewritten_at')
      .where('r.desired_at', '>=', new Date(f.since))
      .andWhere('r.desired_at', '<', new Date(f.until));
    if (f.repositoryId) q.andWhere('r.repository_id', f.repositoryId);
    if (f.service) q.andWhere('r.service', f.service);
    if (f.environment) q.andWhere('r.environment', f.environment);
    return q;
  }

  async rollouts(f: MetricsFilter): Promise<MetricsRollout[]> {
    const rows: Array<{
      id: string | number;
      repository_id: string;
      service: string;
      environment: string;
      kind: string;
      outcome: string;
      desired_at: Timestamp;
      observed_at: Timestamp;
    }> = await this.windowRollouts(f)
      .select(
        'r.id',
        'r.repository_id',
        'r.service',
        'r.environment',
        'r.kind',
        'r.outcome',
        'r.desired_at',
        'r.observed_at',
      )
      .orderBy('r.id', 'asc');
    return rows.map(r => ({
      id: String(r.id),
      repository: r.repository_id,
      service: r.service,
      environment: r.environment,
      kind: r.kind,
      outcome: r.outcome,
      desiredAt: ms(r.desired_at)!,
      observedAt: ms(r.observed_at),
    }));
  }

  async addedCommits(f: MetricsFilter): Promise<LeadTimeCommit[]> {
    const prNumberAsText = this.db.raw('CAST(p.number AS VARCHAR(20))');
    const rows: Array<{
      rollout_id: string | number;
      sha: string;
      committed_at: Timestamp;
      pr: string | null;
      merged_at: Timestamp;
    }> = await this.windowRollouts(f)
      .join('gitops_change_set_commits as m', 'm.rollout_id', 'r.id')
      .join('gitops_source_commits as c', function on() {
        this.on('c.source_repository', '=', 'm.source_repository').andOn(
          'c.sha',
          '=',
          'm.sha',
        );
      })
      .leftJoin('gitops_feature_refs as fr', function on() {
        this.on('fr.source_repository', '=', 'c.source_repository')
          .andOn('fr.sha', '=', 'c.sha')
          .andOnVal('fr.kind', '=', 'pr');
      })
      .leftJoin('gitops_source_pull_requests as p', function on() {
        this.on('p.source_repository', '=', 'fr.source_repository').andOn(
          // fr.value is text; compare as text so no cast can fail.
          'fr.value',
          '=',
          prNumberAsText,
        );
      })
      .leftJoin('gitops_source_commits as mc', function on() {
        this.on('mc.source_repository', '=', 'p.source_repository').andOn(
          'mc.sha',
          '=',
          'p.merge_sha',
        );
      })
      .where('m.direction', 'added')
      .select(
        'm.rollout_id',
        'c.sha',
        'c.committed_at',
        'fr.value as pr',
        'mc.committed_at as merged_at',
      );
    // A commit in several pull requests: it belongs to the lowest-numbered one.
    const byCommit = new Map<string, LeadTimeCommit>();
    for (const r of rows) {
      const k = `${r.rollout_id}\u0000${r.sha}`;
      const pr = r.pr === null ? undefined : Number(r.pr);
      const existing = byCommit.get(k);
      if (
        existing &&
        (pr === undefined ||
          (existing.pullRequest !== undefined && existing.pullRequest <= pr))
      )
        continue;
      byCommit.set(k, {
        rolloutId: String(r.rollout_id),
        sha: r.sha,
        committedAt: ms(r.committed_at)!,
        pullRequest: pr,
        mergedAt: ms(r.merged_at),
      });
    }
    return [...byCommit.values()];
  }

  async metrics(f: MetricsFilter): Promise<DeliveryMetrics[]> {
    const [rollouts, commits] = await Promise.all([
      this.rollouts(f),
      this.addedCommits(f),
    ]);
    return computeMetrics({
      since: f.since,
      until: f.until,
      rollouts,
      commits,
    });
  }
}
