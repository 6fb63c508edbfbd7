import type { Knex } from 'knex';
import {
  CHANGE_SUMMARY_LIMIT,
  ChangeSetStatus,
  ChangeSummarySide,
  RolloutChangeSummary,
} from '@gitops2/plugin-gitops-common';

/** Most rollouts summed up at once (a page of the list endpoints is ≤ 200). */
export const MAX_SUMMARY_ROLLOUTS = 500;

type Kind = 'issue' | 'pr' | 'author';

interface SummaryRow {
  rollout_id: number | string;
  direction: 'added' | 'removed';
  kind: Kind;
  value: string;
  total: number | string;
  title: string | null;
}

const emptySide = (commits: number): ChangeSummarySide => ({
  commits,
  issueKeys: [],
  issueKeyCount: 0,
  pullRequests: [],
  pullRequestCount: 0,
  authors: [],
  authorCount: 0,
});

/**
 * The change summaries of a page of rollouts, in two queries whatever the
 * page's size: the correlation rows (status, commit counts), and one query
 * that ranks the distinct issue keys, pull requests (with their titles) and
 * authors of each rollout's added and removed commits (newest commit first)
 * and keeps the first `CHANGE_SUMMARY_LIMIT` of each with their total.
 * Rollouts not correlated yet have no summary.
 */
export async function changeSummaries(
  db: Knex,
  rolloutIds: Array<string | number>,
): Promise<Map<string, RolloutChangeSummary>> {
  const out = new Map<string, RolloutChangeSummary>();
  const ids = [...new Set(rolloutIds.map(String))];
  if (ids.length === 0) return out;
  if (ids.length > MAX_SUMMARY_ROLLOUTS) {
    throw new Error(
      `at most ${MAX_SUMMARY_ROLLOUTS} rollouts are summed up at once, got ${ids.length}`,
    );
  }
  const numericIds = ids.map(Number);
  const correlations = await db('gitops_rollout_correlations')
    .whereIn('rollout_id', numericIds)
    .select('rollout_id', 'status', 'added_count', 'removed_count');
  for (const c of correlations) {
    out.set(String(c.rollout_id), {
      status: c.status as ChangeSetStatus,
      added: emptySide(Number(c.added_count)),
      removed: emptySide(Number(c.removed_count)),
    });
  }
  if (out.size === 0) return out;

  const marks = numericIds.map(() => '?').join(', ');
  const members = `
    from gitops_change_set_commits m
    where m.rollout_id in (${marks}) and m.direction in ('added', 'removed')`;
  const sql = `
    with refs as (
      select m.rollout_id, m.direction, m.source_repository,
             f.kind as kind, f.value as value, min(m.position) as pos
      ${members.replace(
        'where',
        `join gitops_feature_refs f
           on f.source_repository = m.source_repository and f.sha = m.sha
         where`,
      )}
      group by m.rollout_id, m.direction, m.source_repository, f.kind, f.value
      union all
      select m.rollout_id, m.direction, m.source_repository,
             'author' as kind, c.author_name as value, min(m.position) as pos
      ${members.replace(
        'where',
        `join gitops_source_commits c
           on c.source_repository = m.source_repository and c.sha = m.sha
         where`,
      )}
      group by m.rollout_id, m.direction, m.source_repository, c.author_name
    ),
    ranked as (
      select refs.*,
             row_number() over (
               partition by rollout_id, direction, kind order by pos, value
             ) as rn,
             count(*) over (partition by rollout_id, direction, kind) as total
      from refs
    )
    select r.rollout_id, r.direction, r.kind, r.value, r.total, p.title
    from ranked r
    left join gitops_source_pull_requests p
      on r.kind = 'pr'
      and p.source_repository = r.source_repository
      and cast(p.number as varchar(32)) = r.value
    where r.rn <= ?
    order by r.rollout_id, r.direction, r.kind, r.rn`;
  const result = await db.raw(sql, [
    ...numericIds,
    ...numericIds,
    CHANGE_SUMMARY_LIMIT,
  ]);
  const rows: SummaryRow[] = Array.isArray(result) ? result : result.rows;
  for (const row of rows) {
    const summary = out.get(String(row.rollout_id));
    if (!summary) continue;
    const side = summary[row.direction];
    const total = Number(row.total);
    if (row.kind === 'issue') {
      side.issueKeys.push(row.value);
      side.issueKeyCount = total;
    } else if (row.kind === 'pr') {
      side.pullRequests.push({
        number: Number(row.value),
        ...(row.title ? { title: row.title } : {}),
      });
      side.pullRequestCount = total;
    } else {
      side.authors.push(row.value);
      side.authorCount = total;
    }
  }
  return out;
}
