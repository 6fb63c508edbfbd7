import { TestDatabases } from '@backstage/backend-test-utils';
import { GitRepoFixture } from '../testing/GitRepoFixture';
import { buildHistory, ingestionHarness } from './__testUtils__/harness';

jest.setTimeout(90_000);

const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });

describe.each(databases.eachSupportedId())(
  'RepositoryIngester re-ingest across replicas on %p',
  databaseId => {
    let repo: GitRepoFixture;
    beforeEach(() => {
      repo = new GitRepoFixture();
    });
    afterEach(() => repo.cleanup());

    it('re-ingests once per distinct reingest value when replicas with different values alternate, and never again for a value applied before', async () => {
      buildHistory(repo);
      const knex = await databases.init(databaseId);
      const { ingest, rollouts } = await ingestionHarness(knex, repo);
      expect((await ingest()).commits).toBe(7);
      const ledger = (await rollouts()).map(r => r.line);

      // A rolling deploy: replica A has one value, replica B the next one.
      // With no new commit, a run reads commits only when it re-ingests.
      const replicaA = () => ingest({ reingest: '2026-11' });
      const replicaB = () => ingest({ reingest: '2026-12' });
      const read: number[] = [];
      for (let i = 0; i < 3; i++) {
        read.push((await replicaA()).commits);
        read.push((await replicaB()).commits);
      }
      expect(read).toEqual([7, 7, 0, 0, 0, 0]);

      // A new value is applied once, whichever replica runs next.
      const replicaC = () => ingest({ reingest: '2027-01' });
      expect([
        (await replicaC()).commits,
        (await replicaB()).commits,
        (await replicaC()).commits,
        (await replicaA()).commits,
      ]).toEqual([7, 0, 0, 0]);
      expect((await rollouts()).map(r => r.line)).toEqual(ledger);
    });

    it('does not start a value again that another replica applied after this one looked', async () => {
      buildHistory(repo);
      const knex = await databases.init(databaseId);
      const { ingest, store } = await ingestionHarness(knex, repo);
      expect((await ingest({ reingest: '2026-11' })).commits).toBe(7);
      // This replica read "not applied" just before the other one finished.
      jest.spyOn(store, 'isReingestApplied').mockResolvedValueOnce(false);
      expect((await ingest({ reingest: '2026-11' })).commits).toBe(0);
      expect(await store.getReingestRun('demo')).toBeUndefined();
    });
  },
);
