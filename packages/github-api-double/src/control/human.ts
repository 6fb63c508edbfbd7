/*
 * What a person does on github.com or with `git push`, outside the API and
 * uncounted: push a commit to a branch, force-move or delete a branch, merge
 * or close a pull request by hand. Each runs under the repository's write
 * lock, like API writes.
 */
import type { ServedRepo } from '../ServedRepo';
import type { GitIdentity } from '../git/types';
import { ApiError } from '../http/reply';
import { DoubleUser, noreplyEmail } from '../shapes/common';
import type { PullState } from '../shapes/pulls';
import { MergeMethod } from '../pulls/PullRequests';

/** A pull request as tests see it. */
export interface PullRequestSummary {
  number: number;
  title: string;
  body: string | null;
  state: 'open' | 'closed';
  merged: boolean;
  mergedAt: string | null;
  mergeCommitSha: string | null;
  head: string;
  base: string;
  headSha: string;
  baseSha: string;
  htmlUrl: string;
}

export function summary(
  repo: ServedRepo,
  html: string,
  pr: PullState,
): PullRequestSummary {
  return {
    number: pr.number,
    title: pr.title,
    body: pr.body,
    state: pr.state,
    merged: pr.mergedAt !== null,
    mergedAt: pr.mergedAt,
    mergeCommitSha: pr.mergeCommitSha,
    head: pr.head,
    base: pr.base,
    headSha: pr.headSha,
    baseSha: pr.baseSha,
    htmlUrl: `${html}/${repo.slug}/pull/${pr.number}`,
  };
}

/** Options of a direct push. */
export interface PushOptions {
  /** Files to write (content) or delete (null), relative to the repository root. */
  files: Record<string, string | null>;
  message?: string;
  author?: { name: string; email: string };
  /** Parent commit (default: the branch head; a new branch needs it). */
  parent?: string;
}

const asError = (e: unknown) =>
  e instanceof ApiError ? new Error(`${e.status} ${e.message}`) : e;

/** Commits `files` on top of the branch (or `parent`) and moves the branch there. Returns the commit. */
export function pushCommit(
  repo: ServedRepo,
  branch: string,
  options: PushOptions,
  user: DoubleUser,
  now: () => string,
): Promise<string> {
  return repo.lock.run(async () => {
    const ref = `refs/heads/${branch}`;
    const current = (await repo.git.readRef(ref))?.sha;
    const parent = options.parent ?? current;
    const base = parent ? await repo.git.treeOf(parent) : undefined;
    const tree = await repo.git.writeTree(
      base,
      Object.entries(options.files).map(([path, content]) =>
        content === null
          ? { path, mode: '100644', type: 'blob' as const, sha: null }
          : { path, mode: '100644', type: 'blob' as const, content },
      ),
    );
    const date = now();
    const who: GitIdentity = {
      name: options.author?.name ?? user.name,
      email: options.author?.email ?? (user.email || noreplyEmail(user)),
      date,
    };
    const sha = await repo.git.writeCommit({
      tree,
      parents: parent ? [parent] : [],
      message:
        options.message ?? `Update ${Object.keys(options.files).join(', ')}`,
      author: who,
      committer: who,
    });
    if (!(await repo.git.casRef(ref, sha, current ?? null))) {
      throw new Error(`branch ${branch} moved during the push`);
    }
    return sha;
  });
}

/** Points a branch at `sha` whatever it was (a force push), or deletes it (null). */
export function setBranch(
  repo: ServedRepo,
  branch: string,
  sha: string | null,
): Promise<void> {
  return repo.lock.run(async () => {
    const ref = `refs/heads/${branch}`;
    const current = (await repo.git.readRef(ref))?.sha;
    if (sha === null) {
      if (current) await repo.git.deleteRef(ref, current);
      return;
    }
    if (!(await repo.git.casRef(ref, sha, current ?? null))) {
      throw new Error(`could not move ${branch} to ${sha}`);
    }
  });
}

/** Merges a pull request as a person would with the button (same checks as the API). */
export function mergeByHand(
  repo: ServedRepo,
  n: number,
  options: { method?: MergeMethod; sha?: string },
  user: DoubleUser,
): Promise<string> {
  return repo.lock.run(async () => {
    try {
      const sha = await repo.pulls.merge(n, options, user);
      if (!sha) throw new Error(`no pull request #${n} in ${repo.slug}`);
      return sha;
    } catch (e) {
      throw asError(e);
    }
  });
}

/** Closes a pull request without merging it. */
export function closeByHand(repo: ServedRepo, n: number): Promise<void> {
  return repo.lock.run(async () => {
    const pr = await repo.pulls.update(n, { state: 'closed' });
    if (!pr) throw new Error(`no pull request #${n} in ${repo.slug}`);
  });
}
