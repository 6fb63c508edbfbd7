import type { HostedPullRequest } from '../../git/githubChecks';
import type { RawCommit } from '../analyzeCommits';
import type { GitHubSourceRepository } from '../GitHubSourceRepository';
import type { Comparison, SourceRepository } from '../types';
import { HistoryWindow } from './HistoryWindow';

/**
 * A GitHub source repository answered from the history pages fetched by a
 * backfill, without a request: the same answers as GitHubSourceRepository
 * (same commits, pull requests, CI of the new version), or NotInHistory
 * when the window cannot tell yet.
 */
export class WindowSourceRepository implements SourceRepository {
  constructor(
    private readonly github: GitHubSourceRepository,
    private readonly window: HistoryWindow,
  ) {}

  get id(): string {
    return this.github.id;
  }

  commitUrl(sha: string): string | undefined {
    return this.github.commitUrl(sha);
  }

  pullRequestUrl(n: number): string | undefined {
    return this.github.pullRequestUrl(n);
  }

  /**
   * GitHubSourceRepository takes a group's first candidate GitHub knows; a
   * candidate missing here may exist on GitHub, so a miss before the hit
   * is NotInHistory rather than a guess.
   */
  async resolveFirst(groups: string[][]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    for (const group of groups) {
      for (const candidate of group) {
        out.set(candidate, this.window.resolve(candidate));
        break;
      }
    }
    return out;
  }

  async compare(
    from: string | null,
    to: string,
    baselineMax: number,
  ): Promise<Comparison> {
    if (!from) {
      const max = Math.min(baselineMax, this.github.baselineCap);
      const list = max > 0 ? this.window.ancestors(to, max) : [];
      const commits = list
        .slice(0, max)
        .map(c => ({ ...strip(c), direction: 'baseline' as const }));
      return { commits, truncated: list.length > max };
    }
    const { added, removed } = this.window.between(from, to);
    const commits: RawCommit[] = [
      ...added.map(c => ({ ...strip(c), direction: 'added' as const })),
      ...removed.map(c => ({ ...strip(c), direction: 'removed' as const })),
    ];
    const pullRequests = new Map<string, HostedPullRequest[]>();
    for (const c of [...added, ...removed]) {
      pullRequests.set(c.sha, c.pullRequests);
    }
    return {
      commits,
      truncated: false,
      pullRequests,
      checks: this.window.commit(to)?.checks,
    };
  }
}

function strip(c: {
  sha: string;
  parents: string[];
  authorName: string;
  authorEmail: string;
  committedAt: string;
  message: string;
}) {
  return {
    sha: c.sha,
    parents: c.parents,
    authorName: c.authorName,
    authorEmail: c.authorEmail,
    committedAt: c.committedAt,
    message: c.message,
  };
}
