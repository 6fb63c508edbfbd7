import type { ChecksSummary } from '@gitops2/plugin-gitops-common';
import type { HostedPullRequest } from '../git/GitHubGitSource';
import type { PushedCommits } from '../git/PushedRevisions';
import type { RawCommit } from './analyzeCommits';

export type { HostedPullRequest };

/** What lies between two commits of a source repository. */
export interface Comparison {
  /** Newest first; `direction` says added, removed or baseline. */
  commits: RawCommit[];
  /** The baseline was cut at its maximum. */
  truncated: boolean;
  /** Pull requests per commit sha, when the host knows them (GitHub). */
  pullRequests?: Map<string, HostedPullRequest[]>;
  /** CI results of `to` (check runs and commit statuses), when the host has them. */
  checks?: ChecksSummary;
}

/**
 * Read access to a service's source repository: the local git CLI
 * (LocalSourceRepository) or GitHub (GitHubSourceRepository).
 */
export interface SourceRepository {
  /** e.g. `demo:guestbook-ui`, `github:acme/guestbook-ui` */
  readonly id: string;
  commitUrl(sha: string): string | undefined;
  pullRequestUrl(n: number): string | undefined;
  /**
   * For each group of candidate revisions (in preference order), the
   * candidates that name a commit, as candidate → full sha. Implementations
   * may stop at a group's first hit.
   */
  resolveFirst(groups: string[][]): Promise<Map<string, string>>;
  /**
   * Commits of `to` not in `from` (added) and of `from` not in `to`
   * (removed); without `from`, up to `baselineMax` commits reachable from
   * `to` (baseline). Throws when a commit is unknown.
   */
  compare(
    from: string | null,
    to: string,
    baselineMax: number,
  ): Promise<Comparison>;
  /** Drops what is remembered of a commit's CI results (CI reported anew). */
  forgetChecks?(sha: string): void;
  /**
   * Remembers the commits a `push` webhook named (hosted
   * repositories); returns how many were kept.
   */
  rememberPushed?(push: PushedCommits): number;
}
