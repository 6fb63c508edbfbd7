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

const PIPELINE = TWO_STAGE_PIPELINE.replace(
  '    staging:\n      cluster: staging-cluster\n',
  '    staging:\n      cluster: staging-cluster\n      promotion:\n        mode: direct\n',
);

const user = (name: string) => ({
  header: () => mockCredentials.user.header(`user:default/${name}`),
});
const BASE = '/api/gitops/v1/entities/default/component/cart';

/**
 * The permission matrix: alice (owner) may promote anywhere, bob everything
 * but prod, mallory (not an owner) nothing; "down" makes the permission
 * backend unreachable.
 */
function policy(mode: 'normal' | 'down') {
  return mockServices.permissions.mock({
    authorize: async (requests: any[], options: any) => {
      if (
        mode === 'down' &&
        requests.some(
          r => !['gitops.read', 'gitops.refresh'].includes(r.permission.name),
        )
      ) {
        throw new Error('connect ECONNREFUSED permission backend');
      }
      const who: string = options.credentials.principal.userEntityRef ?? '';
      return requests.map(r => {
        if (
          r.permission.name === 'gitops.read' ||
          r.permission.name === 'gitops.refresh'
        ) {
          return { result: AuthorizeResult.ALLOW };
        }
        if (who.endsWith('/alice')) return { result: AuthorizeResult.ALLOW };
        if (who.endsWith('/bob')) {
          return {
            result: /:prod-/.test(r.resourceRef ?? '')
              ? AuthorizeResult.DENY
              : AuthorizeResult.ALLOW,
          };
        }
        return { result: AuthorizeResult.DENY };
      }) as any;
    },
  }).factory;
}

describe('promotion endpoints', () => {
  let repo: GitRepoFixture;

  beforeEach(() => {
    repo = new GitRepoFixture();
    repo.write('gitops-pipeline.yaml', PIPELINE);
    for (const env of ['dev', 'staging', 'prod-us', 'prod-eu']) {
      repo.write(`apps/cart/${env}/kustomization.yaml`, kustomization('v1'));
    }
    repo.commit('bootstrap cart');
    repo.write('apps/cart/dev/kustomization.yaml', kustomization('v2'));
    repo.commit('bump cart to v2 in dev');
  });
  afterEach(() => repo.cleanup());

  async function start(mode: 'normal' | 'down' = 'normal') {
    const { server } = await startTestBackend({
      features: [
        gitopsPlugin,
        catalogServiceMock.factory({ entities: [cart] }),
        policy(mode),
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
    const refresh = await request(server)
      .post('/api/gitops/v1/repositories/demo/refresh')
      .set('authorization', user('alice').header());
    expect(refresh.status).toBe(200);
    return server;
  }

  it('previews and promotes, idempotently, and refuses a reused key with another body (422)', async () => {
    const server = await start();
    const preview = await request(server)
      .post(`${BASE}/promotions/preview`)
      .set('authorization', user('bob').header())
      .send({ sourceEnvironment: 'dev' });
    expect(preview.status).toBe(200);
    expect(preview.body).toMatchObject({
      version: 'v2',
      environments: ['staging'],
      allowed: true,
    });
    expect(preview.body.changes[0].diff).toContain(
      '+    newTag: v2 # bumped by CI',
    );

    const send = (body: object, key = 'promo-key-0001') =>
      request(server)
        .post(`${BASE}/promotions`)
        .set('authorization', user('bob').header())
        .set('idempotency-key', key)
        .send(body);
    const first = await send({ sourceEnvironment: 'dev' });
    expect(first.status).toBe(201);
    expect(first.body.state).toBe('merged');
    const again = await send({ sourceEnvironment: 'dev' });
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(first.body.id);
    const other = await send({
      sourceEnvironment: 'dev',
      environments: ['prod-us'],
    });
    expect(other.status).toBe(422);
    expect(other.body.error.message).toMatch(
      /already used for a different request/,
    );
    expect(
      repo.git('show', 'main:apps/cart/staging/kustomization.yaml'),
    ).toContain('newTag: v2 # bumped by CI');
  });

  it('refuses bad input with a 4xx and writes nothing', async () => {
    const server = await start();
    const head = repo.head();
    const post = (
      path: string,
      body: unknown,
      key: string | null = 'bad-input-001',
    ) => {
      const r = request(server)
        .post(`${BASE}${path}`)
        .set('authorization', user('alice').header());
      if (key) r.set('idempotency-key', key);
      return r.send(body as any);
    };
    expect(
      (await post('/promotions', { sourceEnvironment: 'dev' }, null)).status,
    ).toBe(400);
    expect(
      (
        await post(
          '/promotions',
          { sourceEnvironment: 'dev' },
          'bad key with spaces',
        )
      ).status,
    ).toBe(400);
    const newline = await post('/promotions', {
      version: 'v2\nimage: evil',
      environments: ['staging'],
    });
    expect(newline.status).toBe(400);
    expect(newline.body.error.message).toMatch(/version/);
    expect(
      (
        await post('/promotions', {
          version: '{a: 1}',
          environments: ['staging'],
        })
      ).status,
    ).toBe(400);
    expect(
      (
        await post('/promotions', {
          sourceEnvironment: 'dev',
          environments: ['perf'],
        })
      ).status,
    ).toBe(404);
    expect(
      (await post('/promotions', { sourceEnvironment: '../etc' })).status,
    ).toBe(400);
    expect(
      (await post('/promotions', { sourceEnvironment: 'dev', extra: 1 }))
        .status,
    ).toBe(400);
    const big = await post('/promotions', {
      sourceEnvironment: 'dev',
      reason: 'x'.repeat(100_000),
    });
    expect(big.status).toBe(413);
    expect((await post('/rollbacks', { environment: 'prod-eu' })).status).toBe(
      400,
    ); // reason required
    expect(repo.head()).toBe(head);
  });

  it('applies the permission matrix: allowed environment, denied prod, non-owner, unauthenticated, permission backend down', async () => {
    const server = await start();
    const promote = (who: string, body: object, key: string) =>
      request(server)
        .post(`${BASE}/promotions`)
        .set('authorization', user(who).header())
        .set('idempotency-key', key)
        .send(body);

    expect(
      (await promote('bob', { sourceEnvironment: 'dev' }, 'matrix-0001'))
        .status,
    ).toBe(201); // staging: allowed
    const deniedProd = await promote(
      'bob',
      { sourceEnvironment: 'staging' },
      'matrix-0002',
    );
    expect(deniedProd.status).toBe(403);
    expect(deniedProd.body.error.message).toMatch(
      /gitops.promote denied for prod-us/,
    );
    expect(
      (
        await promote(
          'mallory',
          { sourceEnvironment: 'dev', environments: ['staging'] },
          'matrix-0003',
        )
      ).status,
    ).toBe(403);
    const anonymous = await request(server)
      .post(`${BASE}/promotions`)
      .set('authorization', mockCredentials.none.header())
      .set('idempotency-key', 'matrix-0004')
      .send({ sourceEnvironment: 'dev' });
    expect(anonymous.status).toBe(401);

    const down = await start('down');
    const unreachable = await request(down)
      .post(`${BASE}/promotions`)
      .set('authorization', user('alice').header())
      .set('idempotency-key', 'matrix-0005')
      .send({ sourceEnvironment: 'dev' });
    expect(unreachable.status).toBe(403);
    expect(unreachable.body.error.message).toMatch(/could not be asked/);
    // The permission backend's own error (addresses, internals) stays inside.
    expect(JSON.stringify(unreachable.body)).not.toMatch(/ECONNREFUSED/);
  });

  it('rolls back, shows the hold, refuses the held version, and lifts it', async () => {
    const server = await start();
    const as = (who: string) => ({ authorization: user(who).header() });
    await request(server)
      .post(`${BASE}/promotions`)
      .set(as('alice'))
      .set('idempotency-key', 'rb-flow-0001')
      .send({ sourceEnvironment: 'dev' });
    const rollback = await request(server)
      .post(`${BASE}/rollbacks`)
      .set(as('alice'))
      .set('idempotency-key', 'rb-flow-0002')
      .send({
        environment: 'staging',
        reason: 'smoke tests failed',
        emergency: true,
      });
    expect(rollback.status).toBe(201);
    expect(rollback.body).toMatchObject({
      kind: 'rollback',
      state: 'merged',
      version: 'v1',
    });
    const holds = await request(server).get(`${BASE}/holds`).set(as('bob'));
    expect(holds.body.items).toEqual([
      expect.objectContaining({
        environment: 'staging',
        version: 'v2',
        reason: 'smoke tests failed',
      }),
    ]);
    const refused = await request(server)
      .post(`${BASE}/promotions`)
      .set(as('alice'))
      .set('idempotency-key', 'rb-flow-0003')
      .send({ sourceEnvironment: 'dev' });
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toMatch(/hold/);
    const lift = await request(server)
      .post(`/api/gitops/v1/holds/${holds.body.items[0].id}/lift`)
      .set(as('alice'))
      .send({ reason: 'fixed' });
    expect(lift.status).toBe(200);
    const ok = await request(server)
      .post(`${BASE}/promotions`)
      .set(as('alice'))
      .set('idempotency-key', 'rb-flow-0004')
      .send({ sourceEnvironment: 'dev' });
    expect(ok.status).toBe(201);
    const history = await request(server).get(`${BASE}/actions`).set(as('bob'));
    expect(history.body.items.map((a: any) => a.kind)).toEqual([
      'promotion',
      'rollback',
      'promotion',
    ]);
  });
});
