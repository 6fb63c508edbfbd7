import {
  coAuthorsOf,
  IssueKeyExtractor,
  MergeInfo,
  parseMergeMessage,
  parseSquashSubject,
} from './featureRefs';
import type { HostedPullRequest } from './types';

export type Direction = 'added' | 'removed' | 'baseline';

/** A commit as read from `git log`. */
export interface RawCommit {
  sha: string;
  parents: string[];
  authorName: string;
  authorEmail: string;
  /** ISO 8601 committer date. */
  committedAt: string;
  /** Full message. */
  message: string;
  direction: Direction;
}

export interface AnalyzedCommit extends RawCommit {
  subject: string;
  pullRequests: number[];
  issueKeys: string[];
  coAuthors: string[];
}

export interface PullRequestInfo {
  number: number;
  title?: string;
  branch?: string;
  mergeSha?: string;
}

export interface AnalyzedCommits {
  commits: AnalyzedCommit[];
  pullRequests: PullRequestInfo[];
}

/**
 * Attaches pull requests and issue keys to the commits of a change set.
 *
 * - A squash commit `… (#130)` belongs to #130.
 * - A merge `Merge pull request #150 from acme/SAAS-1543-dark-mode` belongs to
 *   #150, and so does every commit it brought: those reachable from its
 *   second parent but not from its first, within the same side of the change
 *   set (commits outside it were already deployed). A commit reached through
 *   nested merges belongs to each of their pull requests.
 * - Issue keys come from the commit's own message, and from the branch names
 *   and titles of its pull requests (a key only in the branch name reaches
 *   every commit of the pull request).
 */
export function analyzeCommits(
  raw: RawCommit[],
  issueKeys: IssueKeyExtractor,
  hosted?: Map<string, HostedPullRequest[]>,
): AnalyzedCommits {
  const prsOf = new Map<string, Set<number>>();
  const prInfo = new Map<number, PullRequestInfo>();
  const addPr = (sha: string, n: number) => {
    let set = prsOf.get(sha);
    if (!set) prsOf.set(sha, (set = new Set()));
    set.add(n);
  };

  for (const direction of ['added', 'removed', 'baseline'] as Direction[]) {
    const side = raw.filter(c => c.direction === direction);
    const bySha = new Map(side.map(c => [c.sha, c]));
    const reach = (start: string | undefined): Set<string> => {
      const seen = new Set<string>();
      const stack = start && bySha.has(start) ? [start] : [];
      while (stack.length) {
        const sha = stack.pop()!;
        if (seen.has(sha)) continue;
        seen.add(sha);
        for (const p of bySha.get(sha)!.parents)
          if (bySha.has(p) && !seen.has(p)) stack.push(p);
      }
      return seen;
    };
    for (const c of side) {
      const subject = c.message.split('\n')[0];
      const squash = parseSquashSubject(subject);
      if (squash !== undefined) {
        addPr(c.sha, squash);
        if (!prInfo.has(squash))
          prInfo.set(squash, {
            number: squash,
            title: subject.replace(/\s*\(#[0-9]+\)\s*$/, ''),
          });
      }
      const merge: MergeInfo | undefined =
        c.parents.length > 1 ? parseMergeMessage(c.message) : undefined;
      if (!merge) continue;
      prInfo.set(merge.number, {
        number: merge.number,
        title: merge.title,
        branch: merge.branch,
        mergeSha: c.sha,
      });
      addPr(c.sha, merge.number);
      const mainLine = reach(c.parents[0]);
      for (const sha of reach(c.parents[1]))
        if (!mainLine.has(sha)) addPr(sha, merge.number);
    }
  }

  // Pull requests the host associates with the commits (GitHub): their
  // titles, bodies and branch names carry issue keys too.
  const bodies = new Map<number, string>();
  for (const [sha, prs] of hosted ?? []) {
    for (const p of prs) {
      addPr(sha, p.number);
      const known = prInfo.get(p.number);
      prInfo.set(p.number, {
        number: p.number,
        title: p.title ?? known?.title,
        branch: p.branch ?? known?.branch,
        mergeSha: known?.mergeSha,
      });
      if (p.body) bodies.set(p.number, p.body);
    }
  }

  const commits = raw.map(c => {
    const prs = [...(prsOf.get(c.sha) ?? [])].sort((a, b) => a - b);
    const prTexts = prs.flatMap(n => [
      prInfo.get(n)?.branch,
      prInfo.get(n)?.title,
      bodies.get(n),
    ]);
    return {
      ...c,
      subject: c.message.split('\n')[0],
      pullRequests: prs,
      issueKeys: issueKeys.extract(c.message, ...prTexts),
      coAuthors: coAuthorsOf(c.message),
    };
  });
  return {
    commits,
    pullRequests: [...prInfo.values()].sort((a, b) => a.number - b.number),
  };
}
