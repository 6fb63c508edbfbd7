/* GraphQL history pages over several repositories, query cost, and the secondary rate limit. */
import { start } from './server';
import type { GitHubApiDouble } from './api';
import { createSourceRepo, SourceRepo } from './__testUtils__/sourceRepo';
import { failure, octokitFor } from './__testUtils__/octokit';

const NODE = `oid message committedDate author { name email } parents(first: 2) { nodes { oid } } associatedPullRequests(first: 10) { nodes { number } } statusCheckRollup { contexts(first: 100) { nodes { __typename ... on CheckRun { name status conclusion } } } }`;

describe('github-api-double: GraphQL history', () => {
  let a: SourceRepo;
  let b: SourceRepo;
  let double: GitHubApiDouble;

  beforeAll(async () => {
    a = createSourceRepo(4);
    b = createSourceRepo(1);
    double = await start({
      repos: [
        { slug: 'acme/a', from: a.dir },
        { slug: 'acme/b', from: b.dir },
      ],
      secondaryRateLimit: { pointsPerMinute: 4 },
    });
  });
  afterAll(async () => {
    await double.close();
    a.remove();
    b.remove();
  });

  it('pages the default branch of several repositories in one query, with cursors, checks and GitHub’s cost', async () => {
    double.setCommitChecks('acme/a', a.main[4], [
      {
        __typename: 'CheckRun',
        name: 'unit',
        status: 'COMPLETED',
        conclusion: 'SUCCESS',
      },
    ]);
    const gh = octokitFor(double.url);
    const before = double.rateLimit.state().used;
    const first = (await gh.request('POST /graphql', {
      query: `query { x: repository(owner: "acme", name: "a") { defaultBranchRef { name target { ... on Commit { history(first: 3) { pageInfo { hasNextPage endCursor } nodes { ${NODE} } } } } } } y: repository(owner: "acme", name: "b") { defaultBranchRef { target { ... on Commit { oid history(first: 3) { pageInfo { hasNextPage } nodes { oid } } } } } } }`,
    })) as any;
    const hx = first.data.data.x.defaultBranchRef.target.history;
    expect(first.data.data.x.defaultBranchRef.name).toBe('main');
    expect(hx.nodes.map((n: any) => n.oid)).toEqual(
      [...a.main].reverse().slice(0, 3),
    );
    expect(hx.nodes[0]).toMatchObject({
      message: 'cart v4',
      author: { name: 'Alice', email: 'alice@example.com' },
      parents: { nodes: [{ oid: a.main[3] }] },
      associatedPullRequests: { nodes: [] },
      statusCheckRollup: {
        contexts: {
          nodes: [
            {
              __typename: 'CheckRun',
              name: 'unit',
              status: 'COMPLETED',
              conclusion: 'SUCCESS',
            },
          ],
        },
      },
    });
    expect(hx.nodes[1].statusCheckRollup).toBeNull();
    expect(hx.pageInfo.hasNextPage).toBe(true);
    expect(first.data.data.y.defaultBranchRef.target).toEqual({
      oid: b.main[1],
      history: {
        pageInfo: { hasNextPage: false },
        nodes: [{ oid: b.main[1] }, { oid: b.main[0] }],
      },
    });
    // history 1 + 3 parents + 3 pull requests + 3 contexts, twice → 1 point
    // per repository rounded: GitHub's formula gives max(1, round(22/100)).
    expect(double.rateLimit.state().used - before).toBe(1);

    const next = (await gh.request('POST /graphql', {
      query: `query($after: String) { x: repository(owner: "acme", name: "a") { object(oid: "${a.main[4]}") { ... on Commit { history(first: 100, after: $after) { pageInfo { hasNextPage } nodes { oid } } } } } }`,
      variables: { after: hx.pageInfo.endCursor },
    })) as any;
    expect(next.data.data.x.object.history).toEqual({
      pageInfo: { hasNextPage: false },
      nodes: [{ oid: a.main[1] }, { oid: a.main[0] }],
    });
    expect(double.rateLimit.state().used - before).toBe(2);
  });

  it('answers unknown fields and oversized pages with GraphQL errors', async () => {
    const gh = octokitFor(double.url);
    const res = (await gh.request('POST /graphql', {
      query: `query { r: repository(owner: "acme", name: "a") { object(oid: "${a.main[0]}") { ... on Commit { history(first: 101) { nodes { oid } } nope } } } }`,
    })) as any;
    expect(res.data.errors.map((e: any) => e.message)).toEqual([
      'Requesting 101 records on the `history` connection exceeds the `first` limit of 100 records.',
      "Field 'nope' doesn't exist on type 'Commit'",
    ]);
  });

  it('refuses requests over the secondary limit with 403, retry-after and x-ratelimit headers', async () => {
    const gh = octokitFor(double.url);
    // Points left in this minute are spent by the tests above (4 per minute).
    let refused: any;
    for (let i = 0; i < 5 && !refused; i++) {
      refused = await gh.rest.repos
        .get({ owner: 'acme', repo: 'a' })
        .then(() => undefined)
        .catch(e => e);
    }
    expect(refused.status).toBe(403);
    expect(refused.message).toMatch(/secondary rate limit/);
    expect(Number(refused.response.headers['retry-after'])).toBeGreaterThan(0);
    expect(refused.response.headers['x-ratelimit-limit']).toBe('5000');
    expect(double.secondaryRefused()).toBeGreaterThan(0);
    expect(
      await failure(gh.rest.repos.get({ owner: 'acme', repo: 'a' })),
    ).toMatchObject({ status: 403 });
  });
});
