import type { JsonValue } from '@backstage/types';
/**
 * Domain types shared by the GitOps 2.0 frontend and backend.
 *
 * Vocabulary (see docs/architecture.md):
 * - a Service is a catalog Component placed in a GitOps repository;
 * - an Environment is a named place a service runs, at a position in the
 *   promotion Pipeline (stages run in order; environments inside one stage
 *   are parallel, e.g. prod-us + prod-eu);
 * - a Version is what an environment runs, read from manifests by a version
 *   locator;
 * - a Rollout is one change of version in one environment.
 *
 * @packageDocumentation
 */

import type { PromotionPolicy } from './promotion';
import type { RolloutChangeSummary } from './correlation';

/**
 * How a version came to an environment: `initial` is the first version it
 * ever had (the oldest the ledger read), then promotions from the previous
 * stage, rollbacks and direct changes.
 *
 * @public
 */
export type RolloutKind = 'initial' | 'promotion' | 'rollback' | 'direct';

/**
 * Outcome of a rollout. Rollouts read from Git start as `pending`; cluster
 * observation (when configured) moves them to `progressing`, `succeeded` or
 * `degraded`; the deployment steps of the environment (`after` steps) to
 * `verified` or `failed`; a later rollback of the environment away from the
 * version to `rolled-back`. The API never answers `pending` for a rollout no
 * cluster will observe: it reads `not-observed` (historic, rewritten, or an
 * environment without a watched cluster) or `superseded` (a later rollout
 * replaced it before the cluster was seen running it); see
 * `presentRolloutOutcome`.
 * @public
 */
export type RolloutOutcome =
  | 'pending'
  | 'not-observed'
  | 'superseded'
  | 'progressing'
  | 'succeeded'
  | 'verified'
  | 'degraded'
  | 'failed'
  | 'rolled-back';

/** An error tied to a file in the GitOps repository. @public */
export interface SourceError {
  /** Human readable, precise: what was expected and what was found. */
  message: string;
  /** Path of the file inside the GitOps repository. */
  file?: string;
  /** 1-based line number, where there is one. */
  line?: number;
}

/** @public */
export interface EnvironmentDefinition {
  name: string;
  /** Name of the stage (the position in the pipeline). */
  stage: string;
  /** 0-based index of the stage in promotion order. */
  stageIndex: number;
  cluster?: string;
  namespace?: string;
  url?: string;
  /** Promotion policy (gates) of the environment; defaults when absent. */
  promotion?: PromotionPolicy;
  /**
   * Deployment steps (docs/pipeline.md "Steps"): `before` must pass before a
   * promotion writes; `after` verify it once merged. The file's
   * `spec.steps` are the defaults of every environment, per phase.
   */
  steps?: EnvironmentSteps;
}

/** @public */
export interface EnvironmentSteps {
  before: PipelineStep[];
  after: PipelineStep[];
}

/** One deployment step as the pipeline file defines it, validated. @public */
export interface PipelineStep {
  /** Registry type, e.g. `http`, `prometheus`, `wait-healthy`. */
  type: string;
  /** Unique within its phase; defaults to the type (and its position). */
  name: string;
  /** Runs when the steps before it passed (default), failed, or always. */
  when: 'onSuccess' | 'onFailure' | 'always';
  /** Longest the step may take in all, its attempts included. */
  timeoutSeconds: number;
  /** The type's own options. */
  options: { [key: string]: JsonValue };
}

/** @public */
export interface StageDefinition {
  name: string;
  environments: string[];
}

/** @public */
export interface PipelineDefinition {
  name: string;
  stages: StageDefinition[];
  environments: EnvironmentDefinition[];
}

/** A Git commit in the GitOps repository, as shown to users. @public */
export interface GitCommitRef {
  sha: string;
  /** Link to the commit, when the repository has a web view. */
  url?: string;
  authorName: string;
  authorEmail?: string;
  /** ISO 8601. */
  committedAt: string;
  /** First line of the commit message. */
  subject: string;
}

/** What Git says an environment should run. @public */
export interface DesiredVersion {
  version: string;
  /** Manifest file the version was read from, and its line. */
  file: string;
  line?: number;
  /** The commit that last changed the version. */
  lastChange?: GitCommitRef;
}

/** One environment of one service, as shown on the GitOps tab. @public */
export interface EnvironmentStatus {
  environment: EnvironmentDefinition;
  /** Null when not yet known or when the manifest could not be read. */
  desired: DesiredVersion | null;
  /** Set when the manifest, the locator or the pipeline entry is broken. */
  error: SourceError | null;
}

/** @public */
export interface RepositoryState {
  id: string;
  provider: 'local' | 'github';
  /**
   * The repository's remote URL (`https://…`), when it has one. Never a path
   * on the server's file system (a local repository has no location: it is
   * shown by its id) and never with credentials.
   */
  location?: string;
  branch: string;
  pipelineFile: string;
  /** Last GitOps commit fully ingested. */
  lastCommitSha?: string;
  lastIngestedAt?: string;
  /** Error of the last ingestion run, if it failed. */
  error?: SourceError | null;
  /**
   * Commits that could not be ingested (skipped; ingestion moved on), the
   * most recent first (at most 20), and how many there are in all.
   */
  ingestionErrors?: IngestionError[];
  ingestionErrorCount?: number;
}

/**
 * A GitOps commit, or one service × environment of it, that could not be
 * ingested: e.g. a version longer than the ledger stores, a locator that
 * failed, rows the database refused. @public
 */
export interface IngestionError {
  commitSha: string;
  /** Link to the commit, when the repository has a web view. */
  commitUrl?: string;
  /** Absent when the whole commit failed. */
  service?: string;
  environment?: string;
  message: string;
  /** ISO 8601: when ingestion met it. */
  recordedAt: string;
}

/** Response of GET /v1/entities/:namespace/:kind/:name/status. @public */
export interface ServiceStatusResponse {
  service: string;
  repository: RepositoryState;
  pipeline: PipelineDefinition | null;
  /** The pipeline file itself is broken (the last good one is shown). */
  pipelineError: SourceError | null;
  /**
   * The pipeline has no entry for this service under `spec.services` (each
   * environment also carries that error): the page says it once, with what
   * to do.
   */
  notInPipeline?: boolean;
  environments: EnvironmentStatus[];
  /**
   * Opaque key of this service's live updates (GITOPS_SIGNAL_CHANNEL): a
   * view refetches on signals carrying it. Set by the HTTP API.
   */
  changeKey?: string;
  /** Opaque key of repository-wide live updates (new rollouts of the repository). */
  repositoryChangeKey?: string;
}

/** @public */
export interface Rollout {
  id: string;
  service: string;
  environment: string;
  fromVersion: string | null;
  toVersion: string;
  kind: RolloutKind;
  outcome: RolloutOutcome;
  /**
   * Why the outcome is what it is, when the portal knows: the deployment
   * step that failed and what it saw, the rollback that took the version
   * away. One line, secret-free.
   */
  outcomeDetail?: string;
  /** The GitOps commit that changed the version. */
  commit: GitCommitRef;
  /** Desired-at: commit time in Git (ISO 8601). */
  desiredAt: string;
  /** Observed-at: when the cluster converged, once known. */
  observedAt?: string;
  /**
   * Who or what initiated it: the `Gitops-Initiator` of a commit the portal
   * wrote (a user ref or a policy), else the commit's Git author.
   */
  initiator: string;
  file: string;
  /**
   * Set (ISO 8601) when the GitOps commit is no longer in the branch's
   * history (force-push): the rollout is kept in the history, flagged, and
   * left out of metrics, feature answers and outcome tracking.
   */
  rewrittenAt?: string;
  /**
   * What it carried at a glance (issue keys, pull requests, commits,
   * authors), once correlated; absent before. The list endpoints compute it
   * for the whole page at once.
   */
  changes?: RolloutChangeSummary;
}

/** Response of GET /v1/entities/:namespace/:kind/:name/rollouts. @public */
export interface RolloutPage {
  items: Rollout[];
  /** Pass as `before` to fetch the next (older) page. */
  nextCursor?: string;
  totalCount: number;
}

/** @public */
export interface RepositoriesResponse {
  items: RepositoryState[];
}
