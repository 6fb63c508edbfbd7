import fs from 'node:fs';
import path from 'node:path';
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { fixtures, KubeApiDouble, start } from '@gitops2/kube-api-double';
import request from 'supertest';
import { parse } from 'yaml';
import { gitopsPlugin } from '../plugin';
import {
  GitRepoFixture,
  kustomization,
  TWO_STAGE_PIPELINE,
} from '../testing/GitRepoFixture';
import { TOKEN } from './__testUtils__/doubles';
import { createTestCa, TestCa } from './__testUtils__/testCa';
import { waitFor } from './__testUtils__/waitFor';

jest.setTimeout(120_000);

const ROOT = path.resolve(__dirname, '../../../..');
const STAGING_TOKEN = 'staging-sa-token-read-from-the-kubernetes-plugin';

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

/**
 * The `kubernetes` section of app-config.production.yaml with its
 * `${K8S_CLUSTER_*}` placeholders filled in, as the backend's config loader
 * would from the environment.
 */
function productionKubernetesConfig(env: Record<string, string>) {
  const text = fs.readFileSync(
    path.join(ROOT, 'app-config.production.yaml'),
    'utf8',
  );
  const filled = text.replace(/\$\{(K8S_[A-Z_]+)\}/g, (_, k) => {
    if (!(k in env)) throw new Error(`no value for ${k}`);
    return env[k];
  });
  return parse(filled).kubernetes;
}

/**
 * Issue #12, point 2: clusters configured only for the Kubernetes plugin
 * (`kubernetes.clusterLocatorMethods`, the production config's own block)
 * give live status, over HTTPS with a CA (caData or caFile); a cluster whose
 * CA is not given is refused by TLS verification, and auth providers that
 * give per-user tokens are skipped (aws: kubernetesPluginClusters.aws.test.ts).
 */
describe('live status from the Kubernetes plugin clusters, over HTTPS', () => {
  let repo: GitRepoFixture;
  let ca: TestCa;
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
    ca = createTestCa();
    const tls = { key: ca.key, cert: ca.cert };
    const cart = (namespace: string) => [
      fixtures.namespace(namespace),
      ...fixtures.deploymentSet({
        name: 'cart',
        namespace,
        image: 'ghcr.io/acme/cart:v1',
        replicas: 2,
      }).all,
    ];
    dev = await start({ token: TOKEN, tls, objects: cart('shop-dev') });
    staging = await start({ token: STAGING_TOKEN, tls, objects: cart('shop') });
    prodUs = await start({ token: TOKEN, tls, objects: cart('shop') });
  });

  afterAll(async () => {
    repo?.cleanup();
    await Promise.all([dev, staging, prodUs].map(d => d?.close()));
    ca?.cleanup();
  });

  it('the production config reaches the double with its CA; views cost no Kubernetes request', async () => {
    expect(dev.url).toMatch(/^https:/);
    const kubernetes = productionKubernetesConfig({
      K8S_CLUSTER_NAME: 'dev-cluster',
      K8S_CLUSTER_URL: dev.url,
      K8S_CLUSTER_TOKEN: TOKEN,
      K8S_CLUSTER_CA_DATA: Buffer.from(ca.caPem).toString('base64'),
    });
    kubernetes.clusterLocatorMethods.push({
      type: 'config',
      clusters: [
        {
          name: 'staging-cluster',
          url: staging.url,
          authProvider: 'serviceAccount',
          serviceAccountToken: STAGING_TOKEN,
          caFile: ca.caFile,
        },
        // No CA: TLS verification refuses the double's certificate.
        {
          name: 'prod-us-cluster',
          url: prodUs.url,
          authProvider: 'serviceAccount',
          serviceAccountToken: TOKEN,
        },
        // Per-user tokens from the browser: not watched.
        {
          name: 'prod-eu-cluster',
          url: 'https://gke.example.com',
          authProvider: 'google',
        },
      ],
    });
    const { server } = await startTestBackend({
      features: [
        gitopsPlugin,
        catalogServiceMock.factory({ entities: [cartEntity] }),
        mockServices.rootConfig.factory({
          data: {
            kubernetes,
            gitops: {
              repositories: [{ id: 'demo', provider: 'local', url: repo.dir }],
              ingestion: { frequency: { minutes: 60 } },
            },
          },
        }),
      ],
    });
    await request(server).post('/api/gitops/v1/repositories/demo/refresh');

    const live = await waitFor(
      async () => {
        const r = await request(server).get(
          '/api/gitops/v1/entities/default/component/cart/live',
        );
        const states = (r.body.clusters ?? []).map((c: any) => c.state);
        return r.body.environments?.[0]?.health === 'Healthy' &&
          r.body.environments?.[1]?.health === 'Healthy' &&
          states.join() === 'connected,connected,unreachable'
          ? r
          : undefined;
      },
      'live statuses over HTTPS',
      60_000,
    );
    expect(
      live.body.environments.map((e: any) => [e.environment, e.health]),
    ).toEqual([
      ['dev', 'Healthy'],
      ['staging', 'Healthy'],
      ['prod-us', 'Unknown'],
      ['prod-eu', 'Unknown'],
    ]);
    expect(live.body.environments[0]).toMatchObject({
      cluster: 'dev-cluster',
      replicas: { ready: 2, desired: 2 },
      observedVersions: ['v1'],
    });
    expect(live.body.clusters.map((c: any) => [c.cluster, c.state])).toEqual([
      ['dev-cluster', 'connected'],
      ['staging-cluster', 'connected'],
      ['prod-us-cluster', 'unreachable'],
    ]);
    // prod-us was refused by TLS before any request reached it.
    expect(prodUs.count()).toBe(0);
    expect(dev.count()).toBeGreaterThan(0);

    // Both clusters connected: once every watch is open (the request count
    // stops moving), only views.
    let before = -1;
    await waitFor(async () => {
      const now = dev.count() + staging.count();
      const settled = now === before && dev.openWatches() > 0;
      before = now;
      if (!settled) await new Promise(r => setTimeout(r, 500));
      return settled;
    }, 'every watch open');
    for (let i = 0; i < 20; i++) {
      const r = await request(server).get(
        '/api/gitops/v1/entities/default/component/cart/live',
      );
      expect(r.status).toBe(200);
      expect(r.text).not.toContain(TOKEN);
      expect(r.text).not.toContain(STAGING_TOKEN);
    }
    expect(dev.count() + staging.count()).toBe(before);
  });
});
