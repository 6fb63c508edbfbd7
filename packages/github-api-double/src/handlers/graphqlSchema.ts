/*
 * The part of GitHub's GraphQL schema the double serves, over a served
 * repository's Git data: `repository(owner, name)` with `defaultBranchRef`
 * and `object(oid)`; a Commit's `oid`, `message`, `committedDate`,
 * `author`, `parents`, `history(first, after)` (as `git log`, 100 per page
 * at most, opaque cursors), `associatedPullRequests` (the pull requests
 * whose commits include it, or that it merged) and `statusCheckRollup` (the
 * checks a test set with `setCommitChecks`, else null).
 */
import type { CommitData } from '../git/types';
import type { ServedRepo } from '../ServedRepo';
import type { PullState } from '../shapes/pulls';
import { GqlObject, GraphQLFieldError } from './graphqlExecute';

const MAX_FIRST = 100;

function firstOf(args: Record<string, unknown>, field: string): number {
  const n = Number(args.first ?? args.last);
  if (!Number.isInteger(n) || n < 1) {
    throw new GraphQLFieldError(
      `You must provide a \`first\` or \`last\` value to properly paginate the \`${field}\` connection.`,
    );
  }
  if (n > MAX_FIRST) {
    throw new GraphQLFieldError(
      `Requesting ${n} records on the \`${field}\` connection exceeds the \`first\` limit of ${MAX_FIRST} records.`,
    );
  }
  return n;
}

const encodeCursor = (sha: string, offset: number) =>
  Buffer.from(`${sha} ${offset}`).toString('base64');

function decodeCursor(cursor: unknown, sha: string): number {
  if (cursor === undefined || cursor === null) return 0;
  const [s, n] = Buffer.from(String(cursor), 'base64')
    .toString('utf8')
    .split(' ');
  const offset = Number(n);
  if (s !== sha || !Number.isInteger(offset) || offset < 0) {
    throw new GraphQLFieldError(
      `\`${String(cursor)}\` does not appear to be a valid cursor.`,
    );
  }
  return offset + 1;
}

/** Pull requests per commit sha, computed once per query. */
class Associations {
  private index?: Promise<Map<string, PullState[]>>;

  constructor(private readonly repo: ServedRepo) {}

  of(sha: string): Promise<PullState[]> {
    this.index ??= (async () => {
      const map = new Map<string, PullState[]>();
      for (const pr of await this.repo.pulls.all()) {
        const shas = new Set(
          await this.repo.git.commitsBetween(pr.baseSha, pr.headSha),
        );
        if (pr.mergeCommitSha && pr.mergedAt) shas.add(pr.mergeCommitSha);
        for (const s of shas) map.set(s, [...(map.get(s) ?? []), pr]);
      }
      return map;
    })();
    return this.index.then(m => m.get(sha) ?? []);
  }
}

function commitObject(
  repo: ServedRepo,
  c: CommitData,
  prs: Associations,
): GqlObject {
  return {
    __typename: 'Commit',
    __implements: ['GitObject'],
    oid: c.sha,
    message: c.message,
    committedDate: c.committer.date,
    authoredDate: c.author.date,
    author: { __typename: 'GitActor', ...c.author },
    committer: { __typename: 'GitActor', ...c.committer },
    parents: async (args: Record<string, unknown>) => {
      const n = firstOf(args, 'parents');
      const list = await repo.git.readCommits(c.parents.slice(0, n));
      return {
        __typename: 'CommitConnection',
        totalCount: c.parents.length,
        nodes: list.map(p => commitObject(repo, p, prs)),
      };
    },
    history: async (args: Record<string, unknown>) => {
      const n = firstOf(args, 'history');
      const skip = decodeCursor(args.after, c.sha);
      const { commits, total } = await repo.git.log(c.sha, skip, n);
      const end = skip + commits.length - 1;
      return {
        __typename: 'CommitHistoryConnection',
        totalCount: total,
        pageInfo: {
          __typename: 'PageInfo',
          hasNextPage: skip + commits.length < total,
          endCursor: commits.length ? encodeCursor(c.sha, end) : null,
        },
        nodes: commits.map(x => commitObject(repo, x, prs)),
      };
    },
    associatedPullRequests: async (args: Record<string, unknown>) => {
      const n = firstOf(args, 'associatedPullRequests');
      const list = (await prs.of(c.sha)).slice(0, n);
      return {
        __typename: 'PullRequestConnection',
        totalCount: list.length,
        nodes: list.map(pr => ({
          __typename: 'PullRequest',
          number: pr.number,
          title: pr.title,
          body: pr.body ?? '',
          headRefName: pr.head,
          state: pr.mergedAt ? 'MERGED' : pr.state.toUpperCase(),
        })),
      };
    },
    statusCheckRollup: () => {
      const contexts = repo.checks.get(c.sha);
      if (!contexts) return null;
      return {
        __typename: 'StatusCheckRollup',
        contexts: (args: Record<string, unknown>) => {
          const n = firstOf(args, 'contexts');
          return {
            __typename: 'StatusCheckRollupContextConnection',
            totalCount: contexts.length,
            nodes: contexts.slice(0, n),
          };
        },
      };
    },
  };
}

/** The query root for one request. */
export function queryRoot(
  repoBySlug: (slug: string) => ServedRepo | undefined,
): GqlObject {
  const associations = new Map<ServedRepo, Associations>();
  const prsOf = (repo: ServedRepo) => {
    let a = associations.get(repo);
    if (!a) associations.set(repo, (a = new Associations(repo)));
    return a;
  };
  return {
    __typename: 'Query',
    repository: (args: Record<string, unknown>) => {
      const slug = `${args.owner}/${args.name}`;
      const repo = repoBySlug(slug);
      if (!repo) {
        throw new GraphQLFieldError(
          `Could not resolve to a Repository with the name '${slug}'.`,
        );
      }
      const commit = async (sha: string) => {
        const c = await repo.git.readCommit(sha).catch(() => undefined);
        return c ? commitObject(repo, c, prsOf(repo)) : null;
      };
      return {
        __typename: 'Repository',
        nameWithOwner: repo.slug,
        defaultBranchRef: async () => {
          const ref = await repo.git.readRef(
            `refs/heads/${repo.defaultBranch}`,
          );
          if (!ref) return null;
          return {
            __typename: 'Ref',
            name: repo.defaultBranch,
            target: () => commit(ref.sha),
          };
        },
        object: (a: Record<string, unknown>) =>
          /^[0-9a-f]{40}$/.test(String(a.oid)) ? commit(String(a.oid)) : null,
      };
    },
  };
}
