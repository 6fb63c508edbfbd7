import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import type { JsonObject } from '@backstage/types';
import request from 'supertest';
import { gitopsPlugin } from '../../plugin';
import {
  GitRepoFixture,
  kustomization,
  TWO_STAGE_PIPELINE,
} from '../../testing/GitRepoFixture';
import { waitFor } from '../__testUtils__/waitFor';

jest.setTimeout(120_000);

const HEALTHZ = (env: string) => `/api/gitops/demo/apps/cart/${env}/healthz`;

/**
 * The demo smoke endpoint through the whole plugin: the demo clusters roll
 * out what Git wants, and the endpoint answers, without a token, with the
 * version that runs (500 for a bad one).
 */
describe('demo smoke endpoint (gitops.demoCluster.enabled)', () => {
  let repo: GitRepoFixture;
  let tmp: string;

  beforeAll(() => {
    repo = new GitRepoFixture();
    repo.write('gitops-pipeline.yaml', TWO_STAGE_PIPELINE);
    for (const env of ['dev', 'staging', 'prod-us', 'prod-eu']) {
      repo.write(`apps/cart/${env}/kustomization.yaml`, kustomization('v1'));
    }
    repo.commit('bootstrap cart');
    repo.write('apps/cart/dev/kustomization.yaml', kustomization('v2'));
    repo.commit('bump cart to v2 in dev');
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gitops-demo-bad-'));
    fs.writeFileSync(
      path.join(tmp, 'demo-summary.json'),
      JSON.stringify({ badVersions: [{ service: 'cart', version: 'v2' }] }),
    );
  });

  afterAll(() => {
    repo.cleanup();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  async function start(demoCluster: JsonObject) {
    const { server } = await startTestBackend({
      features: [
        gitopsPlugin,
        catalogServiceMock.factory({ entities: [] }),
        mockServices.rootConfig.factory({
          data: {
            gitops: {
              repositories: [{ id: 'demo', provider: 'local', url: repo.dir }],
              ingestion: { frequency: { minutes: 60 } },
              demoCluster,
            },
          },
        }),
      ],
    });
    return server;
  }

  it('answers without a token: 200 with the running version, 500 for a known-bad one', async () => {
    const server = await start({
      enabled: true,
      badVersionsFile: path.join(tmp, 'demo-summary.json'),
    });
    const anonymous = (url: string) =>
      request(server)
        .get(url)
        .set('authorization', mockCredentials.none.header());

    // Ingest the repository now (as a signed-in user).
    expect(
      (await request(server).post('/api/gitops/v1/repositories/demo/refresh'))
        .status,
    ).toBe(200);

    // staging runs v1: healthy and good.
    let last = '';
    const staging = await waitFor(
      async () => {
        const r = await anonymous(HEALTHZ('staging'));
        last = `${r.status} ${JSON.stringify(r.body)}`;
        return r.status === 200 ? r : undefined;
      },
      'staging to answer 200',
      60_000,
    ).catch(e => {
      throw new Error(`${e.message}; last: ${last}`);
    });
    expect(staging.body).toEqual({
      service: 'cart',
      environment: 'staging',
      status: 'ok',
      version: 'v1',
    });
    expect(staging.headers['cache-control']).toBe('no-store');

    // dev was rolled out to v2, the bad version.
    const dev = await waitFor(
      async () => {
        const r = await anonymous(HEALTHZ('dev'));
        return r.status === 500 ? r : undefined;
      },
      'dev to answer 500',
      60_000,
    );
    expect(dev.body).toMatchObject({
      status: 'error',
      version: 'v2',
      message: 'cart v2 is a known-bad demo version',
    });

    expect((await anonymous(HEALTHZ('nowhere'))).status).toBe(404);
    expect(
      (await anonymous('/api/gitops/demo/apps/cart/..%2F..%2Fetc/healthz'))
        .status,
    ).toBe(400);
    // Only the demo path is open: the API still wants a token.
    expect((await anonymous('/api/gitops/v1/repositories')).status).toBe(401);
  });

  it('is not mounted when the demo cluster is off', async () => {
    const server = await start({ enabled: false });
    const asUser = await request(server).get(HEALTHZ('dev'));
    expect(asUser.status).toBe(404);
    const anonymous = await request(server)
      .get(HEALTHZ('dev'))
      .set('authorization', mockCredentials.none.header());
    expect(anonymous.status).toBe(401);
  });
});
