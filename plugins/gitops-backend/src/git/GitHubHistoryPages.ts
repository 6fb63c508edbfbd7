import type { ChecksSummary } from '@gitops2/plugin-gitops-common';
import type { CommitInfo } from './githubApiTypes';
import { HostedPullRequest, summarizeChecks } from './githubChecks';
import { SHA_RE } from './githubHelpers';

/** Commits per history page: GitHub's largest `first`. */
export const HISTORY_PAGE_SIZE = 100;

/** A commit of a history page, with what GitHub associates with it. */
export interface HistoryCommit extends CommitInfo {
  pullRequests: HostedPullRequest[];
  /** CI results (statusCheckRollup); an empty summary when there are none. */
  checks: ChecksSummary;
}

/** One page to fetch: the first page of the default branch, or the page after `after` of `head`. */
export interface HistoryPageRequest {
  owner: string;
  name: string;
  /** Omitted for the first page (the default branch's head is read with it). */
  head?: string;
  after?: string;
}

export type HistoryPageResult =
  | {
      ok: true;
      head: string;
      commits: HistoryCommit[];
      endCursor?: string;
      hasNextPage: boolean;
    }
  | { ok: false; message: string };

const NAME = /^[A-Za-z0-9_.-]{1,100}$/;

const NODE_FIELDS = `oid message committedDate author { name email date } committer { date } parents(first: 10) { nodes { oid } } associatedPullRequests(first: 10) { nodes { number title body headRefName } } statusCheckRollup { contexts(first: 100) { nodes { __typename ... on CheckRun { name status conclusion detailsUrl } ... on StatusContext { context state targetUrl } } } }`;

/**
 * One GraphQL query for history pages of several repositories (aliases
 * `r0`, `r1`, …): each a page of 100 commits with parents, associated pull
 * requests and check rollup. Arguments are literals (JSON-quoted), checked
 * before they are written.
 */
export function historyQuery(
  requests: HistoryPageRequest[],
  pageSize = HISTORY_PAGE_SIZE,
): string {
  const parts = requests.map((r, i) => {
    if (!NAME.test(r.owner) || !NAME.test(r.name)) {
      throw new Error(`"${r.owner}/${r.name}" is not a GitHub owner/name`);
    }
    const history = `history(first: ${Math.min(
      HISTORY_PAGE_SIZE,
      Math.max(1, Math.floor(pageSize)),
    )}${
      r.after ? `, after: ${JSON.stringify(r.after)}` : ''
    }) { pageInfo { hasNextPage endCursor } nodes { ${NODE_FIELDS} } }`;
    let target: string;
    if (r.head) {
      if (!SHA_RE.test(r.head)) throw new Error(`"${r.head}" is not a sha`);
      target = `object(oid: "${r.head}") { ... on Commit { oid ${history} } }`;
    } else {
      target = `defaultBranchRef { target { ... on Commit { oid ${history} } } }`;
    }
    return `r${i}: repository(owner: ${JSON.stringify(
      r.owner,
    )}, name: ${JSON.stringify(r.name)}) { ${target} }`;
  });
  return `query { ${parts.join(' ')} }`;
}

function toHistoryCommit(n: any): HistoryCommit | undefined {
  if (!n || typeof n.oid !== 'string' || !SHA_RE.test(n.oid)) return undefined;
  const date = n.committer?.date ?? n.committedDate ?? n.author?.date;
  return {
    sha: n.oid,
    parents: ((n.parents?.nodes ?? []) as any[])
      .map(p => p?.oid)
      .filter((p): p is string => typeof p === 'string'),
    authorName: typeof n.author?.name === 'string' ? n.author.name : '',
    authorEmail: typeof n.author?.email === 'string' ? n.author.email : '',
    committedAt: date
      ? new Date(date).toISOString()
      : new Date(0).toISOString(),
    message: String(n.message ?? '').replace(/\n+$/, ''),
    pullRequests: ((n.associatedPullRequests?.nodes ?? []) as any[])
      .filter(p => typeof p?.number === 'number')
      .map(p => ({
        number: p.number,
        title: typeof p.title === 'string' ? p.title : undefined,
        body: typeof p.body === 'string' ? p.body.slice(0, 20_000) : undefined,
        branch: typeof p.headRefName === 'string' ? p.headRefName : undefined,
      })),
    checks: summarizeChecks(n.statusCheckRollup?.contexts?.nodes ?? []),
  };
}

/** The pages of a `historyQuery` answer, in request order. */
export function parseHistoryResponse(
  requests: HistoryPageRequest[],
  body: any,
): HistoryPageResult[] {
  const data = body?.data ?? {};
  const errors: any[] = Array.isArray(body?.errors) ? body.errors : [];
  return requests.map((r, i) => {
    const alias = `r${i}`;
    const error = errors.find(
      e => Array.isArray(e?.path) && e.path[0] === alias,
    );
    const repo = data[alias];
    const target = r.head ? repo?.object : repo?.defaultBranchRef?.target;
    const history = target?.history;
    if (error || !history || typeof target?.oid !== 'string') {
      return {
        ok: false,
        message: `no history of ${r.owner}/${
          r.name
        } from GitHub GraphQL: ${String(
          error?.message ??
            errors[0]?.message ??
            (repo && !target ? 'no default branch or commit' : 'no data'),
        ).slice(0, 300)}`,
      };
    }
    const commits = ((history.nodes ?? []) as any[])
      .map(toHistoryCommit)
      .filter((c): c is HistoryCommit => !!c);
    return {
      ok: true,
      head: target.oid,
      commits,
      endCursor:
        typeof history.pageInfo?.endCursor === 'string'
          ? history.pageInfo.endCursor
          : undefined,
      hasNextPage: history.pageInfo?.hasNextPage === true,
    };
  });
}
