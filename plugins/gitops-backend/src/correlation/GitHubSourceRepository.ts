import type { GitHubGitSource } from '../git/GitHubGitSource';
import type { PushedCommits } from '../git/PushedRevisions';
import type { RawCommit } from './analyzeCommits';
import { Comparison, SourceRepository } from './types';

/**
 * A source repository on GitHub, read through GitHubGitSource's Octokit
 * (throttling and retry plugins, `retry-after`, sha-keyed caches).
 *
 * Requests per rollout: the new version's commit (1, cached by revision, none
 * when a `push` webhook named it: rememberPushed; the
 * old version was the new one of an earlier rollout, so usually cached), the
 * comparison old...new (1 per 100 commits; GitHub lists at most 250 commits
 * of a comparison without paging), the reverse comparison only when the old
 * version has commits the new one lacks (rollbacks, diverged histories), and
 * one GraphQL query for the pull requests of all the commits (per 100).
 */
export class GitHubSourceRepository implements SourceRepository {
  constructor(
    /** `github:owner/name` */
    readonly id: string,
    /** The repository's GitHub client (the backfill's GraphQL goes through it). */
    readonly github: GitHubGitSource,
    /** Most commits listed for a first deployment's baseline. */
    readonly baselineCap = 100,
  ) {}

  commitUrl(sha: string): string | undefined {
    return this.github.commitUrl(sha);
  }

  pullRequestUrl(n: number): string | undefined {
    return this.github.pullRequestUrl(n);
  }

  async resolveFirst(groups: string[][]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    for (const group of groups) {
      for (const candidate of group) {
        const sha = await this.github.resolveCommit(candidate);
        if (sha) {
          out.set(candidate, sha);
          break;
        }
      }
    }
    return out;
  }

  forgetChecks(sha: string): void {
    this.github.forgetChecks(sha);
  }

  rememberPushed(push: PushedCommits): number {
    return this.github.rememberPushed(push);
  }

  async compare(
    from: string | null,
    to: string,
    baselineMax: number,
  ): Promise<Comparison> {
    if (!from) {
      const max = Math.min(baselineMax, this.baselineCap);
      const list = max > 0 ? await this.github.history(to, max + 1) : [];
      const commits = list
        .slice(0, max)
        .map(c => ({ ...c, direction: 'baseline' as const }));
      return { commits, truncated: list.length > max };
    }
    const ahead = await this.github.compareCommits(from, to);
    if (!ahead) {
      throw new Error(
        `GitHub cannot compare ${from.slice(0, 12)}...${to.slice(0, 12)} in ${
          this.id
        }`,
      );
    }
    const behind =
      ahead.behindBy > 0
        ? await this.github.compareCommits(to, from)
        : undefined;
    const commits: RawCommit[] = [
      ...ahead.commits.map(c => ({ ...c, direction: 'added' as const })),
      ...(behind?.commits ?? []).map(c => ({
        ...c,
        direction: 'removed' as const,
      })),
    ];
    const hosted = await this.github.commitAssociations(
      commits.map(c => c.sha),
      to,
    );
    return {
      commits,
      truncated: false,
      pullRequests: hosted?.pullRequests,
      checks: hosted?.checks,
    };
  }
}
