import { mockCredentials, TestDatabases } from '@backstage/backend-test-utils';
import request from 'supertest';
import { WritePathHarness } from '../promotion/__testUtils__/WritePathHarness';

jest.setTimeout(60_000);

const databases = TestDatabases.create({ ids: ['SQLITE_3'] });

/**
 * GET /v1/repositories/:id/pipeline: what the environment templates' pickers
 * offer, read from the pipeline file at the head of the repository.
 */
describe('the pickers read endpoint', () => {
  let h: WritePathHarness;
  afterEach(() => h.cleanup());

  const get = (user: string | null, id = 'demo') => {
    const r = request(h.server).get(
      `/api/gitops/v1/repositories/${id}/pipeline`,
    );
    return user
      ? r.set(
          'authorization',
          mockCredentials.user.header(`user:default/${user}`),
        )
      : r.set('authorization', mockCredentials.none.header());
  };

  it('lists stages in promotion order, environments with their stage and cluster, the clusters a new environment may name, services and locator types, at the head', async () => {
    h = new WritePathHarness();
    await h.start(databases, 'SQLITE_3');
    const res = await get('alice');
    expect(res.status).toBe(200);
    expect(res.body.headSha).toBe(h.repo.head());
    expect(res.body.stages).toEqual([
      { name: 'dev', environments: ['dev'] },
      { name: 'staging', environments: ['staging'] },
      { name: 'prod', environments: ['prod-us', 'prod-eu'] },
    ]);
    expect(res.body.environments).toContainEqual({
      name: 'prod-eu',
      stage: 'prod',
      cluster: 'prod-eu-cluster',
    });
    expect(res.body.clusters.map((c: any) => [c.name, c.environments])).toEqual(
      [
        ['dev-cluster', ['dev']],
        ['prod-eu-cluster', ['prod-eu']],
        ['prod-us-cluster', ['prod-us']],
        ['staging-cluster', ['staging']],
      ],
    );
    expect(res.body.services).toEqual(['cart', 'ledger']);
    expect(res.body.locatorTypes).toContain('kustomize-image');
  });

  it('follows the head: an environment merged since is offered at once', async () => {
    h = new WritePathHarness();
    await h.start(databases, 'SQLITE_3');
    const created = await request(h.server)
      .post('/api/gitops/v1/repositories/demo/environments')
      .set('authorization', mockCredentials.user.header('user:default/alice'))
      .send({
        name: 'perf',
        placement: { kind: 'after-stage', after: 'staging' },
        sourceEnvironment: 'staging',
        cluster: 'staging-cluster',
        namespace: 'shop-perf',
      });
    expect(created.status).toBe(201);
    const merged = await request(h.server)
      .post('/api/gitops/v1/repositories/demo/environments/merge')
      .set('authorization', mockCredentials.user.header('user:default/alice'))
      .send({ branch: created.body.branch, commitSha: created.body.commitSha });
    expect(merged.status).toBe(200);
    const res = await get('alice');
    expect(res.body.stages.map((s: any) => s.name)).toEqual([
      'dev',
      'staging',
      'perf',
      'prod',
    ]);
    expect(
      res.body.clusters.find((c: any) => c.name === 'staging-cluster')
        .environments,
    ).toEqual(['staging', 'perf']);
  });

  it('refuses a caller without gitops.read, and an unknown repository', async () => {
    h = new WritePathHarness();
    h.policy = (user, permission) =>
      !(user === 'mallory' && permission === 'gitops.read');
    await h.start(databases, 'SQLITE_3');
    expect((await get('mallory')).status).toBe(403);
    expect((await get(null)).status).toBe(401);
    const unknown = await get('alice', 'nope');
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.message).toContain('"nope"');
  });

  it('refuses a broken pipeline file with where it is broken, rather than offering choices a write would refuse', async () => {
    h = new WritePathHarness();
    await h.start(databases, 'SQLITE_3');
    h.repo.write('gitops-pipeline.yaml', 'spec: [unclosed');
    h.repo.commit('break the pipeline');
    const res = await get('alice');
    expect(res.status).toBe(409);
    expect(res.body.error.message).toMatch(
      /the pipeline file is broken at [0-9a-f]{12} \(gitops-pipeline\.yaml/,
    );
  });
});
