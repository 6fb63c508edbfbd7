/* The one GraphQL query the product sends: pull requests associated with commits, and CI status. */
import { start } from './server';
import type { GitHubApiDouble } from './api';
import { createSourceRepo, SourceRepo } from './__testUtils__/sourceRepo';
import { octokitFor, OWNER, REPO, SLUG } from './__testUtils__/octokit';

describe('github-api-double: POST /graphql (associated pull requests)', () => {
  let src: SourceRepo;
  let double: GitHubApiDouble;

  beforeAll(async () => {
    src = createSourceRepo(1);
    double = await start({ repos: [{ slug: SLUG, from: src.dir }] });
  });
  afterAll(async () => {
    await double.close();
    src.remove();
  });

  const query = (shas: string[], checksOf?: string) =>
    `query($owner: String!, $name: String!) { repository(owner: $owner, name: $name) { ${[
      ...shas.map(
        (sha, j) =>
          `c${j}: object(oid: "${sha}") { ... on Commit { associatedPullRequests(first: 10) { nodes { number title body headRefName } } } }`,
      ),
      ...(checksOf
        ? [
            `checks: object(oid: "${checksOf}") { ... on Commit { statusCheckRollup { contexts(first: 100) { nodes { __typename } } } } }`,
          ]
        : []),
    ].join(' ')} } }`;

  it('associates a commit with the pull requests that contain it or merged it', async () => {
    const gh = octokitFor(double.url);
    const commit = await double.pushCommit(SLUG, 'feature', {
      parent: src.main[1],
      files: { 'a.txt': 'a\n' },
      message: 'feature work',
    });
    const { data: pr } = await gh.rest.pulls.create({
      owner: OWNER,
      repo: REPO,
      head: 'feature',
      base: 'main',
      title: 'Feature',
      body: 'Closes #1',
    });
    const merge = await double.mergePullRequest(SLUG, pr.number);
    const res = await gh.request('POST /graphql', {
      query: query([commit, merge, src.main[0]], merge),
      variables: { owner: OWNER, name: REPO },
    });
    const node = {
      number: pr.number,
      title: 'Feature',
      body: 'Closes #1',
      headRefName: 'feature',
    };
    expect(res.data).toEqual({
      data: {
        repository: {
          c0: { associatedPullRequests: { nodes: [node] } },
          c1: { associatedPullRequests: { nodes: [node] } },
          c2: { associatedPullRequests: { nodes: [] } },
          checks: { statusCheckRollup: null },
        },
      },
    });
    expect(double.count('POST /graphql')).toBe(1);
  });

  it('answers an unknown repository as GitHub does (data null, NOT_FOUND error)', async () => {
    const gh = octokitFor(double.url);
    const res = await gh.request('POST /graphql', {
      query: query([src.main[0]]),
      variables: { owner: 'acme', name: 'nope' },
    });
    expect((res.data as any).data).toEqual({ repository: null });
    expect((res.data as any).errors[0].type).toBe('NOT_FOUND');
  });
});
