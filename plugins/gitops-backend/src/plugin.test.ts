import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import request from 'supertest';
import { gitopsPlugin } from './plugin';
import { GitRepoFixture, kustomization, TWO_STAGE_PIPELINE } from './testing/GitRepoFixture';

jest.setTimeout(60_000);

const cartEntity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: {
    name: 'cart',
    namespace: 'default',
    annotations: { 'gitops2.io/gitops-repo': 'demo' },
  },
  spec: { type: 'service', owner: 'guests', lifecycle: 'production' },
};
const plainEntity = {
  ...cartEntity,
  metadata: { name: 'plain', namespace: 'default' },
};
const strayEntity = {
  ...cartEntity,
  metadata: { name: 'stray', namespace: 'default', annotations: { 'gitops2.io/gitops-repo': 'nope' } },
};

describe('gitops backend plugin (HTTP API)', () => {
  let repo: GitRepoFixture;

  beforeAll(() => {
    repo = new GitRepoFixture();
    repo.write('gitops-pipeline.yaml', TWO_STAGE_PIPELINE);
    for (const env of ['dev', 'staging', 'prod-us', 'prod-eu']) {
      repo.write(`apps/cart/${env}/kustomization.yaml`, kustomization('v1'));
    }
    repo.commit('bootstrap cart');
    repo.write('apps/cart/dev/kustomization.yaml', kustomization('v2'));
    repo.commit('bump cart to v2 in dev');
    repo.write('apps/cart/prod-eu/kustomization.yaml', 'images: [\n');
    repo.commit('break prod-eu');
  });
  afterAll(() => repo.cleanup());

  async function start(result: AuthorizeResult.ALLOW | AuthorizeResult.DENY = AuthorizeResult.ALLOW) {
    const { server } = await startTestBackend({
      features: [
        gitopsPlugin,
        catalogServiceMock.factory({ entities: [cartEntity, plainEntity, strayEntity] }),
        mockServices.permissions.factory({ result }),
        mockServices.rootConfig.factory({
          data: {
            gitops: {
              repositories: [
                {
                  id: 'demo',
                  provider: 'local',
                  url: repo.dir,
                  commitUrlTemplate: 'https://git.example.com/gitops/commit/{sha}',
                },
              ],
              ingestion: { frequency: { minutes: 60 } },
            },
          },
        }),
      ],
    });
    return server;
  }

  it('ingests on refresh and serves the status of every environment, with the broken one marked', async () => {
    const server = await start();
    const refresh = await request(server).post('/api/gitops/v1/repositories/demo/refresh');
    expect(refresh.status).toBe(200);
    expect(refresh.body.lastCommitSha).toBe(repo.head());

    const res = await request(server).get('/api/gitops/v1/entities/default/component/cart/status');
    expect(res.status).toBe(200);
    expect(res.body.service).toBe('cart');
    expect(res.body.pipeline.stages.map((s: any) => s.name)).toEqual(['dev', 'staging', 'prod']);
    const byEnv = Object.fromEntries(res.body.environments.map((e: any) => [e.environment.name, e]));
    expect(byEnv.dev.desired.version).toBe('v2');
    expect(byEnv.dev.desired.lastChange.url).toMatch(/^https:\/\/git\.example\.com\/gitops\/commit\/[0-9a-f]{40}$/);
    expect(byEnv['prod-us'].desired.version).toBe('v1');
    expect(byEnv['prod-eu'].error.file).toBe('apps/cart/prod-eu/kustomization.yaml');
    expect(byEnv['prod-eu'].error.line).toBeGreaterThanOrEqual(1);
    expect(byEnv.staging.error).toBeNull();

    const rollouts = await request(server).get(
      '/api/gitops/v1/entities/default/component/cart/rollouts?environment=dev&limit=1',
    );
    expect(rollouts.status).toBe(200);
    expect(rollouts.body.totalCount).toBe(2);
    expect(rollouts.body.items[0]).toMatchObject({ environment: 'dev', fromVersion: 'v1', toVersion: 'v2', kind: 'direct' });
    const next = await request(server).get(
      `/api/gitops/v1/entities/default/component/cart/rollouts?environment=dev&limit=1&before=${rollouts.body.nextCursor}`,
    );
    expect(next.body.items[0]).toMatchObject({ fromVersion: null, toVersion: 'v1' });

    const repos = await request(server).get('/api/gitops/v1/repositories');
    expect(repos.body.items[0]).toMatchObject({ id: 'demo', provider: 'local', branch: 'main' });
  });

  it('validates input with precise 4xx errors', async () => {
    const server = await start();
    const badQuery = await request(server).get(
      '/api/gitops/v1/entities/default/component/cart/rollouts?limit=100000',
    );
    expect(badQuery.status).toBe(400);
    expect(badQuery.body.error.message).toMatch(/limit/);

    const unknownParam = await request(server).get(
      '/api/gitops/v1/entities/default/component/cart/rollouts?sort=desc',
    );
    expect(unknownParam.status).toBe(400);

    const badCursor = await request(server).get(
      '/api/gitops/v1/entities/default/component/cart/rollouts?before=1%27%20OR%201=1',
    );
    expect(badCursor.status).toBe(400);

    const badName = await request(server).get('/api/gitops/v1/entities/default/component/..%2Fetc/status');
    expect(badName.status).toBe(400);

    const missing = await request(server).get('/api/gitops/v1/entities/default/component/ghost/status');
    expect(missing.status).toBe(404);

    const noAnnotation = await request(server).get('/api/gitops/v1/entities/default/component/plain/status');
    expect(noAnnotation.status).toBe(400);
    expect(noAnnotation.body.error.message).toMatch(/gitops2\.io\/gitops-repo/);

    const unknownRepo = await request(server).get('/api/gitops/v1/entities/default/component/stray/status');
    expect(unknownRepo.status).toBe(404);
    expect(unknownRepo.body.error.message).toMatch(/"nope"/);

    const unknownRefresh = await request(server).post('/api/gitops/v1/repositories/nope/refresh');
    expect(unknownRefresh.status).toBe(404);
  });

  it('denies when the permission policy says no, and rejects unauthenticated calls', async () => {
    const server = await start(AuthorizeResult.DENY);
    const denied = await request(server).get('/api/gitops/v1/entities/default/component/cart/status');
    expect(denied.status).toBe(403);
    const deniedRefresh = await request(server).post('/api/gitops/v1/repositories/demo/refresh');
    expect(deniedRefresh.status).toBe(403);

    const anonymous = await request(server)
      .get('/api/gitops/v1/repositories')
      .set('authorization', mockCredentials.none.header());
    expect(anonymous.status).toBe(401);

    const health = await request(server).get('/api/gitops/health');
    expect(health.status).toBe(200);
  });
});
