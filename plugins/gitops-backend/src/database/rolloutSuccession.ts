import type { Knex } from 'knex';

/**
 * A scalar subquery: the desired-at of the next rollout (higher id, still in
 * the branch history) of the same service in the same environment as the
 * row of `alias`, null for the latest. Selected beside a page of rollouts so
 * the page's outcomes are presented in the same query (no query per row).
 */
export function nextDesiredAtColumn(db: Knex, alias: string) {
  return db('gitops_rollouts as next')
    .min('next.desired_at')
    .where('next.repository_id', db.ref(`${alias}.repository_id`))
    .andWhere('next.service', db.ref(`${alias}.service`))
    .andWhere('next.environment', db.ref(`${alias}.environment`))
    .andWhere('next.id', '>', db.ref(`${alias}.id`))
    .whereNull('next.rewritten_at')
    .as('next_desired_at');
}
