import { TestDatabases } from '@backstage/backend-test-utils';
import {
  GitRepoFixture,
  kustomization,
  TWO_STAGE_PIPELINE,
} from '../testing/GitRepoFixture';
import { ingestionHarness } from './__testUtils__/harness';

jest.setTimeout(60_000);

const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });

const ALICE = { name: 'Alice', email: 'alice@example.com' };
const BOB = { name: 'Bob', email: 'bob@example.com' };
const CAROL = { name: 'Carol', email: 'carol@example.com' };
const DAVE = { name: 'Dave', email: 'dave@example.com' };

const deploy = (repo: GitRepoFixture, env: string, tag: string) =>
  repo.write(`apps/cart/${env}/kustomization.yaml`, kustomization(tag));

/**
 * Three commits of manifests (prod has none yet), then the pipeline file:
 * dev v1 (Alice), staging v1 (Bob), dev v2 (Carol), pipeline (Dave).
 */
function historyBeforePipeline(repo: GitRepoFixture) {
  deploy(repo, 'dev', 'v1');
  const c1 = repo.commit('cart v1 in dev', ALICE);
  deploy(repo, 'staging', 'v1');
  const c2 = repo.commit('cart v1 to staging', BOB);
  deploy(repo, 'dev', 'v2');
  const c3 = repo.commit('cart v2 in dev', CAROL);
  repo.write('gitops-pipeline.yaml', TWO_STAGE_PIPELINE);
  const adoption = repo.commit('adopt the gitops portal', DAVE);
  return { c1, c2, c3, adoption };
}

describe.each(databases.eachSupportedId())(
  'RepositoryIngester adopting an existing repository on %p',
  databaseId => {
    let repo: GitRepoFixture;
    beforeEach(() => {
      repo = new GitRepoFixture();
    });
    afterEach(() => repo.cleanup());

    it('reads the history before the pipeline file with its first good pipeline: real commits, authors and dates, the first version of each environment initial', async () => {
      const shas = historyBeforePipeline(repo);
      const knex = await databases.init(databaseId);
      const { ingest, rollouts, store } = await ingestionHarness(knex, repo);
      await ingest();

      const rows = await rollouts();
      expect(
        rows.map(r => [r.line, r.commit_sha, r.author_name, r.initiator]),
      ).toEqual([
        ['dev -→v1 initial', shas.c1, 'Alice', 'Alice <alice@example.com>'],
        ['staging -→v1 initial', shas.c2, 'Bob', 'Bob <bob@example.com>'],
        ['dev v1→v2 direct', shas.c3, 'Carol', 'Carol <carol@example.com>'],
      ]);
      // Each at its own commit's date (the fixture's commits are 1 h apart).
      const dates = rows.map(r => new Date(r.desired_at as any).getTime());
      expect(dates[1] - dates[0]).toBe(3600_000);
      expect(dates[2] - dates[1]).toBe(3600_000);
      // prod had no manifest yet: not deployed, not an error.
      const states = await store.getDesiredStates('demo');
      expect(
        states.map(s => [s.environment, s.version, s.error, s.change_sha]),
      ).toEqual([
        ['dev', 'v2', null, shas.c3],
        ['staging', 'v1', null, shas.c2],
      ]);
      expect(
        (await store.listIngestionErrors('demo', { limit: 10 })).total,
      ).toBe(0);
      const repoRow = await store.getRepository('demo');
      expect(repoRow?.retro_until_sha).toBeNull();
      expect(repoRow?.pipeline_error).toBeNull();
    });

    it('records the first version of a manifest that appears after the pipeline as initial, and adds nothing on a re-run', async () => {
      historyBeforePipeline(repo);
      const knex = await databases.init(databaseId);
      const { ingest, rollouts } = await ingestionHarness(knex, repo);
      await ingest();
      deploy(repo, 'prod-us', 'v1');
      deploy(repo, 'staging', 'v2');
      const later = repo.commit('cart v1 to prod-us, v2 to staging', ALICE);
      expect((await ingest()).rolloutsInserted).toBe(2);
      expect((await ingest()).rolloutsInserted).toBe(0);
      const rows = await rollouts();
      expect(rows.map(r => r.line)).toEqual([
        'dev -→v1 initial',
        'staging -→v1 initial',
        'dev v1→v2 direct',
        'staging v1→v2 promotion',
        'prod-us -→v1 initial',
      ]);
      expect(rows.slice(3).every(r => r.commit_sha === later)).toBe(true);
    });

    it('applies the first pipeline file that parses, past a broken first attempt', async () => {
      deploy(repo, 'dev', 'v1');
      const c1 = repo.commit('cart v1 in dev', ALICE);
      repo.write('gitops-pipeline.yaml', 'spec: [unclosed\n');
      repo.commit('add a broken pipeline', DAVE);
      deploy(repo, 'dev', 'v2');
      const c3 = repo.commit('cart v2 in dev', BOB);
      repo.write('gitops-pipeline.yaml', TWO_STAGE_PIPELINE);
      repo.commit('fix the pipeline', DAVE);
      const knex = await databases.init(databaseId);
      const { ingest, rollouts, store } = await ingestionHarness(knex, repo);
      await ingest();
      expect((await rollouts()).map(r => [r.line, r.commit_sha])).toEqual([
        ['dev -→v1 initial', c1],
        ['dev v1→v2 direct', c3],
      ]);
      expect((await store.getRepository('demo'))?.pipeline_error).toBeNull();
    });

    it('treats a manifest that cannot be read at an old commit as that environment error, and reads the commits after it', async () => {
      deploy(repo, 'dev', 'v1');
      repo.commit('cart v1 in dev', ALICE);
      repo.write(
        'apps/cart/dev/kustomization.yaml',
        kustomization('v1').replace('ghcr.io/acme/cart', 'ghcr.io/acme/other'),
      );
      repo.commit('point dev at another image', BOB);
      deploy(repo, 'dev', 'v2');
      const fixed = repo.commit('cart v2 in dev', CAROL);
      repo.write('gitops-pipeline.yaml', TWO_STAGE_PIPELINE);
      repo.commit('adopt', DAVE);
      const knex = await databases.init(databaseId);
      const { ingest, rollouts, store } = await ingestionHarness(knex, repo);
      await ingest();
      expect((await rollouts()).map(r => [r.line, r.author_name])).toEqual([
        ['dev -→v1 initial', 'Alice'],
        ['dev v1→v2 direct', 'Carol'],
      ]);
      const [dev] = await store.getDesiredStates('demo');
      expect(dev).toMatchObject({ version: 'v2', error: null });
      expect(dev.change_sha).toBe(fixed);
    });

    it('reads at most maxHistoryCommits commits before the pipeline; the oldest one read records the versions it finds as initial', async () => {
      deploy(repo, 'dev', 'v1');
      deploy(repo, 'staging', 'v1');
      repo.commit('cart v1', ALICE);
      deploy(repo, 'dev', 'v2');
      repo.commit('cart v2 in dev', BOB);
      deploy(repo, 'dev', 'v3');
      const c3 = repo.commit('cart v3 in dev', CAROL);
      deploy(repo, 'staging', 'v3');
      const c4 = repo.commit('cart v3 to staging', BOB);
      repo.write('gitops-pipeline.yaml', TWO_STAGE_PIPELINE);
      repo.commit('adopt', DAVE);
      const knex = await databases.init(databaseId);
      const { ingest, rollouts, store } = await ingestionHarness(knex, repo, {
        maxHistoryCommits: 2,
        batchSize: 1,
      });
      const result = await ingest();
      expect(result.commits).toBe(3);
      expect((await rollouts()).map(r => [r.line, r.commit_sha])).toEqual([
        ['dev -→v3 initial', c3],
        ['staging -→v1 initial', c3],
        ['staging v1→v3 promotion', c4],
      ]);
      expect(
        Number((await store.getRepository('demo'))?.commits_ingested),
      ).toBe(3);
    });

    it('with maxHistoryCommits 0 reads nothing before the pipeline: the versions at its commit are initial there', async () => {
      const shas = historyBeforePipeline(repo);
      const knex = await databases.init(databaseId);
      const { ingest, rollouts } = await ingestionHarness(knex, repo, {
        maxHistoryCommits: 0,
      });
      await ingest();
      expect((await rollouts()).map(r => [r.line, r.commit_sha])).toEqual([
        ['dev -→v2 initial', shas.adoption],
        ['staging -→v1 initial', shas.adoption],
      ]);
    });

    it('resumes a run stopped in the middle of the look-back with the same pipeline, and ends with the same ledger', async () => {
      historyBeforePipeline(repo);
      const knex = await databases.init(databaseId);
      const { ingest, rollouts, store } = await ingestionHarness(knex, repo, {
        batchSize: 1,
      });
      await expect(
        ingest({
          afterBatch: ({ batch }) => {
            if (batch === 2) throw new Error('replica killed');
          },
        }),
      ).rejects.toThrow('replica killed');
      expect((await store.getRepository('demo'))?.retro_until_sha).toMatch(
        /^[0-9a-f]{40}$/,
      );
      await ingest();
      expect((await rollouts()).map(r => r.line)).toEqual([
        'dev -→v1 initial',
        'staging -→v1 initial',
        'dev v1→v2 direct',
      ]);
      expect((await store.getRepository('demo'))?.retro_until_sha).toBeNull();
    });

    it('keeps the ledger of a repository ingested before this change as it is, and a reingest replaces it with the whole history, oldest first', async () => {
      const shas = historyBeforePipeline(repo);
      const knex = await databases.init(databaseId);
      const { ingest, rollouts, store } = await ingestionHarness(knex, repo, {
        maxHistoryCommits: 0,
      });
      await ingest();
      // What the ingester before this change left: rollouts at the
      // pipeline's commit, marked by the migration as a legacy ledger.
      await knex('gitops_repositories')
        .where({ id: 'demo' })
        .update({ legacy_history: true });
      deploy(repo, 'dev', 'v3');
      const c5 = repo.commit('cart v3 in dev', ALICE);

      const { ingest: ingestNow } = await ingestionHarness(knex, repo);
      expect((await ingestNow()).rolloutsInserted).toBe(1);
      expect((await rollouts()).map(r => [r.line, r.commit_sha])).toEqual([
        ['dev -→v2 initial', shas.adoption],
        ['staging -→v1 initial', shas.adoption],
        ['dev v2→v3 direct', c5],
      ]);

      // Asked for: the whole history, in order, once.
      await ingestNow({ reingest: '2026-12-02' });
      const expected = [
        ['dev -→v1 initial', shas.c1],
        ['staging -→v1 initial', shas.c2],
        ['dev v1→v2 direct', shas.c3],
        ['dev v2→v3 direct', c5],
      ];
      expect((await rollouts()).map(r => [r.line, r.commit_sha])).toEqual(
        expected,
      );
      const row = await store.getRepository('demo');
      expect(row?.reingest).toBe('2026-12-02');
      expect(!!row?.legacy_history).toBe(false);
      expect((await ingestNow({ reingest: '2026-12-02' })).commits).toBe(0);
      expect((await rollouts()).map(r => [r.line, r.commit_sha])).toEqual(
        expected,
      );
    });
  },
);
