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
import { buildHistory } from './__testUtils__/harness';

jest.setTimeout(60_000);

const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });

describe.each(databases.eachSupportedId())(
  'RepositoryIngester on %p',
  databaseId => {
    let repo: GitRepoFixture;

    beforeEach(() => {
      repo = new GitRepoFixture();
      buildHistory(repo);
    });
    afterEach(() => repo.cleanup());

    async function setup(batchSize?: number) {
      const knex = await databases.init(databaseId);
      const store = await LedgerStore.fromKnex(knex);
      const make = (afterBatch?: (i: { batch: number }) => void) =>
        new RepositoryIngester({
          repositoryId: 'demo',
          pipelineFile: 'gitops-pipeline.yaml',
          source: new LocalGitSource(repo.dir, 'main'),
          store,
          locators: createDefaultLocatorRegistry(),
          logger: mockServices.logger.mock(),
          batchSize,
          afterBatch,
        });
      return { knex, store, make };
    }

    it('records every version change with its kind, author and from/to versions', async () => {
      const { store, make } = await setup();
      const result = await make().ingest();
      expect(result.commits).toBe(7);

      const { rows } = await store.listRollouts({
        repositoryId: 'demo',
        service: 'cart',
        limit: 100,
      });
      const summary = rows
        .reverse()
        .map(
          r =>
            `${r.environment} ${r.from_version ?? '-'}→${r.to_version} ${
              r.kind
            } ${r.author_name}`,
        );
      expect(summary).toEqual([
        'dev -→v1 initial Ada Lovelace',
        'staging -→v1 initial Ada Lovelace',
        'prod-us -→v1 initial Ada Lovelace',
        'prod-eu -→v1 initial Ada Lovelace',
        'dev v1→v2 direct CI Bot',
        'staging v1→v2 promotion Grace Hopper',
        'prod-us v1→v2 promotion Grace Hopper',
        'prod-eu v1→v2 promotion Grace Hopper',
        'prod-eu v2→v1 rollback Grace Hopper',
        'dev v2→v3 direct CI Bot',
      ]);
      const prod = rows.find(
        r => r.environment === 'prod-us' && r.to_version === 'v2',
      )!;
      expect(prod.source_commit_sha).toBe(
        '3d9b390a1c2e4f5a6b7c8d9e0f1a2b3c4d5e6f70',
      );

      const states = await store.getDesiredStates('demo', 'cart');
      expect(
        Object.fromEntries(states.map(s => [s.environment, s.version])),
      ).toEqual({
        dev: 'v3',
        staging: 'v2',
        'prod-us': 'v2',
        'prod-eu': 'v1',
      });
      const euState = states.find(s => s.environment === 'prod-eu')!;
      expect(euState.change_subject).toBe('rollback cart in prod-eu to v1');
      expect(euState.line).toBe(8);
      expect(euState.file).toBe('apps/cart/prod-eu/kustomization.yaml');
    });

    it('adds 0 rows when run again over the same history, and only new rows after a new commit', async () => {
      const { store, make } = await setup();
      await make().ingest();
      const before = await store.countRollouts();
      const again = await make().ingest();
      expect(again).toMatchObject({ commits: 0, rolloutsInserted: 0 });
      expect(await store.countRollouts()).toBe(before);

      repo.write('apps/cart/staging/kustomization.yaml', kustomization('v3'));
      repo.commit('promote cart v3 to staging');
      const inc = await make().ingest();
      expect(inc).toMatchObject({ commits: 1, rolloutsInserted: 1 });
      expect(await store.countRollouts()).toBe(before + 1);
    });

    it('loses and duplicates nothing when the backend dies between batches', async () => {
      const clean = await setup(2);
      await clean.make().ingest();
      const expected = (
        await clean.store.listRollouts({
          repositoryId: 'demo',
          service: 'cart',
          limit: 100,
        })
      ).rows
        .map(r => `${r.commit_sha}:${r.environment}:${r.to_version}`)
        .sort();

      const { knex, store, make } = await setup(2);
      await knex('gitops_rollouts').delete();
      await knex('gitops_desired_states').delete();
      await knex('gitops_repositories').delete();
      // "Crash" after the second committed batch.
      await expect(
        make(({ batch }) => {
          if (batch === 2) throw new Error('process killed');
        }).ingest(),
      ).rejects.toThrow('process killed');
      const partial = await store.countRollouts();
      expect(partial).toBeGreaterThan(0);
      expect(partial).toBeLessThan(expected.length);

      // Restart: a fresh ingester continues from the committed cursor.
      await make().ingest();
      const after = (
        await store.listRollouts({
          repositoryId: 'demo',
          service: 'cart',
          limit: 100,
        })
      ).rows
        .map(r => `${r.commit_sha}:${r.environment}:${r.to_version}`)
        .sort();
      expect(after).toEqual(expected);
    });

    it('lets only one of two concurrent runs (two replicas) write each batch', async () => {
      const { store, make } = await setup(1);
      const results = await Promise.allSettled([
        make().ingest(),
        make().ingest(),
      ]);
      expect(results.some(r => r.status === 'fulfilled')).toBe(true);
      const failures = results.flatMap(r =>
        r.status === 'rejected' ? [String(r.reason)] : [],
      );
      for (const reason of failures) expect(reason).toMatch(/cursor .* moved/);
      // Whatever the interleaving, a last run completes and the ledger is exact.
      await make().ingest();
      expect(await store.countRollouts()).toBe(10);
    });

    it('marks only the environment whose manifest lost its image, naming file and line', async () => {
      const { store, make } = await setup();
      repo.write(
        'apps/cart/staging/kustomization.yaml',
        'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nimages:\n  - name: nginx\n    newTag: "1.27"\n',
      );
      repo.commit('oops: wrong image in staging');
      repo.write(
        'apps/cart/dev/kustomization.yaml',
        'images:\n  - name: ghcr.io/acme/cart\n    newTag: [v4\n',
      );
      repo.commit('oops: YAML syntax error in dev');
      await make().ingest();
      const states = Object.fromEntries(
        (await store.getDesiredStates('demo', 'cart')).map(s => [
          s.environment,
          s,
        ]),
      );
      const stagingError = JSON.parse(states.staging.error!);
      expect(stagingError.file).toBe('apps/cart/staging/kustomization.yaml');
      expect(stagingError.message).toContain('ghcr.io/acme/cart');
      expect(typeof stagingError.line).toBe('number');
      const devError = JSON.parse(states.dev.error!);
      expect(devError.file).toBe('apps/cart/dev/kustomization.yaml');
      expect(devError.line).toBeGreaterThanOrEqual(3);
      // The last good versions are kept, the other environments are untouched.
      expect(states.staging.version).toBe('v2');
      expect(states['prod-us'].error).toBeNull();
      expect(states['prod-us'].version).toBe('v2');

      // Fixing the file records the rollout from the last good version.
      repo.write('apps/cart/staging/kustomization.yaml', kustomization('v3'));
      repo.commit('promote cart v3 to staging');
      await make().ingest();
      const fixed = (await store.getDesiredStates('demo', 'cart')).find(
        s => s.environment === 'staging',
      )!;
      expect(fixed.error).toBeNull();
      const { rows } = await store.listRollouts({
        repositoryId: 'demo',
        service: 'cart',
        environment: 'staging',
        limit: 1,
      });
      expect(rows[0]).toMatchObject({
        from_version: 'v2',
        to_version: 'v3',
        kind: 'promotion',
      });
    });

    it('keeps the last good pipeline when the pipeline file breaks, and reports its line', async () => {
      const { store, make } = await setup();
      await make().ingest();
      repo.write(
        'gitops-pipeline.yaml',
        `${TWO_STAGE_PIPELINE}\n  oops: [unclosed\n`,
      );
      repo.commit('break the pipeline file');
      repo.write('apps/cart/dev/kustomization.yaml', kustomization('v4'));
      repo.commit('bump cart to v4 in dev');
      await make().ingest();
      const row = (await store.getRepository('demo'))!;
      const error = JSON.parse(row.pipeline_error!);
      expect(error.file).toBe('gitops-pipeline.yaml');
      expect(error.line).toBeGreaterThan(30);
      // Still ingesting with the last good pipeline.
      const dev = (await store.getDesiredStates('demo', 'cart')).find(
        s => s.environment === 'dev',
      )!;
      expect(dev.version).toBe('v4');
      expect(JSON.parse(row.pipeline!).definition.environments).toHaveLength(4);
    });

    it('reports a manifest over the size limit as the error of its environment, not as a missing file', async () => {
      const { store, make } = await setup();
      const big = Math.round(3.2 * 1024 * 1024);
      const manifest = kustomization('v9');
      repo.write(
        'apps/cart/staging/kustomization.yaml',
        `${manifest}${'#'.repeat(big - manifest.length - 1)}\n`,
      );
      repo.commit('oops: a 3.2 MiB staging manifest');
      await make().ingest();
      const states = Object.fromEntries(
        (await store.getDesiredStates('demo', 'cart')).map(s => [
          s.environment,
          s,
        ]),
      );
      expect(JSON.parse(states.staging.error!)).toEqual({
        message:
          'manifest is 3.2 MiB, over the 1 MiB limit (gitops.limits.maxManifestBytes)',
        file: 'apps/cart/staging/kustomization.yaml',
      });
      // The last good version stays; the other environments are untouched.
      expect(states.staging.version).toBe('v2');
      expect(states.dev).toMatchObject({ version: 'v3', error: null });
      expect(states['prod-us']).toMatchObject({ version: 'v2', error: null });
    });

    it('keeps the last good pipeline when the pipeline file grows over the size limit', async () => {
      const { store, make } = await setup();
      await make().ingest();
      repo.write(
        'gitops-pipeline.yaml',
        `${TWO_STAGE_PIPELINE}#${'x'.repeat(2 * 1024 * 1024)}\n`,
      );
      repo.commit('a 2 MiB pipeline file');
      repo.write('apps/cart/dev/kustomization.yaml', kustomization('v4'));
      repo.commit('bump cart to v4 in dev');
      await make().ingest();
      const row = (await store.getRepository('demo'))!;
      expect(JSON.parse(row.pipeline_error!)).toEqual({
        message:
          'pipeline file is 2 MiB, over the 1 MiB limit (gitops.limits.maxManifestBytes)',
        file: 'gitops-pipeline.yaml',
      });
      const dev = (await store.getDesiredStates('demo', 'cart')).find(
        s => s.environment === 'dev',
      )!;
      expect(dev.version).toBe('v4');
      expect(JSON.parse(row.pipeline!).definition.environments).toHaveLength(4);
    });

    it('re-reads history after a force-push without duplicating rollouts', async () => {
      const { store, make } = await setup();
      await make().ingest();
      const before = await store.countRollouts();
      // Rewrite the last commit (v3 in dev) into v3b.
      repo.git('reset', '--hard', 'HEAD~1');
      repo.write('apps/cart/dev/kustomization.yaml', kustomization('v3b'));
      repo.commit('bump cart to v3b in dev');
      await make().ingest();
      expect(await store.countRollouts()).toBe(before + 1);
      const dev = (await store.getDesiredStates('demo', 'cart')).find(
        s => s.environment === 'dev',
      )!;
      expect(dev.version).toBe('v3b');
    });
  },
);
