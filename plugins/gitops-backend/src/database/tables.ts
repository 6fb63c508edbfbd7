/** Row types of the ledger tables (migrations/ holds their definitions). */

export interface RepositoryRow {
  id: string;
  last_commit_sha: string | null;
  last_ingested_at: Date | string | number | null;
  last_error: string | null;
  pipeline: string | null;
  pipeline_error: string | null;
  pipeline_good_content: string | null;
  commits_ingested: number | string;
  /** While the history before the pipeline is read: the commit it first appeared in. */
  retro_until_sha?: string | null;
  /** Ingested before pipelines applied to earlier history (past not read). */
  legacy_history?: boolean | number | null;
  /** The `gitops.repositories[].reingest` value last applied (all of them: gitops_reingest_applied). */
  reingest?: string | null;
  /** The ingestion run holding the repository (`<host>:<pid>#<run>`). */
  run_holder?: string | null;
  /** Epoch ms after which another replica may take the repository. */
  run_expires_at_ms?: number | string | null;
}

export interface DesiredStateRow {
  repository_id: string;
  service: string;
  environment: string;
  version: string | null;
  file: string;
  line: number | null;
  error: string | null;
  change_sha: string | null;
  change_at: Date | string | number | null;
  change_author: string | null;
  change_author_email: string | null;
  change_subject: string | null;
}

export interface RolloutRow {
  id: number | string;
  repository_id: string;
  service: string;
  environment: string;
  from_version: string | null;
  to_version: string;
  kind: string;
  outcome: string;
  /** Why the outcome is what it is (failed step, rollback commit), one line. */
  outcome_detail?: string | null;
  /** GitOps commit of the rollback that took this version away. */
  rolled_back_by?: string | null;
  outcome_before_rollback?: string | null;
  commit_sha: string;
  author_name: string;
  author_email: string | null;
  subject: string;
  initiator: string;
  file: string;
  source_commit_sha: string | null;
  desired_at: Date | string | number;
  observed_at: Date | string | number | null;
  recorded_at?: Date | string | number;
  /** Set when the GitOps commit left the branch's history (force-push). */
  rewritten_at?: Date | string | number | null;
  /**
   * Not a column: desired-at of the next rollout of the same service and
   * environment, selected with `nextDesiredAtColumn` where asked for.
   */
  next_desired_at?: Date | string | number | null;
}

export type NewRolloutRow = Omit<
  RolloutRow,
  | 'id'
  | 'outcome'
  | 'outcome_detail'
  | 'rolled_back_by'
  | 'outcome_before_rollback'
  | 'observed_at'
  | 'recorded_at'
  | 'rewritten_at'
  | 'next_desired_at'
>;

/** A commit (or one service × environment of it) that could not be ingested. */
export interface IngestionErrorRow {
  id: number | string;
  repository_id: string;
  commit_sha: string;
  /** '' when the whole commit failed. */
  service: string;
  environment: string;
  message: string;
  recorded_at: Date | string | number;
}

export type NewIngestionErrorRow = Omit<
  IngestionErrorRow,
  'id' | 'recorded_at'
>;

/** Database timestamps come back as Date (pg) or string/number (SQLite). */
export function toIso(
  value: Date | string | number | null | undefined,
): string | undefined {
  if (value === null || value === undefined) return undefined;
  const d = value instanceof Date ? value : new Date(value);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}
