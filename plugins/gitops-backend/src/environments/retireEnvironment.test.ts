import { mockCredentials, TestDatabases } from '@backstage/backend-test-utils';
import request from 'supertest';
import { WritePathHarness } from '../promotion/__testUtils__/WritePathHarness';

jest.setTimeout(120_000);

const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });

/**
 * gitops:environment:retire through the HTTP API and the actions registry,
 * on the plugin as installed, a real Git repository and both databases.
 */
describe.each(databases.eachSupportedId())(
  'retiring an environment on %p',
  dbId => {
    let h: WritePathHarness;
    afterEach(() => h.cleanup());

    const refs = () =>
      h.repo.git('for-each-ref', '--format=%(refname) %(objectname)');
    const post = (user: string, body: unknown, preview = false) =>
      request(h.server)
        .post(
          `/api/gitops/v1/repositories/demo/environments/retire${
            preview ? '/preview' : ''
          }`,
        )
        .set(
          'authorization',
          mockCredentials.user.header(`user:default/${user}`),
        )
        .send(body as object);

    it('the preview lists the pipeline edit and every manifest it would delete, and writes nothing', async () => {
      h = new WritePathHarness();
      await h.start(databases, dbId);
      const before = refs();
      const res = await post('alice', { environment: 'prod-eu' }, true);
      expect(res.status).toBe(200);
      expect(
        res.body.files.map((f: any) => [f.path, f.deleted ?? false]),
      ).toEqual([
        ['gitops-pipeline.yaml', false],
        ['apps/cart/prod-eu/kustomization.yaml', true],
        ['apps/ledger/prod-eu/kustomization.yaml', true],
      ]);
      expect(res.body.files[0].diff).toContain(
        '-      environments: [prod-us, prod-eu]',
      );
      expect(res.body.files[1].diff).toContain(
        '-    newTag: v1 # bumped by CI',
      );
      expect(refs()).toBe(before);
    });

    it('opens a pull request branch that removes the environment and deletes its manifests', async () => {
      h = new WritePathHarness();
      await h.start(databases, dbId);
      const main = h.repo.head();
      const res = await post('alice', {
        environment: 'prod-eu',
        reason: 'EU moves to prod-us',
      });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({
        mode: 'pull-request',
        branch: 'gitops/retire-prod-eu',
      });
      expect(h.repo.head()).toBe(main);
      expect(
        h.repo
          .git('diff', '--name-status', main, 'gitops/retire-prod-eu')
          .split('\n'),
      ).toEqual([
        'D\tapps/cart/prod-eu/kustomization.yaml',
        'D\tapps/ledger/prod-eu/kustomization.yaml',
        'M\tgitops-pipeline.yaml',
      ]);
      expect(
        h.repo.git('log', '-1', '--format=%s', 'gitops/retire-prod-eu'),
      ).toBe('retire environment prod-eu');
      expect(
        (await h.audit()).map(r => [r.action, r.result, r.environments]),
      ).toEqual([['environment-retire', 'succeeded', '["prod-eu"]']]);
    });

    it('disables one service in an environment, deleting only its manifest', async () => {
      h = new WritePathHarness();
      await h.start(databases, dbId);
      const main = h.repo.head();
      const res = await post('alice', {
        environment: 'prod-us',
        service: 'ledger',
      });
      expect(res.status).toBe(201);
      expect(res.body.branch).toBe('gitops/retire-ledger@prod-us');
      expect(
        h.repo
          .git('diff', '--name-status', main, 'gitops/retire-ledger@prod-us')
          .split('\n'),
      ).toEqual([
        'D\tapps/ledger/prod-us/kustomization.yaml',
        'M\tgitops-pipeline.yaml',
      ]);
      // Its branch is one the portal merges (the audit names prod-us).
      const merged = await request(h.server)
        .post('/api/gitops/v1/repositories/demo/environments/merge')
        .set('authorization', mockCredentials.user.header('user:default/alice'))
        .send({ branch: res.body.branch, commitSha: res.body.commitSha });
      expect(merged.status).toBe(200);
      expect(h.repo.head()).toBe(res.body.commitSha);
      expect(
        (await h.audit()).map(r => [r.action, r.environments]).slice(-1),
      ).toEqual([['environment-merge', JSON.stringify(['prod-us'])]]);
    });

    it('is refused while the environment has an open action, and writes nothing', async () => {
      h = new WritePathHarness();
      h.bump('cart', ['staging'], 'v2');
      await h.start(databases, dbId);
      const promoted = await h
        .as('alice')
        .promote(
          { sourceEnvironment: 'staging', environments: ['prod-eu'] },
          'promote-0001',
        );
      expect(promoted.body.state).toBe('awaiting-approval');
      const before = refs();
      const res = await post('alice', { environment: 'prod-eu' });
      expect(res.status).toBe(409);
      expect(res.body.error.message).toMatch(
        new RegExp(
          `prod-eu has open actions \\(#${promoted.body.id} promotion of cart, awaiting-approval\\); finish or cancel them first`,
        ),
      );
      expect(refs()).toBe(before);
      // Disabling another service there is not held up by cart's promotion.
      expect(
        (await post('alice', { environment: 'prod-eu', service: 'ledger' }))
          .status,
      ).toBe(201);
    });

    it('is refused while the environment has a hold, and writes nothing', async () => {
      h = new WritePathHarness();
      h.bump('cart', ['staging'], 'v2');
      await h.start(databases, dbId);
      const rolledBack = await h
        .as('alice')
        .rollback(
          { environment: 'staging', reason: 'broken' },
          'rollback-0001',
        );
      expect([rolledBack.status, rolledBack.body]).toEqual([
        201,
        expect.objectContaining({ state: 'merged' }),
      ]);
      await h.refresh();
      const before = refs();
      const res = await post('alice', { environment: 'staging' });
      expect(res.status).toBe(409);
      expect(res.body.error.message).toMatch(
        /staging has a hold \(#\d+: cart v2\); lift it first/,
      );
      expect(refs()).toBe(before);
    });

    it('is refused without gitops.environment.manage, through the actions registry too, and writes nothing', async () => {
      h = new WritePathHarness();
      await h.start(databases, dbId);
      h.policy = (_user, permission) =>
        permission !== 'gitops.environment.manage';
      const before = refs();
      const res = await post('alice', { environment: 'prod-eu' });
      expect(res.status).toBe(403);
      expect(res.body.error.message).toBe(
        'gitops.environment.manage denied for prod-eu in demo',
      );
      await expect(
        h.actionsRegistry.invoke({
          id: 'test:retire-environment',
          input: { repositoryId: 'demo', environment: 'prod-eu' } as any,
          credentials: mockCredentials.user('user:default/alice'),
        }),
      ).rejects.toThrow(/gitops\.environment\.manage denied/);
      expect(refs()).toBe(before);
      expect((await h.audit()).map(r => [r.door, r.action, r.result])).toEqual([
        ['http', 'environment-retire', 'denied'],
        ['actions', 'environment-retire', 'denied'],
      ]);
    });
  },
);
