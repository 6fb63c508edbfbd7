import { TestDatabases } from '@backstage/backend-test-utils';
import type { LedgerStore } from '../database/LedgerStore';
import {
  GitRepoFixture,
  kustomization,
  TWO_STAGE_PIPELINE,
} from '../testing/GitRepoFixture';
import { ingestionHarness } from './__testUtils__/harness';

jest.setTimeout(90_000);

const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });

const deploy = (repo: GitRepoFixture, env: string, tag: string) =>
  repo.write(`apps/cart/${env}/kustomization.yaml`, kustomization(tag));

/**
 * Three commits before the pipeline file (dev v1, staging v1, dev v2), the
 * pipeline, a commit whose version is too long for the ledger (an ingestion
 * error), dev v3, and a rollback of dev to v2.
 */
function history(repo: GitRepoFixture) {
  deploy(repo, 'dev', 'v1');
  const c1 = repo.commit('cart v1 in dev');
  deploy(repo, 'staging', 'v1');
  const c2 = repo.commit('cart v1 to staging');
  deploy(repo, 'dev', 'v2');
  const c3 = repo.commit('cart v2 in dev');
  repo.write('gitops-pipeline.yaml', TWO_STAGE_PIPELINE);
  const adoption = repo.commit('adopt the gitops portal');
  deploy(repo, 'prod-us', 'x'.repeat(300));
  const bad = repo.commit('cart with a 300-character tag in prod-us');
  deploy(repo, 'dev', 'v3');
  const c6 = repo.commit('cart v3 in dev');
  deploy(repo, 'dev', 'v2');
  const c7 = repo.commit('roll back cart in dev to v2');
  return { c1, c2, c3, adoption, bad, c6, c7 };
}

/** What readers (the API, the write path's gates) read of the repository. */
async function visible(store: LedgerStore) {
  const repo = await store.getRepository('demo');
  return {
    cursor: repo?.last_commit_sha,
    commits: Number(repo?.commits_ingested),
    states: (await store.getDesiredStates('demo')).map(
      s => `${s.environment} ${s.version} ${s.change_sha}`,
    ),
    rollouts: (
      await store.listRollouts({ repositoryId: 'demo', limit: 100 })
    ).rows.map(
      r =>
        `${r.environment} ${r.from_version ?? '-'}→${r.to_version} ${r.kind} ${
          r.commit_sha
        } ${r.outcome}`,
    ),
    ranInDev: (await store.versionsRanIn('demo', 'cart', 'dev'))
      .map(v => v.version)
      .sort(),
    errors: (await store.listIngestionErrors('demo', { limit: 10 })).rows.map(
      e => `${e.commit_sha} ${e.environment}`,
    ),
  };
}

describe.each(databases.eachSupportedId())(
  'RepositoryIngester re-ingest on %p',
  databaseId => {
    let repo: GitRepoFixture;
    beforeEach(() => {
      repo = new GitRepoFixture();
    });
    afterEach(() => repo.cleanup());

    /** A ledger read without the history before the pipeline (as a legacy one). */
    async function ingestedWithoutPast() {
      const shas = history(repo);
      const knex = await databases.init(databaseId);
      const harness = await ingestionHarness(knex, repo, { batchSize: 1 });
      await harness.ingest({ maxHistoryCommits: 0 });
      const before = await visible(harness.store);
      expect(before.states).toEqual([
        `dev v2 ${shas.c7}`,
        'prod-eu null null',
        'prod-us null null',
        `staging v1 ${shas.adoption}`,
      ]);
      expect(before.errors).toEqual([`${shas.bad} prod-us`]);
      return { ...harness, shas, before };
    }

    function expectReingested(
      after: Awaited<ReturnType<typeof visible>>,
      shas: ReturnType<typeof history>,
    ) {
      expect(after.cursor).toBe(shas.c7);
      expect(after.commits).toBe(7);
      expect(after.states).toEqual([
        `dev v2 ${shas.c7}`,
        'prod-us null null',
        `staging v1 ${shas.c2}`,
      ]);
      expect(after.rollouts).toEqual([
        `dev v3→v2 rollback ${shas.c7} pending`,
        `dev v2→v3 direct ${shas.c6} rolled-back`,
        `dev v1→v2 direct ${shas.c3} pending`,
        `staging -→v1 initial ${shas.c2} pending`,
        `dev -→v1 initial ${shas.c1} pending`,
      ]);
      expect(after.ranInDev).toEqual(['v1', 'v2', 'v3']);
      expect(after.errors).toEqual([`${shas.bad} prod-us`]);
    }

    it('shows readers the state from before the re-ingest between its batches, and the re-ingested state at once after the last one', async () => {
      const { ingest, store, shas, before } = await ingestedWithoutPast();
      const seen: Array<Awaited<ReturnType<typeof visible>>> = [];
      const result = await ingest({
        reingest: '2026-12-02',
        afterBatch: async () => {
          seen.push(await visible(store));
        },
      });
      expect(result.commits).toBe(7);
      expect(seen).toHaveLength(7);
      for (const between of seen) expect(between).toEqual(before);
      expectReingested(await visible(store), shas);
      expect((await store.getRepository('demo'))?.reingest).toBe('2026-12-02');
    });

    it('leaves the state from before the re-ingest readable when a run dies after its first batch, and the next run finishes the re-ingest', async () => {
      const { ingest, store, shas, before } = await ingestedWithoutPast();
      await expect(
        ingest({
          reingest: '2026-12-02',
          afterBatch: ({ batch }) => {
            if (batch === 1) throw new Error('replica killed');
          },
        }),
      ).rejects.toThrow('replica killed');
      expect(await visible(store)).toEqual(before);
      expect((await store.getRepository('demo'))?.reingest).toBeNull();

      await ingest({ reingest: '2026-12-02' });
      expectReingested(await visible(store), shas);
      expect((await ingest({ reingest: '2026-12-02' })).commits).toBe(0);
    });

    it('starts a re-ingest again from the root when the history was rewritten under it, and never shows the rows of the commits that left', async () => {
      const { ingest, store, shas, before } = await ingestedWithoutPast();
      // Every batch written, the run dies before the re-ingest is made current.
      await expect(
        ingest({
          reingest: '2026-12-02',
          afterBatch: ({ batch }) => {
            if (batch === 7) throw new Error('replica killed');
          },
        }),
      ).rejects.toThrow('replica killed');
      expect(await visible(store)).toEqual(before);

      repo.git('reset', '--hard', 'HEAD~1');
      deploy(repo, 'dev', 'v4');
      const c7 = repo.commit('cart v4 in dev');
      expect((await ingest()).commits).toBe(7);
      const after = await visible(store);
      expect(after.cursor).toBe(c7);
      expect(after.states[0]).toBe(`dev v4 ${c7}`);
      expect(after.rollouts.slice(0, 2)).toEqual([
        `dev v3→v4 direct ${c7} pending`,
        `dev v2→v3 direct ${shas.c6} pending`,
      ]);
      expect(after.rollouts.join('\n')).not.toContain(shas.c7);
    });
  },
);
