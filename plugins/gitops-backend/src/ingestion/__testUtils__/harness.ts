import { mockServices } from '@backstage/backend-test-utils';
import type { Knex } from 'knex';
import { LedgerStore } from '../../database/LedgerStore';
import type { RolloutRow } from '../../database/tables';
import { LocalGitSource } from '../../git/LocalGitSource';
import {
  createDefaultLocatorRegistry,
  VersionLocatorRegistry,
} from '../../locators/VersionLocatorRegistry';
import {
  GitRepoFixture,
  kustomization,
  TWO_STAGE_PIPELINE,
} from '../../testing/GitRepoFixture';
import { RepositoryIngester } from '../RepositoryIngester';

/** A ledger on `knex` and a way to run a fresh ingester of `repo` into it. */
export async function ingestionHarness(
  knex: Knex,
  repo: GitRepoFixture,
  options: {
    locators?: VersionLocatorRegistry;
    batchSize?: number;
    maxHistoryCommits?: number;
  } = {},
) {
  const store = await LedgerStore.fromKnex(knex);
  const ingest = (
    more: Partial<ConstructorParameters<typeof RepositoryIngester>[0]> = {},
  ) =>
    new RepositoryIngester({
      repositoryId: 'demo',
      pipelineFile: 'gitops-pipeline.yaml',
      source: new LocalGitSource(repo.dir, 'main'),
      store,
      locators: options.locators ?? createDefaultLocatorRegistry(),
      logger: mockServices.logger.mock(),
      batchSize: options.batchSize,
      maxHistoryCommits: options.maxHistoryCommits,
      ...more,
    }).ingest();
  const rollouts = async (
    environment?: string,
  ): Promise<Array<RolloutRow & { id: string; line: string }>> =>
    (
      await knex('gitops_rollouts')
        .where({ repository_id: 'demo', service: 'cart' })
        .modify(q => {
          if (environment) q.andWhere({ environment });
        })
        .orderBy('id')
    ).map((r: any) => ({
      ...r,
      id: String(r.id),
      line: `${r.environment} ${r.from_version ?? '-'}→${r.to_version} ${
        r.kind
      }`,
    }));
  return { store, ingest, rollouts };
}

export const ENVIRONMENTS = ['dev', 'staging', 'prod-us', 'prod-eu'];

/**
 * Seven commits, ten rollouts of cart: dev gets v1, v2, v3; staging and
 * prod follow to v2; prod-eu is rolled back to v1.
 */
export function buildHistory(repo: GitRepoFixture) {
  repo.write('gitops-pipeline.yaml', TWO_STAGE_PIPELINE);
  for (const env of ENVIRONMENTS)
    repo.write(`apps/cart/${env}/kustomization.yaml`, kustomization('v1'));
  repo.commit('bootstrap cart in every environment');
  repo.write('apps/cart/dev/kustomization.yaml', kustomization('v2'));
  repo.commit('bump cart to v2 in dev', {
    name: 'CI Bot',
    email: 'ci@example.com',
  });
  repo.write('apps/cart/staging/kustomization.yaml', kustomization('v2'));
  repo.commit('promote cart v2 from dev to staging', {
    name: 'Grace Hopper',
    email: 'grace@example.com',
  });
  repo.write('README.md', '# config only\n');
  repo.commit('docs: explain the layout');
  repo.write('apps/cart/prod-us/kustomization.yaml', kustomization('v2'));
  repo.write('apps/cart/prod-eu/kustomization.yaml', kustomization('v2'));
  repo.commit(
    'release cart v2 to prod\n\nGitops-Kind: promotion\nGitops-Source-Commit: 3d9b390a1c2e4f5a6b7c8d9e0f1a2b3c4d5e6f70',
  );
  repo.write('apps/cart/prod-eu/kustomization.yaml', kustomization('v1'));
  repo.commit('rollback cart in prod-eu to v1');
  repo.write('apps/cart/dev/kustomization.yaml', kustomization('v3'));
  repo.commit('bump cart to v3 in dev', {
    name: 'CI Bot',
    email: 'ci@example.com',
  });
}
