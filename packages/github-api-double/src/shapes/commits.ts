/*
 * Commit bodies: the REST `commit` (list, single, compare), the Git data API
 * `git-commit`, `diff-entry` and `commit-comparison`.
 */
import type { CommitData, FileChange } from '../git/types';
import {
  encodePath,
  gitUser,
  nodeId,
  repoApi,
  repoHtml,
  RepoUrls,
  UNSIGNED,
} from './common';

/** `diff-entry` of a change in commit `at`. */
export function diffEntry(u: RepoUrls, at: string, f: FileChange) {
  const p = encodePath(f.filename);
  return {
    sha: f.sha,
    filename: f.filename,
    status: f.status,
    additions: f.additions,
    deletions: f.deletions,
    changes: f.additions + f.deletions,
    blob_url: `${repoHtml(u)}/blob/${at}/${p}`,
    raw_url: `${repoHtml(u)}/raw/${at}/${p}`,
    contents_url: `${repoApi(u)}/contents/${p}?ref=${at}`,
    ...(f.previousFilename ? { previous_filename: f.previousFilename } : {}),
  };
}

/**
 * The REST `commit`. `files` (and `stats`) only for the single-commit
 * endpoint; GitHub account fields are null (the double maps no email to an
 * account, as GitHub does for unknown emails).
 */
export function restCommit(
  u: RepoUrls,
  c: CommitData,
  files?: { page: FileChange[]; all: FileChange[] },
) {
  const api = repoApi(u);
  const html = repoHtml(u);
  const body: Record<string, unknown> = {
    sha: c.sha,
    node_id: nodeId('Commit', `${u.id}:${c.sha}`),
    commit: {
      author: gitUser(c.author),
      committer: gitUser(c.committer),
      message: c.message,
      tree: { sha: c.tree, url: `${api}/git/trees/${c.tree}` },
      url: `${api}/git/commits/${c.sha}`,
      comment_count: 0,
      verification: UNSIGNED,
    },
    url: `${api}/commits/${c.sha}`,
    html_url: `${html}/commit/${c.sha}`,
    comments_url: `${api}/commits/${c.sha}/comments`,
    author: null,
    committer: null,
    parents: c.parents.map(p => ({
      sha: p,
      url: `${api}/commits/${p}`,
      html_url: `${html}/commit/${p}`,
    })),
  };
  if (files) {
    const additions = files.all.reduce((s, f) => s + f.additions, 0);
    const deletions = files.all.reduce((s, f) => s + f.deletions, 0);
    body.stats = { total: additions + deletions, additions, deletions };
    body.files = files.page.map(f => diffEntry(u, c.sha, f));
  }
  return body;
}

/** The Git data API `git-commit`. */
export function gitCommit(u: RepoUrls, c: CommitData) {
  const api = repoApi(u);
  const html = repoHtml(u);
  return {
    sha: c.sha,
    node_id: nodeId('Commit', `${u.id}:${c.sha}`),
    url: `${api}/git/commits/${c.sha}`,
    html_url: `${html}/commit/${c.sha}`,
    author: gitUser(c.author),
    committer: gitUser(c.committer),
    tree: { sha: c.tree, url: `${api}/git/trees/${c.tree}` },
    message: c.message,
    parents: c.parents.map(p => ({
      sha: p,
      url: `${api}/git/commits/${p}`,
      html_url: `${html}/commit/${p}`,
    })),
    verification: UNSIGNED,
  };
}

/** `commit-comparison` of `base...head`. */
export function comparison(
  u: RepoUrls,
  spec: string,
  c: {
    base: CommitData;
    mergeBase: CommitData;
    status: 'diverged' | 'ahead' | 'behind' | 'identical';
    aheadBy: number;
    behindBy: number;
    commits: CommitData[];
    files?: FileChange[];
    head: string;
  },
) {
  const api = repoApi(u);
  const html = repoHtml(u);
  return {
    url: `${api}/compare/${spec}`,
    html_url: `${html}/compare/${spec}`,
    permalink_url: `${html}/compare/${u.owner}:${c.base.sha}...${u.owner}:${c.head}`,
    diff_url: `${html}/compare/${spec}.diff`,
    patch_url: `${html}/compare/${spec}.patch`,
    base_commit: restCommit(u, c.base),
    merge_base_commit: restCommit(u, c.mergeBase),
    status: c.status,
    ahead_by: c.aheadBy,
    behind_by: c.behindBy,
    total_commits: c.aheadBy,
    commits: c.commits.map(x => restCommit(u, x)),
    ...(c.files ? { files: c.files.map(f => diffEntry(u, c.head, f)) } : {}),
  };
}
