import { TestDatabases } from '@backstage/backend-test-utils';
import { GITOPS_ANNOTATIONS } from '@gitops2/plugin-gitops-common';
import type { Knex } from 'knex';
import { KustomizeImageLocator } from '../locators/KustomizeImageLocator';
import { createDefaultLocatorRegistry } from '../locators/VersionLocatorRegistry';
import type { LocatorOptions } from '../locators/types';
import { GitopsService } from '../service/GitopsService';
import {
  GitRepoFixture,
  kustomization,
  TWO_STAGE_PIPELINE,
} from '../testing/GitRepoFixture';
import { ENVIRONMENTS, ingestionHarness } from './__testUtils__/harness';

jest.setTimeout(60_000);

const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });

/** kustomize-image that throws (a buggy locator) on a marker in the file. */
class FragileLocator extends KustomizeImageLocator {
  readonly type = 'fragile' as any;

  read(content: string, file: string, options: LocatorOptions) {
    if (content.includes('EXPLODE'))
      throw new TypeError('fragile: cannot read EXPLODE');
    return super.read(content, file, { image: options.image });
  }
}

const FRAGILE_PIPELINE = TWO_STAGE_PIPELINE.replace(
  'type: kustomize-image',
  'type: fragile',
);

function bootstrap(repo: GitRepoFixture, pipeline = TWO_STAGE_PIPELINE) {
  repo.write('gitops-pipeline.yaml', pipeline);
  for (const env of ENVIRONMENTS)
    repo.write(`apps/cart/${env}/kustomization.yaml`, kustomization('v1'));
  repo.commit('bootstrap cart in every environment');
}

/** A database trigger that refuses one version: a row the database rejects. */
async function refuseVersion(knex: Knex, databaseId: string, version: string) {
  if (databaseId.startsWith('POSTGRES')) {
    await knex.raw(`CREATE FUNCTION gitops_test_refuse() RETURNS trigger AS $$
      BEGIN
        IF NEW.to_version = '${version}' THEN
          RAISE EXCEPTION 'version ${version} refused by a test trigger' USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
      END $$ LANGUAGE plpgsql`);
    await knex.raw(`CREATE TRIGGER gitops_test_refuse BEFORE INSERT ON gitops_rollouts
      FOR EACH ROW EXECUTE FUNCTION gitops_test_refuse()`);
  } else {
    await knex.raw(`CREATE TRIGGER gitops_test_refuse BEFORE INSERT ON gitops_rollouts
      WHEN NEW.to_version = '${version}'
      BEGIN SELECT RAISE(ABORT, 'version ${version} refused by a test trigger'); END`);
  }
}

describe.each(databases.eachSupportedId())(
  'RepositoryIngester with bad commits on %p',
  databaseId => {
    let repo: GitRepoFixture;
    beforeEach(() => {
      repo = new GitRepoFixture();
    });
    afterEach(() => repo.cleanup());

    it('records a version longer than the ledger stores as an error of its commit, and ingests the commits after it', async () => {
      bootstrap(repo);
      const long = 'x'.repeat(300);
      repo.write('apps/cart/dev/kustomization.yaml', kustomization(long));
      const bad = repo.commit('bump cart in dev to a 300-character tag');
      repo.write('apps/cart/dev/kustomization.yaml', kustomization('v2'));
      repo.commit('bump cart to v2 in dev');
      repo.write('apps/cart/staging/kustomization.yaml', kustomization('v2'));
      repo.commit('promote cart v2 to staging');

      const knex = await databases.init(databaseId);
      const { store, ingest, rollouts } = await ingestionHarness(knex, repo);
      await expect(ingest()).resolves.toMatchObject({ commits: 4 });
      expect((await store.getRepository('demo'))?.last_commit_sha).toBe(
        repo.head(),
      );
      expect((await rollouts()).map(r => r.line).slice(4)).toEqual([
        'dev v1→v2 direct',
        'staging v1→v2 promotion',
      ]);

      const { rows, total } = await store.listIngestionErrors('demo', {
        limit: 10,
      });
      expect(total).toBe(1);
      expect(rows[0]).toMatchObject({
        repository_id: 'demo',
        commit_sha: bad,
        service: 'cart',
        environment: 'dev',
      });
      expect(rows[0].message).toMatch(/300 characters.*255/);
      expect(rows[0].recorded_at).toBeTruthy();
      const dev = (await store.getDesiredStates('demo', 'cart')).find(
        s => s.environment === 'dev',
      )!;
      expect(dev).toMatchObject({ version: 'v2', error: null });

      // Where repository errors are shown: the repository state.
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
      const status = await service.getServiceStatus({
        apiVersion: 'backstage.io/v1alpha1',
        kind: 'Component',
        metadata: {
          name: 'cart',
          annotations: { [GITOPS_ANNOTATIONS.repository]: 'demo' },
        },
      });
      expect(status.repository.ingestionErrorCount).toBe(1);
      const state = await service.getRepositoryState('demo');
      expect(state.ingestionErrorCount).toBe(1);
      expect(state.ingestionErrors).toEqual([
        {
          commitSha: bad,
          service: 'cart',
          environment: 'dev',
          message: rows[0].message,
          recordedAt: expect.any(String),
        },
      ]);

      // A re-run, even a full re-walk from the root, adds nothing.
      const before = (await rollouts()).length;
      await expect(ingest()).resolves.toMatchObject({ rolloutsInserted: 0 });
      await knex('gitops_repositories')
        .where({ id: 'demo' })
        .update({ last_commit_sha: null, pipeline_good_content: null });
      await ingest();
      expect((await rollouts()).length).toBe(before);
      expect(
        (await store.listIngestionErrors('demo', { limit: 10 })).total,
      ).toBe(1);
    });

    it('records a locator that throws as an error of that commit and environment; the rest of the commit and later commits are ingested', async () => {
      bootstrap(repo, FRAGILE_PIPELINE);
      repo.write(
        'apps/cart/dev/kustomization.yaml',
        `# EXPLODE\n${kustomization('v2')}`,
      );
      repo.write('apps/cart/staging/kustomization.yaml', kustomization('v2'));
      const bad = repo.commit('bump dev and staging to v2');
      repo.write('apps/cart/dev/kustomization.yaml', kustomization('v3'));
      repo.commit('bump cart to v3 in dev');

      const knex = await databases.init(databaseId);
      const locators = createDefaultLocatorRegistry().register(
        new FragileLocator() as any,
      );
      const { store, ingest, rollouts } = await ingestionHarness(knex, repo, {
        locators,
      });
      await expect(ingest()).resolves.toMatchObject({ commits: 3 });
      // dev could not be read at that commit: it keeps v1, so staging's v2
      // does not come from dev (direct).
      expect((await rollouts()).map(r => r.line).slice(4)).toEqual([
        'staging v1→v2 direct',
        'dev v1→v3 direct',
      ]);
      const { rows } = await store.listIngestionErrors('demo', { limit: 10 });
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({
        commit_sha: bad,
        service: 'cart',
        environment: 'dev',
      });
      expect(rows[0].message).toContain('fragile: cannot read EXPLODE');
      const dev = (await store.getDesiredStates('demo', 'cart')).find(
        s => s.environment === 'dev',
      )!;
      expect(dev).toMatchObject({ version: 'v3', error: null });
    });

    it('isolates a row the database refuses to its commit (the batch is retried commit by commit)', async () => {
      bootstrap(repo);
      repo.write('apps/cart/dev/kustomization.yaml', kustomization('poison'));
      const bad = repo.commit('bump cart to poison in dev');
      repo.write('apps/cart/dev/kustomization.yaml', kustomization('v2'));
      repo.commit('bump cart to v2 in dev');
      repo.write('apps/cart/staging/kustomization.yaml', kustomization('v2'));
      repo.commit('promote cart v2 to staging');

      const knex = await databases.init(databaseId);
      const { store, ingest, rollouts } = await ingestionHarness(knex, repo);
      await refuseVersion(knex, databaseId, 'poison');
      await expect(ingest()).resolves.toMatchObject({ commits: 4 });
      expect((await store.getRepository('demo'))?.last_commit_sha).toBe(
        repo.head(),
      );
      expect((await rollouts()).map(r => r.line)).toEqual([
        'dev -→v1 initial',
        'staging -→v1 initial',
        'prod-us -→v1 initial',
        'prod-eu -→v1 initial',
        'dev poison→v2 direct',
        'staging v1→v2 promotion',
      ]);
      const { rows } = await store.listIngestionErrors('demo', { limit: 10 });
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({
        commit_sha: bad,
        service: '',
        environment: '',
      });
      expect(rows[0].message).toContain('version poison refused');
      expect(
        Number((await store.getRepository('demo'))?.commits_ingested),
      ).toBe(4);
    });
  },
);
