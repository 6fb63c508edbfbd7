import { TestDatabases } from '@backstage/backend-test-utils';
import type { Knex } from 'knex';
import { LiveStore } from '../cluster/LiveStore';
import { MetricsStore } from '../metrics/MetricsStore';
import { GitopsService } from '../service/GitopsService';
import { GitRepoFixture, kustomization } from '../testing/GitRepoFixture';
import { buildHistory, ingestionHarness } from './__testUtils__/harness';

jest.setTimeout(60_000);

const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });

const SOURCE = 'demo:cart';

/** The feature commit `feat1`: added by `addedBy`, removed by `removedBy`. */
async function correlate(knex: Knex, addedBy: string, removedBy: string) {
  await knex('gitops_change_set_commits').insert([
    {
      rollout_id: addedBy,
      direction: 'added',
      source_repository: SOURCE,
      sha: 'feat1',
      position: 0,
    },
    {
      rollout_id: removedBy,
      direction: 'removed',
      source_repository: SOURCE,
      sha: 'feat1',
      position: 0,
    },
  ]);
}

describe.each(databases.eachSupportedId())(
  'RepositoryIngester after a force-push on %p',
  databaseId => {
    let repo: GitRepoFixture;
    beforeEach(() => {
      repo = new GitRepoFixture();
      buildHistory(repo);
    });
    afterEach(() => repo.cleanup());

    it('marks the rollouts of commits that left the history as rewritten, keeps every other row, and leaves them out of metrics, features and outcome tracking', async () => {
      const knex = await databases.init(databaseId);
      const { store, ingest, rollouts } = await ingestionHarness(knex, repo);
      await ingest();
      const before = await rollouts();
      expect(before).toHaveLength(10);
      const euPromotion = before.find(
        r => r.line === 'prod-eu v1→v2 promotion',
      )!;
      const euRollback = before.find(r => r.line === 'prod-eu v2→v1 rollback')!;
      await correlate(knex, euPromotion.id, euRollback.id);
      const oldHead = repo.head();

      // Rewrite the last 2 commits: the prod-eu rollback and dev v3 are gone,
      // dev gets v4 instead.
      repo.git('reset', '--hard', 'HEAD~2');
      repo.write('apps/cart/dev/kustomization.yaml', kustomization('v4'));
      repo.commit('bump cart to v4 in dev');
      await ingest();

      // Delivery metrics count what the history says now: no rollback in
      // prod-eu, so its promotion did not fail.
      const metrics = await new MetricsStore(knex).metrics({
        since: '2026-01-01T00:00:00Z',
        until: '2027-01-01T00:00:00Z',
        repositoryId: 'demo',
      });
      const eu = metrics.find(m => m.environment === 'prod-eu')!;
      expect(eu.deployments.count).toBe(2);
      expect(eu.changeFailure).toMatchObject({ failures: 0, rollbacks: 0 });
      const dev = metrics.find(m => m.environment === 'dev')!;
      expect(dev.deployments.count).toBe(3); // v1, v2, v4 (not v3)

      // Feature answers: the rewritten rollback no longer removes feat1.
      const events = await store.correlationStore().membershipEvents({
        repositoryId: 'demo',
        service: 'cart',
        sourceRepository: SOURCE,
        shas: ['feat1'],
      });
      expect(events.map(e => `${e.direction} ${e.rollout_id}`)).toEqual([
        `added ${euPromotion.id}`,
      ]);

      // Outcome tracking follows the latest rollout that is still history.
      const open = await new LiveStore(knex).openRollouts();
      expect(
        open.filter(r => r.environment === 'prod-eu').map(r => String(r.id)),
      ).toEqual([euPromotion.id]);

      // The ledger keeps every row: the 8 of commits still in the history
      // are untouched (same ids), the 2 of rewritten commits are marked, and
      // the new commit adds 1.
      const after = await rollouts();
      expect(
        after.slice(0, 8).map(r => [r.id, r.line, r.rewritten_at]),
      ).toEqual(before.slice(0, 8).map(r => [r.id, r.line, null]));
      expect(
        after
          .slice(8)
          .map(r => `${r.line}${r.rewritten_at ? ' rewritten' : ''}`),
      ).toEqual([
        'prod-eu v2→v1 rollback rewritten',
        'dev v2→v3 direct rewritten',
        'dev v2→v4 direct',
      ]);
      const states = Object.fromEntries(
        (await store.getDesiredStates('demo', 'cart')).map(s => [
          s.environment,
          s.version,
        ]),
      );
      expect(states).toEqual({
        dev: 'v4',
        staging: 'v2',
        'prod-us': 'v2',
        'prod-eu': 'v2',
      });
      expect(
        Number((await store.getRepository('demo'))!.commits_ingested),
      ).toBe(6);

      // The history endpoint shows the rewritten rollouts, flagged.
      const service = new GitopsService(
        store,
        [
          {
            id: 'demo',
            provider: 'local',
            url: repo.dir,
            branch: 'main',
            pipelineFile: 'gitops-pipeline.yaml',
          },
        ],
        new Map(),
      );
      const page = await service.listRollouts({
        repository: 'demo',
        environment: 'prod-eu',
        limit: 10,
      });
      expect(page.totalCount).toBe(3);
      expect(
        page.items.map(
          i => `${i.toVersion} ${i.rewrittenAt ? 'rewritten' : ''}`,
        ),
      ).toEqual(['v1 rewritten', 'v2 ', 'v1 ']);
      expect(Date.parse(page.items[0].rewrittenAt!)).not.toBeNaN();

      // A re-run adds nothing.
      await expect(ingest()).resolves.toMatchObject({
        commits: 0,
        rolloutsInserted: 0,
      });

      // Force-pushing the old head back restores the old rows, without
      // duplicating them, and marks the v4 rollout rewritten.
      repo.git('reset', '--hard', oldHead);
      await expect(ingest()).resolves.toMatchObject({ rolloutsInserted: 0 });
      expect(
        (await rollouts())
          .slice(8)
          .map(r => `${r.line}${r.rewritten_at ? ' rewritten' : ''}`),
      ).toEqual([
        'prod-eu v2→v1 rollback',
        'dev v2→v3 direct',
        'dev v2→v4 direct rewritten',
      ]);
      expect(
        (await store.getDesiredStates('demo', 'cart')).find(
          s => s.environment === 'dev',
        )?.version,
      ).toBe('v3');
    });
  },
);
