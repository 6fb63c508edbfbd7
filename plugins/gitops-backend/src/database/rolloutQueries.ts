import type { Knex } from 'knex';
import { outcomeDetail } from './rolledBackRollouts';
import { nextDesiredAtColumn } from './rolloutSuccession';
import type { RolloutRow } from './tables';

/*
 * Reads of the rollout ledger (the history views, rollback choices) and
 * the one write the deployment steps make on a rollout (its verification).
 */

/** What `listRollouts` selects. */
export interface RolloutQuery {
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
}

export async function listRollouts(
  db: Knex,
  options: RolloutQuery,
): Promise<{ rows: RolloutRow[]; total: number }> {
  if (options.services && options.services.length === 0)
    return { rows: [], total: 0 };
  const base = () => {
    const q = db<RolloutRow>('gitops_rollouts as r');
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
    if (options.repositoryId) q.where({ repository_id: options.repositoryId });
    if (options.service) q.where({ service: options.service });
    if (options.environment) q.andWhere({ environment: options.environment });
    if (options.kind) q.andWhere({ kind: options.kind });
    if (options.since) q.andWhere('desired_at', '>=', new Date(options.since));
    if (options.until) q.andWhere('desired_at', '<', new Date(options.until));
    return q;
  };
  const page = base();
  if (options.withSuccession) page.select('r.*', nextDesiredAtColumn(db, 'r'));
  if (options.before) page.andWhere('id', '<', options.before);
  const rows = await page.orderBy('id', 'desc').limit(options.limit);
  const [{ count }] = await base().count({ count: '*' });
  return { rows, total: Number(count) };
}

export async function countRollouts(
  db: Knex,
  repositoryId?: string,
): Promise<number> {
  const q = db('gitops_rollouts');
  if (repositoryId) q.where({ repository_id: repositoryId });
  const [{ count }] = await q.count({ count: '*' });
  return Number(count);
}

/**
 * The versions a service ran in an environment according to the ledger,
 * each with the last time it was set there (what a rollback may restore).
 */
export async function versionsRanIn(
  db: Knex,
  repositoryId: string,
  service: string,
  environment: string,
): Promise<Array<{ version: string; lastSetAt: string }>> {
  const rows = await db('gitops_rollouts')
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
 * ledger has no such rollout (not ingested yet). With `actionId`, only a
 * rollout of a commit that action wrote (gitops_portal_commits) counts:
 * an automatic rollback back to v1 must not mark the rollout that first
 * brought v1 while its own commit is not ingested yet.
 */
export async function setRolloutVerification(
  db: Knex,
  repositoryId: string,
  service: string,
  environment: string,
  version: string,
  outcome: 'verified' | 'failed',
  detail?: string,
  actionId?: string,
): Promise<boolean> {
  const query = db('gitops_rollouts')
    .where({
      repository_id: repositoryId,
      service,
      environment,
      to_version: version,
    })
    .whereNull('rewritten_at');
  if (actionId !== undefined) {
    query.whereIn(
      'commit_sha',
      db('gitops_portal_commits')
        .where({ repository_id: repositoryId, action_id: actionId })
        .select('sha'),
    );
  }
  const latest = await query.orderBy('id', 'desc').first('id', 'outcome');
  if (!latest) return false;
  const detailColumn = {
    outcome_detail: detail ? outcomeDetail(detail) : null,
  };
  // Already rolled back: that stays; the verification is what it was before.
  await db('gitops_rollouts')
    .where({ id: latest.id })
    .update(
      latest.outcome === 'rolled-back'
        ? { outcome_before_rollback: outcome, ...detailColumn }
        : { outcome, ...detailColumn },
    );
  return true;
}
