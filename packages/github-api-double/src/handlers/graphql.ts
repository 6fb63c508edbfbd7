/*
 * `POST /graphql`, only for the query shape the product sends (pull
 * requests associated with commits, and the CI status of one commit):
 *
 *   query($owner: String!, $name: String!) { repository(owner: $owner, name: $name) {
 *     c0: object(oid: "<sha>") { ... on Commit { associatedPullRequests(first: 10) {
 *       nodes { number title body headRefName } } } }
 *     checks: object(oid: "<sha>") { ... on Commit { statusCheckRollup { … } } }
 *   } }
 *
 * A commit is associated with the pull requests whose commits include it
 * (base..head) or whose merge commit it is. `statusCheckRollup` is null
 * unless a test set the commit's checks (`setCommitChecks`).
 *
 * Any other query (literal arguments, several repositories under aliases,
 * `history` pages) is executed against the schema of graphqlSchema.ts, and
 * costs GitHub's points (graphqlExecute.ts `queryCost`).
 */
import { parse } from 'graphql';
import type { ServedRepo } from '../ServedRepo';
import type { PullState } from '../shapes/pulls';
import { Reply } from '../http/reply';
import { execute, GqlObject, queryCost } from './graphqlExecute';
import { queryRoot } from './graphqlSchema';

const OBJECT_RE =
  /(\w+)\s*:\s*object\(\s*oid:\s*"([0-9a-f]{40})"\s*\)\s*\{\s*\.\.\.\s*on\s+Commit\s*\{\s*(associatedPullRequests|statusCheckRollup)/g;

async function commitsOf(
  repo: ServedRepo,
  pr: PullState,
): Promise<Set<string>> {
  const shas = new Set(await repo.git.commitsBetween(pr.baseSha, pr.headSha));
  if (pr.mergeCommitSha && pr.mergedAt) shas.add(pr.mergeCommitSha);
  return shas;
}

/** The reply, and the rate-limit points the query costs. */
export async function graphql(
  body: any,
  repoBySlug: (slug: string) => ServedRepo | undefined,
): Promise<{ reply: Reply; cost: number }> {
  const query = String(body?.query ?? '');
  const vars = body?.variables ?? {};
  if (!/repository\(\s*owner:\s*\$owner,\s*name:\s*\$name\s*\)/.test(query)) {
    return executeQuery(query, vars, repoBySlug);
  }
  return { reply: await associations(query, vars, repoBySlug), cost: 1 };
}

async function executeQuery(
  query: string,
  vars: Record<string, unknown>,
  repoBySlug: (slug: string) => ServedRepo | undefined,
): Promise<{ reply: Reply; cost: number }> {
  const { json, cost } = await runGraphQL(query, vars, queryRoot(repoBySlug));
  return { reply: { status: 200, json }, cost };
}

/**
 * Parses and runs a query against a root object (graphqlExecute.ts): the
 * body GitHub would answer (`{data}` or `{data, errors}`, or `{errors}` for
 * a syntax error) and its cost in rate-limit points. Also for in-process
 * doubles that serve their own objects.
 */
export async function runGraphQL(
  query: string,
  vars: Record<string, unknown>,
  root: GqlObject,
): Promise<{ json: Record<string, unknown>; cost: number }> {
  let doc;
  try {
    doc = parse(query);
  } catch (e) {
    return {
      json: { errors: [{ message: String((e as Error).message) }] },
      cost: 1,
    };
  }
  const { data, errors } = await execute(doc, root, vars);
  return {
    json: errors.length ? { data, errors } : { data },
    cost: queryCost(doc, vars),
  };
}

async function associations(
  query: string,
  vars: any,
  repoBySlug: (slug: string) => ServedRepo | undefined,
): Promise<Reply> {
  const slug = `${vars.owner}/${vars.name}`;
  const repo = repoBySlug(slug);
  if (!repo) {
    return {
      status: 200,
      json: {
        data: { repository: null },
        errors: [
          {
            type: 'NOT_FOUND',
            path: ['repository'],
            locations: [{ line: 1, column: 51 }],
            message: `Could not resolve to a Repository with the name '${slug}'.`,
          },
        ],
      },
    };
  }
  const pulls = await repo.pulls.all();
  const contents = new Map<number, Set<string>>();
  for (const pr of pulls) contents.set(pr.number, await commitsOf(repo, pr));
  const out: Record<string, unknown> = {};
  for (const m of query.matchAll(OBJECT_RE)) {
    const [, alias, oid, field] = m;
    if (!(await repo.git.readCommit(oid).catch(() => undefined))) {
      out[alias] = null;
    } else if (field === 'statusCheckRollup') {
      const contexts = repo.checks.get(oid);
      out[alias] = {
        statusCheckRollup: contexts ? { contexts: { nodes: contexts } } : null,
      };
    } else {
      const nodes = pulls
        .filter(pr => contents.get(pr.number)!.has(oid))
        .slice(0, 10)
        .map(pr => ({
          number: pr.number,
          title: pr.title,
          body: pr.body ?? '',
          headRefName: pr.head,
        }));
      out[alias] = { associatedPullRequests: { nodes } };
    }
  }
  return { status: 200, json: { data: { repository: out } } };
}
