import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { fixtures, KubeApiDouble, start } from '@gitops2/kube-api-double';
import request from 'supertest';
import { gitopsPlugin } from '../plugin';
import {
  GitRepoFixture,
  kustomization,
  TWO_STAGE_PIPELINE,
} from '../testing/GitRepoFixture';
import { TOKEN } from './__testUtils__/doubles';
import { WATCHED_KINDS } from './ClusterWatcher';
import { waitFor } from './__testUtils__/waitFor';

jest.setTimeout(120_000);

const SECRET_VALUE = 'hunter2-db-password-visible-only-in-the-secret';
const STAGING_TOKEN = 'staging-sa-token-0a1b2c3d4e5f-never-in-a-response';

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

describe('cluster observation HTTP API', () => {
  let repo: GitRepoFixture;
  let dev: KubeApiDouble;
  let staging: KubeApiDouble;
  let prodUs: KubeApiDouble;

  beforeAll(async () => {
    repo = new GitRepoFixture();
    repo.write('gitops-pipeline.yaml', TWO_STAGE_PIPELINE);
    for (const env of ['dev', 'staging', 'prod-us', 'prod-eu']) {
      repo.write(`apps/cart/${env}/kustomization.yaml`, kustomization('v1'));
    }
    repo.commit('bootstrap cart');
    repo.write('apps/cart/dev/kustomization.yaml', kustomization('v2'));
    repo.commit('bump cart to v2 in dev');

    const secret = fixtures.secret({ name: 'cart-db', namespace: 'shop-dev' });
    secret.stringData = undefined;
    secret.data = {
      password: Buffer.from(SECRET_VALUE).toString('base64'),
      plain: Buffer.from(fixtures.SECRET_PLAINTEXT).toString('base64'),
    };
    dev = await start({
      token: TOKEN,
      objects: [
        fixtures.namespace('shop-dev'),
        ...fixtures.deploymentSet({
          name: 'cart',
          namespace: 'shop-dev',
          image: 'ghcr.io/acme/cart:v2',
          replicas: 2,
        }).all,
        secret,
        fixtures.secret({ name: 'other', namespace: 'shop-dev' }),
      ],
    });
    staging = await start({
      token: STAGING_TOKEN,
      objects: [
        fixtures.namespace('shop'),
        ...fixtures.deploymentSet({
          name: 'cart',
          namespace: 'shop',
          image: 'ghcr.io/acme/cart:v1',
          replicas: 3,
        }).all,
      ],
    });
    prodUs = await start({
      token: 'the-real-prod-us-token',
      objects: [fixtures.namespace('shop')],
    });
  });

  afterAll(async () => {
    repo.cleanup();
    await prodUs.close();
    await dev.close();
    await staging.close();
  });

  async function startBackend(
    result:
      | AuthorizeResult.ALLOW
      | AuthorizeResult.DENY = AuthorizeResult.ALLOW,
  ) {
    const { server } = await startTestBackend({
      features: [
        gitopsPlugin,
        catalogServiceMock.factory({ entities: [cartEntity] }),
        mockServices.permissions.factory({ result }),
        mockServices.rootConfig.factory({
          data: {
            gitops: {
              repositories: [{ id: 'demo', provider: 'local', url: repo.dir }],
              ingestion: { frequency: { minutes: 60 } },
              clusters: [
                {
                  name: 'dev-cluster',
                  url: dev.url,
                  authProvider: 'serviceAccount',
                  serviceAccountToken: TOKEN,
                  skipTLSVerify: true,
                },
                {
                  name: 'staging-cluster',
                  url: staging.url,
                  authProvider: 'serviceAccount',
                  serviceAccountToken: STAGING_TOKEN,
                  skipTLSVerify: true,
                },
                // Configured with the wrong token: only its cells degrade.
                {
                  name: 'prod-us-cluster',
                  url: prodUs.url,
                  authProvider: 'serviceAccount',
                  serviceAccountToken: 'wrong-token-for-prod-us',
                  skipTLSVerify: true,
                },
                // prod-eu-cluster is not configured at all.
              ],
            },
          },
        }),
      ],
    });
    return server;
  }

  it('serves live status and the dashboard from the store: 0 Kubernetes requests per view, no credential, no Secret', async () => {
    const server = await startBackend();
    expect(
      (await request(server).post('/api/gitops/v1/repositories/demo/refresh'))
        .status,
    ).toBe(200);

    const live = await waitFor(
      async () => {
        const r = await request(server).get(
          '/api/gitops/v1/entities/default/component/cart/live',
        );
        const envs = r.body.environments ?? [];
        return envs[0]?.health === 'Healthy' &&
          envs[1]?.health === 'Healthy' &&
          envs[2]?.connection?.state === 'unauthorized'
          ? r
          : undefined;
      },
      'live statuses',
      60_000,
    );
    expect(live.status).toBe(200);
    const [d, s, us, eu] = live.body.environments;
    expect(d).toMatchObject({
      environment: 'dev',
      cluster: 'dev-cluster',
      namespace: 'shop-dev',
      replicas: { ready: 2, desired: 2 },
      observedVersions: ['v2'],
    });
    expect(d.drift).toBeUndefined();
    expect(s).toMatchObject({
      environment: 'staging',
      health: 'Healthy',
      observedVersions: ['v1'],
    });
    expect(us).toMatchObject({
      environment: 'prod-us',
      health: 'Unknown',
      connection: { cluster: 'prod-us-cluster', state: 'unauthorized' },
    });
    expect(eu).toMatchObject({
      environment: 'prod-eu',
      health: 'Unknown',
      observedVersions: [],
    });
    expect(live.body.clusters.map((c: any) => [c.cluster, c.state])).toEqual([
      ['dev-cluster', 'connected'],
      ['staging-cluster', 'connected'],
      ['prod-us-cluster', 'unauthorized'],
    ]);

    // The watchers' own list + watch of every kind are done first: healthy
    // statuses may come before the last kinds are watched.
    await waitFor(
      () =>
        [dev, staging].every(
          c => c.count({ verb: 'watch' }) >= WATCHED_KINDS.length,
        ),
      'every kind watched',
    );
    // 100 views of each: not one Kubernetes request (prod-us-cluster, refused, is retried by the watcher on its own).
    const before = dev.count() + staging.count();
    const bodies: string[] = [];
    for (let i = 0; i < 100; i++) {
      const a = await request(server).get(
        '/api/gitops/v1/entities/default/component/cart/live',
      );
      const b = await request(server).get(
        '/api/gitops/v1/dashboard?repository=demo',
      );
      expect([a.status, b.status]).toEqual([200, 200]);
      if (i === 0) bodies.push(a.text, b.text);
    }
    expect(dev.count() + staging.count()).toBe(before);

    const dash = (await request(server).get('/api/gitops/v1/dashboard')).body;
    expect(dash.repositoryId).toBe('demo');
    expect(dash.environments.map((e: any) => [e.name, e.status])).toEqual([
      ['dev', 'DEPLOYED'],
      ['staging', 'DEPLOYED'],
      ['prod-us', 'ERROR'],
      ['prod-eu', 'UNKNOWN'],
    ]);
    expect(dash.environments[0]).toMatchObject({
      url: 'https://dev.shop.example.com',
      counts: {
        services: 1,
        deployments: 1,
        healthy: 1,
        pods: { running: 2, total: 2 },
      },
    });
    expect(dash.environments[0].recentRollouts[0]).toMatchObject({
      service: 'cart',
      toVersion: 'v2',
    });
    // Outcomes as presented (presentRolloutOutcome): prod-eu has no watched
    // cluster, so its rollout is "not observed", never "pending"; dev's v1
    // was history when ingested; prod-us's cluster is watched (refused for
    // now): its latest rollout may still converge.
    expect(
      dash.environments.map((e: any) =>
        e.recentRollouts.map((r: any) => [r.toVersion, r.outcome]),
      ),
    ).toEqual([
      [
        ['v2', 'succeeded'],
        ['v1', 'not-observed'],
      ],
      [['v1', 'succeeded']],
      [['v1', 'pending']],
      [['v1', 'not-observed']],
    ]);
    expect(dash.matrix).toEqual([
      {
        service: 'cart',
        cells: {
          dev: { version: 'v2', health: 'Healthy', drift: false },
          staging: {
            version: 'v1',
            behind: 1,
            health: 'Healthy',
            drift: false,
          },
          'prod-us': {
            version: 'v1',
            behind: 0,
            health: 'Unknown',
            drift: false,
          },
          'prod-eu': {
            version: 'v1',
            behind: 0,
            health: 'Unknown',
            drift: false,
          },
        },
      },
    ]);

    // Nothing from a credential or a Secret in any response.
    for (const path of [
      '/api/gitops/v1/repositories',
      '/api/gitops/v1/entities/default/component/cart/status',
      '/api/gitops/v1/entities/default/component/cart/rollouts',
      '/api/gitops/v1/rollouts',
    ]) {
      bodies.push((await request(server).get(path)).text);
    }
    bodies.push(JSON.stringify(dash));
    const secretB64 = Buffer.from(SECRET_VALUE).toString('base64');
    for (const body of bodies) {
      for (const needle of [
        TOKEN,
        STAGING_TOKEN,
        'wrong-token-for-prod-us',
        SECRET_VALUE,
        secretB64,
        fixtures.SECRET_PLAINTEXT,
        'cart-db',
      ]) {
        expect(body).not.toContain(needle);
      }
    }
    // The watcher never asked for Secrets.
    expect(dev.count({ resource: 'secrets' })).toBe(0);
  });

  it('needs gitops.read', async () => {
    const server = await startBackend(AuthorizeResult.DENY);
    expect(
      (
        await request(server).get(
          '/api/gitops/v1/entities/default/component/cart/live',
        )
      ).status,
    ).toBe(403);
    expect(
      (await request(server).get('/api/gitops/v1/dashboard?repository=demo'))
        .status,
    ).toBe(403);
  });
});
