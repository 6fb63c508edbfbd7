import type { NewRolloutRow } from './tables';

/**
 * Lengths of the string columns of gitops_rollouts (migrations/): a value
 * longer than its column fails the whole insert on PostgreSQL (SQLite stores
 * it anyway), so ingestion checks every row before writing it.
 */
export const ROLLOUT_COLUMN_LIMITS: Partial<
  Record<keyof NewRolloutRow, number>
> = {
  repository_id: 63,
  service: 63,
  environment: 63,
  from_version: 255,
  to_version: 255,
  kind: 16,
  commit_sha: 64,
  author_name: 255,
  author_email: 255,
  subject: 1024,
  initiator: 255,
  file: 1024,
  source_commit_sha: 64,
};

/** What the ledger stores of a version (gitops_rollouts and gitops_desired_states). */
export const VERSION_LIMIT = 255;

/** Length as the database counts it: characters (code points), not UTF-16 units. */
export function charLength(value: string): number {
  let n = 0;
  for (const _ of value) n++;
  return n;
}

/**
 * The first column of `row` longer than the ledger stores, as a sentence, or
 * undefined when every value fits.
 */
export function lengthProblem<T extends object>(
  row: T,
  limits: Partial<Record<keyof T, number>>,
): string | undefined {
  for (const [column, limit] of Object.entries(limits) as Array<
    [keyof T & string, number]
  >) {
    const value = row[column];
    if (typeof value !== 'string') continue;
    const length = charLength(value);
    if (length > limit) {
      return `${column} is ${length} characters, longer than the ${limit} the ledger stores`;
    }
  }
  return undefined;
}
