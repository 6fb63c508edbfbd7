import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import request from 'supertest';
import { gitopsPlugin } from '../plugin';
import {
  GitRepoFixture,
  kustomization,
  TWO_STAGE_PIPELINE,
} from '../testing/GitRepoFixture';

jest.setTimeout(90_000);

const cart = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: {
    name: 'cart',
    namespace: 'default',
    annotations: { 'gitops2.io/gitops-repo': 'demo' },
  },
  spec: {
    type: 'service',
    owner: 'group:default/team-cart',
    lifecycle: 'production',
  },
};

const BASE = '/api/gitops/v1/entities/default/component/cart';
const WINDOW = 'since=2026-10-01T00:00:00Z&until=2026-10-03T00:00:00Z';

describe('delivery metrics endpoints', () => {
  let repo: GitRepoFixture;

  beforeEach(() => {
    // Commits at 2026-10-01 10:00, 11:00, 12:00 (the fixture's clock).
    repo = new GitRepoFixture();
    repo.write('gitops-pipeline.yaml', TWO_STAGE_PIPELINE);
    for (const env of ['dev', 'staging', 'prod-us', 'prod-eu']) {
      repo.write(`apps/cart/${env}/kustomization.yaml`, kustomization('v1'));
    }
    repo.commit('bootstrap cart');
    repo.write('apps/cart/dev/kustomization.yaml', kustomization('v2'));
    repo.commit('bump cart to v2 in dev');
    repo.write('apps/cart/dev/kustomization.yaml', kustomization('v1'));
    repo.commit('rollback cart in dev to v1');
  });
  afterEach(() => repo.cleanup());

  async function start(allowRead = true) {
    const { server } = await startTestBackend({
      features: [
        gitopsPlugin,
        catalogServiceMock.factory({ entities: [cart] }),
        mockServices.permissions.mock({
          authorize: async (requests: any[]) =>
            requests.map(() => ({
              result: allowRead ? AuthorizeResult.ALLOW : AuthorizeResult.DENY,
            })) as any,
        }).factory,
        mockServices.rootConfig.factory({
          data: {
            gitops: {
              repositories: [{ id: 'demo', provider: 'local', url: repo.dir }],
              ingestion: { frequency: { minutes: 60 } },
            },
          },
        }),
      ],
    });
    if (allowRead) {
      const refresh = await request(server)
        .post('/api/gitops/v1/repositories/demo/refresh')
        .set('authorization', mockCredentials.user.header());
      expect(refresh.status).toBe(200);
    }
    return server;
  }

  it('serves the metrics of an entity and of the organisation', async () => {
    const server = await start();
    const auth = mockCredentials.user.header();

    const entity = await request(server)
      .get(`${BASE}/metrics?${WINDOW}&environment=dev`)
      .set('authorization', auth);
    expect(entity.status).toBe(200);
    expect(entity.body.since).toBe('2026-10-01T00:00:00.000Z');
    expect(entity.body.until).toBe('2026-10-03T00:00:00.000Z');
    expect(entity.body.items).toHaveLength(1);
    const dev = entity.body.items[0];
    expect(dev).toMatchObject({ service: 'cart', environment: 'dev' });
    expect(dev.deployments.count).toBe(3);
    expect(dev.deployments.perDay).toBe(1.5);
    expect(dev.deployments.daily).toEqual([
      {
        date: '2026-10-01',
        deployments: 3,
        failures: 1,
        leadTimeMedianSeconds: null,
      },
      {
        date: '2026-10-02',
        deployments: 0,
        failures: 0,
        leadTimeMedianSeconds: null,
      },
    ]);
    // v2 was rolled back: one failed change out of two, restored one hour later.
    expect(dev.changeFailure).toEqual({
      rate: 0.5,
      changes: 2,
      failures: 1,
      rollbacks: 1,
    });
    expect(dev.timeToRestore).toEqual({
      medianSeconds: 3600,
      p90Seconds: 3600,
      samples: 1,
      unrestored: 0,
    });

    const org = await request(server)
      .get(`/api/gitops/v1/metrics?${WINDOW}&service=cart`)
      .set('authorization', auth);
    expect(org.status).toBe(200);
    expect(
      org.body.items.map((i: any) => [
        i.service,
        i.environment,
        i.deployments.count,
      ]),
    ).toEqual([
      ['cart', 'dev', 3],
      ['cart', 'prod-eu', 1],
      ['cart', 'prod-us', 1],
      ['cart', 'staging', 1],
    ]);
  });

  it('rejects invalid windows and unknown parameters', async () => {
    const server = await start();
    const auth = mockCredentials.user.header();
    const tooLong = await request(server)
      .get(
        '/api/gitops/v1/metrics?since=2024-01-01T00:00:00Z&until=2026-01-01T00:00:00Z',
      )
      .set('authorization', auth);
    expect(tooLong.status).toBe(400);
    expect(tooLong.body.error.message).toContain('at most 365 days');
    const reversed = await request(server)
      .get(
        `${BASE}/metrics?since=2026-02-01T00:00:00Z&until=2026-01-01T00:00:00Z`,
      )
      .set('authorization', auth);
    expect(reversed.status).toBe(400);
    expect(reversed.body.error.message).toContain('since must be before until');
    const unknown = await request(server)
      .get('/api/gitops/v1/metrics?limit=3')
      .set('authorization', auth);
    expect(unknown.status).toBe(400);
  });

  it('needs gitops.read', async () => {
    const server = await start(false);
    const res = await request(server)
      .get('/api/gitops/v1/metrics')
      .set('authorization', mockCredentials.user.header());
    expect(res.status).toBe(403);
  });
});
