/*
 * Merging an environment change's pull request on GitHub (the GitHub API
 * double, a real HTTP server over a real bare Git repository, counting
 * requests) when the ledger fails to record the merge commit right after
 * GitHub merged it.
 */
import { mockCredentials, TestDatabases } from '@backstage/backend-test-utils';
import type { GitHubApiDouble } from '@gitops2/github-api-double';
import request from 'supertest';
import {
  failWrites,
  stopFailingWrites,
} from '../promotion/__testUtils__/failingWrites';
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
  'an environment change merged on GitHub that the ledger cannot record on %p',
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

    it('answers 503 "the merge is in Git" (never "nothing was written"); ingestion trusts the merge commit; merging again records it, with one merge on GitHub', async () => {
      h = new WritePathHarness();
      h.bump('cart', ['staging'], 'v7');
      double = await h.startOnGitHub(databases, databaseId);
      const created = await post('', PERF);
      expect(created.status).toBe(201);
      const { branch, commitSha } = created.body;
      const main = (await double.branchHead(SLUG, 'main'))!;

      await failWrites(h.knex, {
        name: 'crash_portal_commit',
        table: 'gitops_portal_commits',
      });
      const res = await post('/merge', { branch, commitSha });
      const merged = (await double.branchHead(SLUG, 'main'))!;
      expect(merged).not.toBe(main);
      expect([res.status, res.body.error?.message]).toEqual([
        503,
        `the merge of ${branch} is in Git as ${merged.slice(
          0,
          12,
        )}, but the ledger could not record it (injected crash); merge it again to record it`,
      ]);
      expect(JSON.stringify(res.body)).not.toMatch(
        /nothing was|insert into|gitops_portal_commits/i,
      );
      expect(double.requests(MERGES).map(r => r.status)).toEqual([200]);
      await stopFailingWrites(
        h.knex,
        'crash_portal_commit',
        'gitops_portal_commits',
      );

      // Ingestion before the retry trusts the merge commit's initiator.
      await h.refresh();
      const rollouts = await h
        .as('alice')
        .get('/v1/entities/default/component/cart/rollouts?environment=perf');
      expect(
        rollouts.body.items
          .filter((r: any) => r.environment === 'perf')
          .map((r: any) => [r.commit.sha, r.initiator]),
      ).toEqual([[merged, 'user:default/alice']]);

      const again = await post('/merge', { branch, commitSha });
      expect([again.status, again.body]).toEqual([
        200,
        { branch, mergeSha: merged },
      ]);
      expect(double.requests(MERGES)).toHaveLength(1);
      expect(
        await h.knex('gitops_portal_commits').where({ sha: merged }),
      ).toHaveLength(1);
      expect(await double.branchHead(SLUG, branch)).toBeUndefined();
    });
  },
);
