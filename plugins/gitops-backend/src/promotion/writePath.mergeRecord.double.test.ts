/*
 * The merge of a promotion's pull request on GitHub (the GitHub API double,
 * a real HTTP server over a real bare Git repository, counting requests)
 * when the ledger fails to record the merge commit right after GitHub
 * merged it: the answer says the merge is in Git, ingestion still trusts
 * the merge commit's trailers, and merging again converges.
 */
import { TestDatabases } from '@backstage/backend-test-utils';
import type { GitHubApiDouble } from '@gitops2/github-api-double';
import { WritePathHarness } from './__testUtils__/WritePathHarness';
import { failWrites, stopFailingWrites } from './__testUtils__/failingWrites';

// Octokit's throttling spaces GitHub writes about a second apart.
jest.setTimeout(120_000);

const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });
const SLUG = 'acme/gitops';
const MERGES = 'PUT /repos/{owner}/{repo}/pulls/{pull_number}/merge';

describe.each(databases.eachSupportedId())(
  'a GitHub merge the ledger cannot record on %p',
  databaseId => {
    let h: WritePathHarness;
    let double: GitHubApiDouble;
    afterEach(async () => {
      await double?.close();
      h?.cleanup();
    });

    it('answers 503 "the merge is in Git" (never "nothing was merged"); ingestion trusts the merge commit from the intent recorded before the PUT; merging again records it, with one merge on GitHub', async () => {
      h = new WritePathHarness();
      h.bump('cart', ['dev', 'staging'], 'v2');
      h.groups.set('erin', ['group:default/release-eu']);
      double = await h.startOnGitHub(databases, databaseId);
      const requested = await h
        .as('alice')
        .promote(
          { sourceEnvironment: 'staging', environments: ['prod-eu'] },
          'merge-record-01',
        );
      const open = await h.as('erin').approve(requested.body.id);
      expect(open.body.state).toBe('pull-request-open');
      const id: string = open.body.id;
      const main = (await double.branchHead(SLUG, 'main'))!;

      // The ledger fails right when it records the merge commit.
      await failWrites(h.knex, {
        name: 'crash_portal_commit',
        table: 'gitops_portal_commits',
      });
      const res = await h.as('erin').merge(id);
      const merged = (await double.branchHead(SLUG, 'main'))!;
      expect(merged).not.toBe(main);
      expect([res.status, res.body.error?.message]).toEqual([
        503,
        `the merge of gitops/promotion-${id} is in Git as ${merged.slice(
          0,
          12,
        )}, but the ledger could not record it (injected crash); reconciliation records the action merged, or merge it again`,
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

      // Ingestion reads the merge before anyone retries: its trailers are
      // trusted (the intent), so the rollout is alice's promotion.
      await h.refresh();
      const rollouts = async () =>
        (
          await h
            .as('alice')
            .get(
              '/v1/entities/default/component/cart/rollouts?environment=prod-eu',
            )
        ).body.items
          .filter((r: any) => r.environment === 'prod-eu')
          .map((r: any) => [r.commit.sha, r.initiator]);
      expect((await rollouts()).slice(0, 1)).toEqual([
        [merged, 'user:default/alice'],
      ]);

      const again = await h.as('erin').merge(id);
      expect([again.status, again.body.state, again.body.commitSha]).toEqual([
        200,
        'merged',
        merged,
      ]);
      expect(double.requests(MERGES)).toHaveLength(1);
      expect(
        await h
          .knex('gitops_portal_commits')
          .where({ sha: merged })
          .select('action_id'),
      ).toEqual([{ action_id: expect.anything() }]);
      expect(
        await h
          .knex('gitops_environment_locks')
          .where({ environment: 'prod-eu' }),
      ).toEqual([]);
    });
  },
);
