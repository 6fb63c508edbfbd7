import { mockServices } from '@backstage/backend-test-utils';
import knexFactory from 'knex';
import { readGitopsConfig } from '../config';
import { LedgerStore } from '../database/LedgerStore';
import { LocalGitSource } from '../git/LocalGitSource';
import { createDefaultLocatorRegistry } from '../locators/VersionLocatorRegistry';
import {
  GitRepoFixture,
  kustomization,
  TWO_STAGE_PIPELINE,
} from '../testing/GitRepoFixture';
import { IngestionManager } from './IngestionManager';
import { ConfigReader } from '@backstage/config';

describe('IngestionManager', () => {
  let repo: GitRepoFixture;
  afterEach(() => repo.cleanup());

  /** A manager whose source answers the head only when `release()` is called. */
  async function setup() {
    repo = new GitRepoFixture();
    repo.write('gitops-pipeline.yaml', TWO_STAGE_PIPELINE);
    repo.write('apps/cart/dev/kustomization.yaml', kustomization('v1'));
    repo.commit('bootstrap');
    const knex = knexFactory({
      client: 'better-sqlite3',
      connection: ':memory:',
      useNullAsDefault: true,
    });
    const store = await LedgerStore.fromKnex(knex);
    let release: () => void = () => undefined;
    let gate: Promise<void> = Promise.resolve();
    const source = new LocalGitSource(repo.dir, 'main');
    const headCommit = source.headCommit.bind(source);
    source.headCommit = async () => {
      const head = await headCommit();
      await gate;
      return head;
    };
    const manager = new IngestionManager({
      config: readGitopsConfig(
        new ConfigReader({
          gitops: {
            repositories: [{ id: 'demo', provider: 'local', url: repo.dir }],
          },
        }),
      ),
      store,
      locators: createDefaultLocatorRegistry(),
      logger: mockServices.logger.mock(),
      createSource: () => source,
    });
    const hold = () => {
      gate = new Promise(r => {
        release = r;
      });
    };
    const versions = async () =>
      (await knex('gitops_rollouts').orderBy('id')).map(
        (r: any) => `${r.environment} ${r.to_version}`,
      );
    return { manager, hold, release: () => release(), versions };
  }

  it('a push during a run is ingested by a run after it (ingestFromNow), not lost in the joined run (ingest)', async () => {
    const { manager, hold, release, versions } = await setup();
    hold();
    const running = manager.ingest('demo'); // has read the head: bootstrap
    await new Promise(r => setTimeout(r, 200));
    repo.write('apps/cart/dev/kustomization.yaml', kustomization('v2'));
    repo.commit('cart v2 to dev'); // the push
    const joined = manager.ingest('demo');
    const fresh = manager.ingestFromNow('demo');
    release();
    await running;
    await joined;
    expect(await versions()).toEqual(['dev v1']);
    await fresh;
    expect(await versions()).toEqual(['dev v1', 'dev v2']);
  });
});
