import { mockServices, TestDatabases } from '@backstage/backend-test-utils';
import { LedgerStore } from '../database/LedgerStore';
import { LocalGitSource } from '../git/LocalGitSource';
import { createDefaultLocatorRegistry } from '../locators/VersionLocatorRegistry';
import {
  GitRepoFixture,
  kustomization,
  TWO_STAGE_PIPELINE,
} from '../testing/GitRepoFixture';
import { RepositoryIngester } from './RepositoryIngester';
import { describeOutcome } from '../database/rolledBackRollouts';

jest.setTimeout(60_000);

const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });

describe.each(databases.eachSupportedId())(
  'the rolled-back outcome on %p',
  databaseId => {
    let repo: GitRepoFixture;
    beforeEach(() => {
      repo = new GitRepoFixture();
      repo.write('gitops-pipeline.yaml', TWO_STAGE_PIPELINE);
      for (const env of ['dev', 'staging', 'prod-us', 'prod-eu'])
        repo.write(`apps/cart/${env}/kustomization.yaml`, kustomization('v1'));
      repo.commit('bootstrap');
    });
    afterEach(() => repo.cleanup());

    async function ingestAll() {
      const knex = await databases.init(databaseId);
      const store = await LedgerStore.fromKnex(knex);
      const ingester = new RepositoryIngester({
        repositoryId: 'demo',
        pipelineFile: 'gitops-pipeline.yaml',
        source: new LocalGitSource(repo.dir, 'main'),
        store,
        locators: createDefaultLocatorRegistry(),
        logger: mockServices.logger.mock(),
      });
      const staging = async () =>
        (
          await store.listRollouts({
            repositoryId: 'demo',
            service: 'cart',
            environment: 'staging',
            limit: 10,
          })
        ).rows
          // newest first, without the bootstrap commit's rollout
          .slice(0, -1)
          .map(r => [
            r.to_version,
            r.kind,
            r.outcome,
            describeOutcome(r) ?? null,
          ]);
      return { store, ingester, staging };
    }

    const bump = (version: string, subject: string) => {
      repo.write(
        'apps/cart/staging/kustomization.yaml',
        kustomization(version),
      );
      return repo.commit(subject);
    };

    it('a rollback ingested later marks the rollout that brought the version as rolled-back, naming the rollback commit', async () => {
      const { ingester, staging } = await ingestAll();
      bump('v2', 'cart v2 to staging');
      await ingester.ingest();
      const rollback = bump('v1', 'rollback cart in staging to v1');
      await ingester.ingest();
      expect(await staging()).toEqual([
        ['v1', 'rollback', 'pending', null],
        [
          'v2',
          'direct',
          'rolled-back',
          `rolled back by ${rollback.slice(0, 12)}`,
        ],
      ]);
    });

    it('in one batch too, and a failed verification keeps its reason before the rollback', async () => {
      const { store, ingester, staging } = await ingestAll();
      bump('v2', 'cart v2 to staging');
      await ingester.ingest();
      expect(
        await store.setRolloutVerification(
          'demo',
          'cart',
          'staging',
          'v2',
          'failed',
          'step smoke (http) failed in staging: HTTP 500',
        ),
      ).toBe(true);
      bump('v3', 'cart v3 to staging');
      const rollback = bump('v2', 'revert cart to v2 in staging');
      await ingester.ingest();
      // The rollback took v3 away (same batch), not the older v2 rollout.
      expect(await staging()).toEqual([
        ['v2', 'rollback', 'pending', null],
        [
          'v3',
          'direct',
          'rolled-back',
          `rolled back by ${rollback.slice(0, 12)}`,
        ],
        [
          'v2',
          'direct',
          'failed',
          'step smoke (http) failed in staging: HTTP 500',
        ],
      ]);
      // A rollback again: the failed v2 is taken away, its reason kept.
      const second = bump('v1', 'rollback cart in staging to v1');
      await ingester.ingest();
      expect((await staging())[1]).toEqual([
        'v2',
        'rollback',
        'rolled-back',
        `rolled back by ${second.slice(0, 12)}`,
      ]);
      expect((await staging())[3]).toEqual([
        'v2',
        'direct',
        'failed',
        'step smoke (http) failed in staging: HTTP 500',
      ]);
    });

    it("an automatic rollback's verification marks the rollout of its own commit, never the one that first brought the version while that commit is not ingested", async () => {
      const { store, ingester, staging } = await ingestAll();
      bump('v2', 'cart v2 to staging');
      await ingester.ingest();
      // The rollback's commit is on the branch (written by action #7), not
      // ingested yet: a replica was killed right after the merge.
      const rollback = bump('v1', 'rollback cart in staging to v1');
      await store.recordPortalCommit('demo', rollback, '7');
      const verify = () =>
        store.setRolloutVerification(
          'demo',
          'cart',
          'staging',
          'v1',
          'verified',
          undefined,
          '7',
        );
      expect(await verify()).toBe(false);
      const bootstrap = async () =>
        (
          await store.listRollouts({
            repositoryId: 'demo',
            service: 'cart',
            environment: 'staging',
            limit: 10,
          })
        ).rows.at(-1)!.outcome;
      expect(await bootstrap()).toBe('pending');
      await ingester.ingest();
      expect(await verify()).toBe(true);
      expect((await staging())[0]).toEqual([
        'v1',
        'rollback',
        'verified',
        null,
      ]);
      expect(await bootstrap()).toBe('pending');
    });

    it('a rollback force-pushed away gives the rollout its outcome back; pushed again, it takes it away again', async () => {
      const { store, ingester, staging } = await ingestAll();
      bump('v2', 'cart v2 to staging');
      await ingester.ingest();
      await store.setRolloutVerification(
        'demo',
        'cart',
        'staging',
        'v2',
        'verified',
      );
      const rollback = bump('v1', 'rollback cart in staging to v1');
      await ingester.ingest();
      expect((await staging())[1].slice(2)).toEqual([
        'rolled-back',
        `rolled back by ${rollback.slice(0, 12)}`,
      ]);
      repo.git('reset', '--hard', 'HEAD~1');
      await ingester.ingest();
      expect(await staging()).toEqual([['v2', 'direct', 'verified', null]]);
      repo.git('reset', '--hard', rollback);
      await ingester.ingest();
      expect((await staging())[1].slice(2)).toEqual([
        'rolled-back',
        `rolled back by ${rollback.slice(0, 12)}`,
      ]);
    });

    it('a verification never overwrites rolled-back, and a rollout not in the ledger yet is reported', async () => {
      const { store, ingester, staging } = await ingestAll();
      bump('v2', 'cart v2 to staging');
      bump('v1', 'rollback cart in staging to v1');
      await ingester.ingest();
      await store.setRolloutVerification(
        'demo',
        'cart',
        'staging',
        'v2',
        'verified',
      );
      expect((await staging())[1].slice(0, 3)).toEqual([
        'v2',
        'direct',
        'rolled-back',
      ]);
      expect(
        await store.setRolloutVerification(
          'demo',
          'cart',
          'staging',
          'v9',
          'verified',
        ),
      ).toBe(false);
    });
  },
);
