import express from 'express';
import request from 'supertest';
import type { EnvironmentLiveStatus } from '@gitops2/plugin-gitops-common';
import { createDemoAppRouter } from './demoAppRouter';
import type { BadVersionsResult } from './DemoBadVersions';

const status = (
  environment: string,
  more: Partial<EnvironmentLiveStatus>,
): EnvironmentLiveStatus => ({
  service: 'guestbook-ui',
  environment,
  health: 'Healthy',
  sync: 'Synced',
  observedVersions: [],
  ...more,
});

function app(
  environments: EnvironmentLiveStatus[],
  known: BadVersionsResult = {
    ok: true,
    badVersions: [{ service: 'guestbook-ui', version: 'bad1' }],
  },
) {
  const a = express();
  a.use(
    createDemoAppRouter({
      live: {
        getServiceLive: async (_repositoryId, service) => ({
          service,
          environments,
          clusters: [],
        }),
      },
      repositoryIds: ['demo'],
      badVersions: { read: async () => known },
    }),
  );
  return a;
}

const get = (a: express.Express, env: string, service = 'guestbook-ui') =>
  request(a).get(`/demo/apps/${service}/${env}/healthz`);

describe('demo smoke endpoint', () => {
  it('answers 200 with the one version that runs', async () => {
    const res = await get(
      app([status('staging', { observedVersions: ['good1'] })]),
      'staging',
    );
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      service: 'guestbook-ui',
      environment: 'staging',
      status: 'ok',
      version: 'good1',
    });
  });

  it('answers 500 when a known-bad version runs, also among others during a rollout', async () => {
    for (const observedVersions of [['bad1'], ['bad1', 'good1']]) {
      const res = await get(
        app([status('staging', { observedVersions })]),
        'staging',
      );
      expect(res.status).toBe(500);
      expect(res.body).toMatchObject({ status: 'error', version: 'bad1' });
    }
    // The same version of another service is not bad.
    const other = await get(
      app([
        status('staging', {
          service: 'guestbook-api',
          observedVersions: ['bad1'],
        }),
      ]),
      'staging',
      'guestbook-api',
    );
    expect(other.status).toBe(200);
  });

  it('answers 503 (not yet) mid-rollout, with nothing observed, and when the cluster is not connected', async () => {
    const rolling = await get(
      app([status('staging', { observedVersions: ['good1', 'good2'] })]),
      'staging',
    );
    expect(rolling.status).toBe(503);
    expect(rolling.body).toMatchObject({
      status: 'starting',
      versions: ['good1', 'good2'],
    });
    const nothing = await get(app([status('staging', {})]), 'staging');
    expect(nothing.status).toBe(503);
    expect(nothing.body.message).toBe('guestbook-ui is not running in staging');
    const down = await get(
      app([
        status('staging', {
          observedVersions: ['good1'],
          connection: { cluster: 'staging-cluster', state: 'unreachable' },
        }),
      ]),
      'staging',
    );
    expect(down.status).toBe(503);
    expect(down.body.message).toBe('cluster staging-cluster is unreachable');
  });

  it('answers 503 with the reason when the bad versions cannot be read (never a silent ok)', async () => {
    const res = await get(
      app([status('staging', { observedVersions: ['good1'] })], {
        ok: false,
        error:
          'gitops.demoCluster.badVersionsFile /x/demo-summary.json cannot be used: ENOENT',
      }),
      'staging',
    );
    expect(res.status).toBe(503);
    expect(res.body).toMatchObject({
      status: 'unknown',
      message:
        'gitops.demoCluster.badVersionsFile /x/demo-summary.json cannot be used: ENOENT',
    });
  });

  it('answers 404 for an unknown environment and 400 for a bad name', async () => {
    const a = app([status('staging', { observedVersions: ['good1'] })]);
    expect((await get(a, 'prod-mars')).status).toBe(404);
    expect((await get(a, 'st%20aging')).status).toBe(400);
    expect((await get(a, 'staging', `${'x'.repeat(64)}`)).status).toBe(400);
  });
});
