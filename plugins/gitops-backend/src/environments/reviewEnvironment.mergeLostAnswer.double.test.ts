/*
 * Found by a hostile review: GitHub merges an environment change's pull
 * request but the answer to the PUT is lost (a 502 after the merge was
 * applied). Octokit retries the PUT, GitHub refuses it (405: merged
 * already). The answer must say the change is merged (or that it is in
 * Git), never that the merge failed.
 */
import { mockCredentials, TestDatabases } from '@backstage/backend-test-utils';
import type { GitHubApiDouble } from '@gitops2/github-api-double';
import request from 'supertest';
import { WritePathHarness } from '../promotion/__testUtils__/WritePathHarness';

// Octokit's throttling spaces GitHub writes about a second apart.
jest.setTimeout(120_000);

const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });
const SLUG = 'acme/gitops';
const MERGES = 'PUT /repos/{owner}/{repo}/pulls/{pull_number}/merge';
const PERF = {
  name: 'perf',
  placement: { kind: 'after-stage', after: 'staging' },
  sourceEnvironment: 'staging',
  cluster: 'staging-cluster',
  namespace: 'shop-perf',
};

describe.each(databases.eachSupportedId())(
  'an environment change merged on GitHub whose answer is lost on %p',
  databaseId => {
    let h: WritePathHarness;
    let double: GitHubApiDouble;
    afterEach(async () => {
      await double?.close();
      h?.cleanup();
    });

    const post = (path: string, body: unknown) =>
      request(h.server)
        .post(`/api/gitops/v1/repositories/demo/environments${path}`)
        .set('authorization', mockCredentials.user.header('user:default/alice'))
        .send(body as object);

    it('a merge GitHub applied but answered with a 502 is answered as merged (or "the merge is in Git"), never as a failed merge', async () => {
      h = new WritePathHarness();
      h.bump('cart', ['staging'], 'v7');
      double = await h.startOnGitHub(databases, databaseId);
      const created = await post('', PERF);
      expect(created.status).toBe(201);
      const { branch, commitSha } = created.body;
      const main = (await double.branchHead(SLUG, 'main'))!;

      double.faults.inject({
        match: { route: MERGES },
        status: 502,
        phase: 'after',
      });
      const res = await post('/merge', { branch, commitSha });
      const merged = (await double.branchHead(SLUG, 'main'))!;
      expect(merged).not.toBe(main); // Git has the merge
      expect({
        statuses: double.requests(MERGES).map(r => r.status),
        answer: [res.status, res.body.mergeSha ?? res.body.error?.message],
      }).toEqual({
        statuses: expect.anything(),
        answer: [200, merged],
      });
    });
  },
);
