/**
 * Feature-to-deployment correlation: what each rollout carried (its change
 * set) and where a feature (pull request, issue key, commit) runs.
 */

/** Why a rollout has (or has not) a change set. @public */
export type ChangeSetStatus =
  /** Computed: `added` / `removed` are complete. */
  | 'resolved'
  /** Not computed yet (correlation runs after ingestion). */
  | 'pending'
  /** A version could not be mapped to a source commit; `message` says why. */
  | 'unmapped'
  /** A mapped commit is not in the source repository (force-push, deleted). */
  | 'unknown-commit'
  /** The service has no source repository (annotation missing). */
  | 'no-source';

/** One commit of a service's source repository. @public */
export interface SourceCommit {
  sha: string;
  subject: string;
  authorName: string;
  authorEmail?: string;
  /** ISO 8601 commit time. */
  committedAt: string;
  url?: string;
  /** Pull request numbers this commit belongs to. */
  pullRequests: number[];
  /** Issue keys found in messages, PR titles/bodies and branch names. */
  issueKeys: string[];
}

/** @public */
export interface PullRequestRef {
  number: number;
  title?: string;
  url?: string;
  /** Branch name, when known (merge commit subject or GitHub). */
  branch?: string;
}

/** @public */
export interface IssueRef {
  key: string;
  url?: string;
}

/** Summary of CI results of the rollout's new version. @public */
export interface ChecksSummary {
  total: number;
  passed: number;
  failed: number;
  pending: number;
  /** Individual check runs / statuses, e.g. "unit-tests", "trivy-scan". */
  items: Array<{
    name: string;
    conclusion: 'success' | 'failure' | 'pending' | 'neutral' | 'skipped';
    url?: string;
  }>;
}

/** What a rollout added and removed. @public */
export interface ChangeSet {
  rolloutId: string;
  status: ChangeSetStatus;
  /** Human-readable reason for any status but `resolved`. */
  message?: string;
  sourceRepository?: string;
  fromCommit?: string;
  toCommit?: string;
  /** Commits in the new version but not the old one, newest first. */
  added: SourceCommit[];
  /** Commits in the old version but not the new one (rollbacks, diverged histories). */
  removed: SourceCommit[];
  pullRequests: PullRequestRef[];
  issueKeys: IssueRef[];
  authors: string[];
  checks?: ChecksSummary;
}

/** The kind of thing searched on the feature tracker. @public */
export type FeatureQueryKind = 'issue' | 'pull-request' | 'commit';

/** Where one feature is, per environment of one service. @public */
export interface FeatureEnvironmentPresence {
  environment: string;
  present: boolean;
  /** When it arrived (desired-at of the rollout that brought it). */
  since?: string;
  /** Set when it had arrived and a later rollout (e.g. a rollback) removed it. */
  removedAt?: string;
  removedByRolloutId?: string;
  removedByKind?: string;
  /** The rollout that brought it. */
  rolloutId?: string;
}

/** @public */
export interface FeatureServicePresence {
  repositoryId: string;
  service: string;
  /** The matching commits of the service's source repository. */
  commits: SourceCommit[];
  environments: FeatureEnvironmentPresence[];
  /**
   * Time spent in each environment before reaching the next stage, e.g.
   * staging → prod-us: seconds between arrival in staging and in prod-us.
   */
  dwell: Array<{ from: string; to: string; seconds: number }>;
}

/** Response of GET /v1/features?q=… @public */
export interface FeatureLookupResponse {
  query: string;
  kind: FeatureQueryKind;
  services: FeatureServicePresence[];
}

/** Response of GET /v1/entities/…/pending?from=&to= @public */
export interface PendingChangesResponse {
  from: string;
  to: string;
  fromVersion?: string;
  toVersion?: string;
  /** What promoting `from`'s version into `to` would bring. */
  changeSet: Omit<ChangeSet, 'rolloutId'>;
}

/**
 * One side (added or removed) of a rollout's change set, summed up for a
 * history row: the first few issue keys, pull requests and authors (newest
 * commits first) and how many there are in all. @public
 */
export interface ChangeSummarySide {
  /** Commits on this side. */
  commits: number;
  /** At most `CHANGE_SUMMARY_LIMIT`. */
  issueKeys: string[];
  issueKeyCount: number;
  /** At most `CHANGE_SUMMARY_LIMIT`; `title` when the portal saw it. */
  pullRequests: Array<{ number: number; title?: string }>;
  pullRequestCount: number;
  /** Author names, at most `CHANGE_SUMMARY_LIMIT`. */
  authors: string[];
  authorCount: number;
}

/**
 * What a rollout carried, at a glance (in the rollout lists as
 * `Rollout.changes`; the full list is the rollout's change set). A rollback
 * lists what it removed under `removed`. @public
 */
export interface RolloutChangeSummary {
  status: ChangeSetStatus;
  added: ChangeSummarySide;
  removed: ChangeSummarySide;
}

/** How many issue keys, pull requests and authors a summary names. @public */
export const CHANGE_SUMMARY_LIMIT = 3;
