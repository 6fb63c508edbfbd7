/* Pull request bodies: `pull-request-simple` (lists) and `pull-request`. */
import {
  DoubleUser,
  nodeId,
  repoApi,
  repoHtml,
  RepoUrls,
  simpleUser,
} from './common';

/** What the double remembers of a pull request. */
export interface PullState {
  number: number;
  id: number;
  title: string;
  body: string | null;
  /** Head and base branch names (same repository; forks are not served). */
  head: string;
  base: string;
  user: DoubleUser;
  state: 'open' | 'closed';
  draft: boolean;
  createdAt: string;
  updatedAt: string;
  closedAt: string | null;
  mergedAt: string | null;
  mergedBy: DoubleUser | null;
  /** The merge commit once merged; the test merge commit while open and mergeable. */
  mergeCommitSha: string | null;
  /** Head and base shas: followed while open, frozen when closed. */
  headSha: string;
  baseSha: string;
  /** Null until computed (GitHub computes it in the background). */
  mergeable: boolean | null;
}

/** Figures of the single-pull-request body, computed from Git. */
export interface PullFigures {
  commits: number;
  additions: number;
  deletions: number;
  changedFiles: number;
}

function branchRef(
  u: RepoUrls,
  owner: DoubleUser,
  repo: unknown,
  ref: string,
  sha: string,
) {
  return {
    label: `${u.owner}:${ref}`,
    ref,
    sha,
    user: simpleUser(owner, u.api, u.html),
    repo,
  };
}

/** `pull-request-simple`. */
export function pullRequestSimple(
  u: RepoUrls,
  pr: PullState,
  owner: DoubleUser,
  repo: unknown,
) {
  const api = repoApi(u);
  const html = repoHtml(u);
  const self = `${api}/pulls/${pr.number}`;
  const issue = `${api}/issues/${pr.number}`;
  const statuses = `${api}/statuses/${pr.headSha}`;
  return {
    url: self,
    id: pr.id,
    node_id: nodeId('PullRequest', pr.id),
    html_url: `${html}/pull/${pr.number}`,
    diff_url: `${html}/pull/${pr.number}.diff`,
    patch_url: `${html}/pull/${pr.number}.patch`,
    issue_url: issue,
    number: pr.number,
    state: pr.state,
    locked: false,
    title: pr.title,
    user: simpleUser(pr.user, u.api, u.html),
    body: pr.body,
    created_at: pr.createdAt,
    updated_at: pr.updatedAt,
    closed_at: pr.closedAt,
    merged_at: pr.mergedAt,
    merge_commit_sha: pr.mergeCommitSha,
    assignee: null,
    assignees: [],
    requested_reviewers: [],
    requested_teams: [],
    labels: [],
    milestone: null,
    draft: pr.draft,
    commits_url: `${self}/commits`,
    review_comments_url: `${self}/comments`,
    review_comment_url: `${api}/pulls/comments{/number}`,
    comments_url: `${issue}/comments`,
    statuses_url: statuses,
    head: branchRef(u, owner, repo, pr.head, pr.headSha),
    base: branchRef(u, owner, repo, pr.base, pr.baseSha),
    _links: {
      self: { href: self },
      html: { href: `${html}/pull/${pr.number}` },
      issue: { href: issue },
      comments: { href: `${issue}/comments` },
      review_comments: { href: `${self}/comments` },
      review_comment: { href: `${api}/pulls/comments{/number}` },
      commits: { href: `${self}/commits` },
      statuses: { href: statuses },
    },
    author_association: 'MEMBER',
    auto_merge: null,
    active_lock_reason: null,
  };
}

/** `pull-request` (the single pull request, create, update). */
export function pullRequest(
  u: RepoUrls,
  pr: PullState,
  owner: DoubleUser,
  repo: unknown,
  figures: PullFigures,
) {
  const merged = pr.mergedAt !== null;
  const mergeable = pr.state === 'open' ? pr.mergeable : null;
  let mergeableState = 'unknown';
  if (pr.state === 'open' && mergeable !== null)
    mergeableState = mergeable ? 'clean' : 'dirty';
  return {
    ...pullRequestSimple(u, pr, owner, repo),
    merged,
    mergeable,
    rebaseable: mergeable,
    mergeable_state: mergeableState,
    merged_by: pr.mergedBy ? simpleUser(pr.mergedBy, u.api, u.html) : null,
    comments: 0,
    review_comments: 0,
    maintainer_can_modify: false,
    commits: figures.commits,
    additions: figures.additions,
    deletions: figures.deletions,
    changed_files: figures.changedFiles,
  };
}
