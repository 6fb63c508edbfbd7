import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import path from 'node:path';
import request from 'supertest';
import { gitopsPlugin } from './plugin';
import {
  GitRepoFixture,
  kustomization,
  TWO_STAGE_PIPELINE,
} from './testing/GitRepoFixture';

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
/** Names the repository, but the pipeline has no entry for it. */
const orphanEntity = {
  ...cartEntity,
  metadata: {
    name: 'orphan',
    namespace: 'default',
    annotations: { 'gitops2.io/gitops-repo': 'demo' },
  },
};
const strayEntity = {
  ...cartEntity,
  metadata: {
    name: 'stray',
    namespace: 'default',
    annotations: { 'gitops2.io/gitops-repo': 'nope' },
  },
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

  async function start(
    result:
      | AuthorizeResult.ALLOW
      | AuthorizeResult.DENY = AuthorizeResult.ALLOW,
  ) {
    const { server } = await startTestBackend({
      features: [
        gitopsPlugin,
        catalogServiceMock.factory({
          entities: [cartEntity, plainEntity, strayEntity, orphanEntity],
        }),
        mockServices.permissions.factory({ result }),
        mockServices.rootConfig.factory({
          data: {
            gitops: {
              repositories: [
                {
                  id: 'demo',
                  provider: 'local',
                  url: repo.dir,
                  commitUrlTemplate:
                    'https://git.example.com/gitops/commit/{sha}',
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
    const refresh = await request(server).post(
      '/api/gitops/v1/repositories/demo/refresh',
    );
    expect(refresh.status).toBe(200);
    expect(refresh.body.lastCommitSha).toBe(repo.head());

    const res = await request(server).get(
      '/api/gitops/v1/entities/default/component/cart/status',
    );
    expect(res.status).toBe(200);
    expect(res.body.service).toBe('cart');
    expect(res.body.pipeline.stages.map((s: any) => s.name)).toEqual([
      'dev',
      'staging',
      'prod',
    ]);
    const byEnv = Object.fromEntries(
      res.body.environments.map((e: any) => [e.environment.name, e]),
    );
    expect(byEnv.dev.desired.version).toBe('v2');
    expect(byEnv.dev.desired.lastChange.url).toMatch(
      /^https:\/\/git\.example\.com\/gitops\/commit\/[0-9a-f]{40}$/,
    );
    expect(byEnv['prod-us'].desired.version).toBe('v1');
    expect(byEnv['prod-eu'].error.file).toBe(
      'apps/cart/prod-eu/kustomization.yaml',
    );
    expect(byEnv['prod-eu'].error.line).toBeGreaterThanOrEqual(1);
    expect(byEnv.staging.error).toBeNull();

    const rollouts = await request(server).get(
      '/api/gitops/v1/entities/default/component/cart/rollouts?environment=dev&limit=1',
    );
    expect(rollouts.status).toBe(200);
    expect(rollouts.body.totalCount).toBe(2);
    expect(rollouts.body.items[0]).toMatchObject({
      environment: 'dev',
      fromVersion: 'v1',
      toVersion: 'v2',
      kind: 'direct',
    });
    const next = await request(server).get(
      `/api/gitops/v1/entities/default/component/cart/rollouts?environment=dev&limit=1&before=${rollouts.body.nextCursor}`,
    );
    expect(next.body.items[0]).toMatchObject({
      fromVersion: null,
      toVersion: 'v1',
    });

    const repos = await request(server).get('/api/gitops/v1/repositories');
    expect(repos.body.items[0]).toMatchObject({
      id: 'demo',
      provider: 'local',
      branch: 'main',
    });
  });

  it('never answers with the server path of a local repository, not even in errors', async () => {
    const server = await start();
    await request(server).post('/api/gitops/v1/repositories/demo/refresh');
    const bodies = await Promise.all(
      [
        '/api/gitops/v1/repositories',
        '/api/gitops/v1/entities/default/component/cart/status',
        '/api/gitops/v1/entities/default/component/cart/rollouts',
        '/api/gitops/v1/rollouts',
      ].map(p => request(server).get(p)),
    );
    for (const b of bodies) {
      expect(b.status).toBe(200);
      expect(b.text).not.toContain(repo.dir);
      expect(b.text).not.toContain('file://');
    }
    const repos = bodies[0].body.items;
    expect(repos[0].id).toBe('demo');
    expect(repos[0]).not.toHaveProperty('location');
    expect(bodies[1].body.repository).not.toHaveProperty('location');
  });

  it('says once that a service has no pipeline entry, and marks every environment with it', async () => {
    const server = await start();
    await request(server).post('/api/gitops/v1/repositories/demo/refresh');
    const res = await request(server).get(
      '/api/gitops/v1/entities/default/component/orphan/status',
    );
    expect(res.status).toBe(200);
    expect(res.body.notInPipeline).toBe(true);
    expect(res.body.environments.length).toBe(4);
    for (const env of res.body.environments)
      expect(env.error.message).toBe(
        'service "orphan" is not listed under spec.services',
      );
    const listed = await request(server).get(
      '/api/gitops/v1/entities/default/component/cart/status',
    );
    expect(listed.body.notInPipeline).toBeUndefined();
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

    const badName = await request(server).get(
      '/api/gitops/v1/entities/default/component/..%2Fetc/status',
    );
    expect(badName.status).toBe(400);

    const missing = await request(server).get(
      '/api/gitops/v1/entities/default/component/ghost/status',
    );
    expect(missing.status).toBe(404);

    const noAnnotation = await request(server).get(
      '/api/gitops/v1/entities/default/component/plain/status',
    );
    expect(noAnnotation.status).toBe(400);
    expect(noAnnotation.body.error.message).toMatch(/gitops2\.io\/gitops-repo/);

    const unknownRepo = await request(server).get(
      '/api/gitops/v1/entities/default/component/stray/status',
    );
    expect(unknownRepo.status).toBe(404);
    expect(unknownRepo.body.error.message).toMatch(/"nope"/);

    const unknownRefresh = await request(server).post(
      '/api/gitops/v1/repositories/nope/refresh',
    );
    expect(unknownRefresh.status).toBe(404);
  });

  it('denies when the permission policy says no, and rejects unauthenticated calls', async () => {
    const server = await start(AuthorizeResult.DENY);
    const denied = await request(server).get(
      '/api/gitops/v1/entities/default/component/cart/status',
    );
    expect(denied.status).toBe(403);
    const deniedRefresh = await request(server).post(
      '/api/gitops/v1/repositories/demo/refresh',
    );
    expect(deniedRefresh.status).toBe(403);

    const anonymous = await request(server)
      .get('/api/gitops/v1/repositories')
      .set('authorization', mockCredentials.none.header());
    expect(anonymous.status).toBe(401);

    const health = await request(server).get('/api/gitops/health');
    expect(health.status).toBe(200);
  });
});

describe('gitops backend plugin (correlation endpoints)', () => {
  let src: GitRepoFixture;
  let gitops: GitRepoFixture;
  let c0: string;
  let c1: string;

  const shopCart = {
    ...cartEntity,
    metadata: {
      name: 'cart',
      namespace: 'default',
      annotations: {
        'gitops2.io/gitops-repo': 'demo',
        'gitops2.io/source-repo': '',
      },
    },
  };

  beforeAll(() => {
    src = new GitRepoFixture('gitops-source-');
    src.write('README.md', '# cart\n');
    c0 = src.commit('chore: scaffold');
    src.write('coupons.ts', 'x\n');
    c1 = src.commit('feat(cart): coupons (#7)\n\nCloses SHOP-7');
    shopCart.metadata.annotations[
      'gitops2.io/source-repo'
    ] = `src:${path.basename(src.dir)}`;

    gitops = new GitRepoFixture();
    gitops.write('gitops-pipeline.yaml', TWO_STAGE_PIPELINE);
    for (const env of ['dev', 'staging', 'prod-us', 'prod-eu']) {
      gitops.write(
        `apps/cart/${env}/kustomization.yaml`,
        kustomization(c0.slice(0, 12)),
      );
    }
    gitops.commit('bootstrap cart');
    gitops.write(
      'apps/cart/dev/kustomization.yaml',
      kustomization(c1.slice(0, 12)),
    );
    gitops.commit(`deploy cart to dev\n\nGitops-Source-Commit: ${c1}`);
  });
  afterAll(() => {
    src.cleanup();
    gitops.cleanup();
  });

  async function start(
    result:
      | AuthorizeResult.ALLOW
      | AuthorizeResult.DENY = AuthorizeResult.ALLOW,
  ) {
    const { server } = await startTestBackend({
      features: [
        gitopsPlugin,
        catalogServiceMock.factory({ entities: [shopCart] }),
        mockServices.permissions.factory({ result }),
        mockServices.rootConfig.factory({
          data: {
            gitops: {
              repositories: [
                { id: 'demo', provider: 'local', url: gitops.dir },
              ],
              sourceRoots: [
                { id: 'src', provider: 'local', path: path.dirname(src.dir) },
              ],
              correlation: {
                issueUrlTemplate: 'https://jira.example.com/browse/{key}',
                frequency: { minutes: 60 },
              },
              ingestion: { frequency: { minutes: 60 } },
            },
          },
        }),
      ],
    });
    // Ingestion, then correlation right after it.
    expect(
      (await request(server).post('/api/gitops/v1/repositories/demo/refresh'))
        .status,
    ).toBe(200);
    return server;
  }

  it('serves change sets, feature lookups, pending changes and rollouts across services', async () => {
    const server = await start();
    const all = await request(server).get(
      '/api/gitops/v1/rollouts?environment=dev',
    );
    expect(all.status).toBe(200);
    expect(all.body.totalCount).toBe(2);
    const [latest, first] = all.body.items;
    expect(latest).toMatchObject({
      service: 'cart',
      environment: 'dev',
      toVersion: c1.slice(0, 12),
    });
    // The list carries what each rollout brought, at a glance.
    expect(latest.changes).toMatchObject({
      status: 'resolved',
      added: {
        commits: 1,
        issueKeys: ['SHOP-7'],
        pullRequests: [{ number: 7 }],
        pullRequestCount: 1,
      },
      removed: { commits: 0 },
    });

    const cs = await request(server).get(
      `/api/gitops/v1/rollouts/${latest.id}/change-set`,
    );
    expect(cs.status).toBe(200);
    expect(cs.body).toMatchObject({
      rolloutId: latest.id,
      status: 'resolved',
      sourceRepository: `src:${path.basename(src.dir)}`,
      fromCommit: c0,
      toCommit: c1,
      removed: [],
      pullRequests: [{ number: 7, title: 'feat(cart): coupons' }],
      issueKeys: [
        { key: 'SHOP-7', url: 'https://jira.example.com/browse/SHOP-7' },
      ],
      authors: ['Ada Lovelace'],
    });
    expect(cs.body.added).toEqual([
      expect.objectContaining({
        sha: c1,
        pullRequests: [7],
        issueKeys: ['SHOP-7'],
      }),
    ]);
    const firstCs = await request(server).get(
      `/api/gitops/v1/rollouts/${first.id}/change-set`,
    );
    expect(firstCs.body).toMatchObject({
      status: 'resolved',
      added: [],
      toCommit: c0,
    });
    expect(firstCs.body.message).toMatch(/^first deployment/);

    const feature = await request(server).get(
      '/api/gitops/v1/features?q=SHOP-7',
    );
    expect(feature.status).toBe(200);
    expect(feature.body).toMatchObject({ query: 'SHOP-7', kind: 'issue' });
    expect(feature.body.services[0]).toMatchObject({
      repositoryId: 'demo',
      service: 'cart',
    });
    expect(
      Object.fromEntries(
        feature.body.services[0].environments.map((e: any) => [
          e.environment,
          e.present,
        ]),
      ),
    ).toEqual({
      dev: true,
      staging: false,
      'prod-us': false,
      'prod-eu': false,
    });
    const byPr = await request(server).get('/api/gitops/v1/features?q=%237');
    expect(byPr.body.kind).toBe('pull-request');
    expect(byPr.body.services[0].commits.map((c: any) => c.sha)).toEqual([c1]);

    const pending = await request(server).get(
      '/api/gitops/v1/entities/default/component/cart/pending?from=dev&to=staging',
    );
    expect(pending.status).toBe(200);
    expect(pending.body).toMatchObject({
      from: 'dev',
      to: 'staging',
      fromVersion: c1.slice(0, 12),
      toVersion: c0.slice(0, 12),
    });
    expect(pending.body.changeSet.added.map((c: any) => c.sha)).toEqual([c1]);

    const recent = await request(server).get(
      `/api/gitops/v1/entities/default/component/cart/rollouts?since=${encodeURIComponent(
        '2000-01-01T00:00:00Z',
      )}&until=${encodeURIComponent('2999-01-01T00:00:00Z')}`,
    );
    expect(recent.body.totalCount).toBe(5);
    const future = await request(server).get(
      `/api/gitops/v1/rollouts?since=${encodeURIComponent(
        '2999-01-01T00:00:00Z',
      )}`,
    );
    expect(future.body).toMatchObject({ items: [], totalCount: 0 });
  });

  it('refuses bad input with 400 and unknown rollouts with 404', async () => {
    const server = await start();
    const badQ = await request(server).get(
      '/api/gitops/v1/features?q=hello%20world',
    );
    expect(badQ.status).toBe(400);
    expect(badQ.body.error.message).toMatch(/neither an issue key/);
    expect((await request(server).get('/api/gitops/v1/features')).status).toBe(
      400,
    );
    expect(
      (await request(server).get('/api/gitops/v1/features?q=SHOP-7&x=1'))
        .status,
    ).toBe(400);

    const unknown = await request(server).get(
      '/api/gitops/v1/rollouts/999999/change-set',
    );
    expect(unknown.status).toBe(404);
    expect(
      (await request(server).get('/api/gitops/v1/rollouts/abc/change-set'))
        .status,
    ).toBe(400);

    expect(
      (await request(server).get('/api/gitops/v1/rollouts?since=yesterday'))
        .status,
    ).toBe(400);
    const inverted = await request(server).get(
      `/api/gitops/v1/rollouts?since=${encodeURIComponent(
        '2026-01-02T00:00:00Z',
      )}&until=${encodeURIComponent('2026-01-01T00:00:00Z')}`,
    );
    expect(inverted.status).toBe(400);

    const noTo = await request(server).get(
      '/api/gitops/v1/entities/default/component/cart/pending?from=dev',
    );
    expect(noTo.status).toBe(400);
    const unknownEnv = await request(server).get(
      '/api/gitops/v1/entities/default/component/cart/pending?from=dev&to=qa',
    );
    expect(unknownEnv.status).toBe(404);
  });

  it('denies the new endpoints when the policy says no', async () => {
    const { server } = await startTestBackend({
      features: [
        gitopsPlugin,
        catalogServiceMock.factory({ entities: [shopCart] }),
        mockServices.permissions.factory({ result: AuthorizeResult.DENY }),
        mockServices.rootConfig.factory({
          data: {
            gitops: {
              repositories: [
                { id: 'demo', provider: 'local', url: gitops.dir },
              ],
            },
          },
        }),
      ],
    });
    for (const url of [
      '/api/gitops/v1/rollouts',
      '/api/gitops/v1/rollouts/1/change-set',
      '/api/gitops/v1/features?q=SHOP-7',
      '/api/gitops/v1/entities/default/component/cart/pending?from=dev&to=staging',
    ]) {
      expect((await request(server).get(url)).status).toBe(403);
    }
  });
});
