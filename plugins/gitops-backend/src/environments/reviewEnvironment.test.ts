import { mockCredentials, TestDatabases } from '@backstage/backend-test-utils';
import request from 'supertest';
import {
  failWrites,
  stopFailingWrites,
} from '../promotion/__testUtils__/failingWrites';
import { WritePathHarness } from '../promotion/__testUtils__/WritePathHarness';

jest.setTimeout(120_000);

const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });

const PERF = {
  name: 'perf',
  placement: { kind: 'after-stage', after: 'staging' },
  sourceEnvironment: 'staging',
  cluster: 'staging-cluster',
  namespace: 'shop-perf',
};

/** Merging and closing an environment change's branch from the portal. */
describe.each(databases.eachSupportedId())(
  'reviewing an environment change on %p',
  dbId => {
    let h: WritePathHarness;
    afterEach(() => h.cleanup());

    const refs = () =>
      h.repo.git('for-each-ref', '--format=%(refname) %(objectname)');
    const post = (path: string, body: unknown, user = 'alice') =>
      request(h.server)
        .post(`/api/gitops/v1/repositories/demo/environments${path}`)
        .set(
          'authorization',
          mockCredentials.user.header(`user:default/${user}`),
        )
        .send(body as object);

    async function created() {
      h = new WritePathHarness();
      h.bump('cart', ['staging'], 'v7');
      await h.start(databases, dbId);
      const res = await post('', PERF);
      expect(res.status).toBe(201);
      return res.body as { branch: string; commitSha: string };
    }

    it('merges the reviewed commit; after ingestion perf runs the copied versions and promoting from staging targets perf', async () => {
      const { branch, commitSha } = await created();
      const res = await post('/merge', { branch, commitSha });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ branch, mergeSha: commitSha });
      expect(h.repo.head()).toBe(commitSha); // a fast-forward
      expect(h.repo.git('branch', '--list', branch)).toBe('');
      const status = await h
        .as('alice')
        .get('/v1/entities/default/component/cart/status');
      expect(
        status.body.environments.find(
          (e: any) => e.environment.name === 'perf',
        ),
      ).toMatchObject({
        desired: { version: 'v7', file: 'apps/cart/perf/kustomization.yaml' },
      });
      const preview = await h
        .as('alice')
        .previewPromotion({ sourceEnvironment: 'staging' });
      expect(preview.status).toBe(200);
      expect(preview.body.environments).toEqual(['perf']);
      expect(
        (await h.audit()).map(r => [r.action, r.result]).slice(-1),
      ).toEqual([['environment-merge', 'succeeded']]);
      // The portal wrote that commit: ingestion trusts its Gitops-Initiator.
      const rollouts = await h
        .as('alice')
        .get('/v1/entities/default/component/cart/rollouts?environment=perf');
      expect(
        rollouts.body.items
          .filter((r: any) => r.environment === 'perf')
          .map((r: any) => [r.commit.sha, r.initiator]),
      ).toEqual([[commitSha, 'user:default/alice']]);
    });

    it("a database that cannot record the commit as the portal's stops the change before a branch points at it, with no SQL in the answer", async () => {
      h = new WritePathHarness();
      await h.start(databases, dbId);
      const before = refs();
      await failWrites(h.knex, {
        name: 'crash_portal_commit',
        table: 'gitops_portal_commits',
      });
      const res = await post('', PERF);
      expect([res.status, res.body.error.message]).toEqual([
        503,
        expect.stringMatching(
          /^the database could not record the change \(.*\); nothing was written, run it again$/,
        ),
      ]);
      expect(JSON.stringify(res.body)).not.toMatch(
        /insert into|gitops_portal_commits/i,
      );
      expect(refs()).toBe(before);
      await stopFailingWrites(
        h.knex,
        'crash_portal_commit',
        'gitops_portal_commits',
      );
      expect((await post('', PERF)).status).toBe(201);
    });

    it('refuses a commit other than the reviewed one, and writes nothing', async () => {
      const { branch } = await created();
      const before = refs();
      const res = await post('/merge', {
        branch,
        commitSha: 'f'.repeat(40),
      });
      expect(res.status).toBe(409);
      expect(res.body.error.message).toMatch(
        /not at the reviewed ffffffffffff; review it again/,
      );
      expect(refs()).toBe(before);
    });

    it('refuses to merge a change planned on an older head, and writes nothing', async () => {
      const { branch, commitSha } = await created();
      h.bump('ledger', ['dev'], 'v3');
      const before = refs();
      const res = await post('/merge', { branch, commitSha });
      expect(res.status).toBe(409);
      expect(res.body.error.message).toMatch(
        /main moved since gitops\/environment-perf was planned; close it and plan the change again/,
      );
      expect(refs()).toBe(before);
    });

    it("the actions registry merges the reviewed commit too, with the caller's credentials", async () => {
      const { branch, commitSha } = await created();
      h.policy = (user, permission) =>
        permission !== 'gitops.environment.manage' || user === 'alice';
      const invoke = (user: string) =>
        h.actionsRegistry.invoke({
          id: 'test:merge-environment-change',
          input: { repositoryId: 'demo', branch, commitSha } as any,
          credentials: mockCredentials.user(`user:default/${user}`),
        });
      const before = refs();
      await expect(invoke('mallory')).rejects.toThrow(
        /gitops\.environment\.manage denied for perf in demo/,
      );
      expect(refs()).toBe(before);
      expect((await invoke('alice')).output).toEqual({
        branch,
        mergeSha: commitSha,
      });
      expect(h.repo.head()).toBe(commitSha);
    });

    it('a branch named after an environment proves nothing: a user allowed only on that environment cannot merge a change to another one through it', async () => {
      h = new WritePathHarness();
      await h.start(databases, dbId);
      // Pushed by hand, named like a change of "sandbox", changing prod-eu.
      const main = h.repo.head();
      h.repo.git('checkout', '-q', '-b', 'gitops/environment-sandbox');
      h.bump('cart', ['prod-eu'], 'v9', 'not a sandbox change');
      const commitSha = h.repo.head();
      h.repo.git('checkout', '-q', 'main');
      h.policy = (user, permission, resourceRef) =>
        permission !== 'gitops.environment.manage' ||
        user === 'alice' ||
        resourceRef === 'demo:*:sandbox';
      const res = await post(
        '/merge',
        { branch: 'gitops/environment-sandbox', commitSha },
        'mallory',
      );
      expect(res.status).toBe(403);
      expect(h.repo.git('rev-parse', 'main')).toBe(main);
    });

    it('a retirement planned before an action opened there is refused at its merge (the open work is checked again), and nothing is merged', async () => {
      h = new WritePathHarness();
      h.bump('cart', ['staging'], 'v2');
      await h.start(databases, dbId);
      const retire = await post('/retire', {
        environment: 'prod-eu',
      });
      expect(retire.status).toBe(201);
      const { branch, commitSha } = retire.body;
      expect(branch).toBe('gitops/retire-prod-eu');
      // After the plan, before the merge: a promotion to prod-eu is asked.
      const promoted = await h
        .as('alice')
        .promote(
          { sourceEnvironment: 'staging', environments: ['prod-eu'] },
          'promote-0001',
        );
      expect(promoted.body.state).toBe('awaiting-approval');
      const main = h.repo.head();
      const res = await post('/merge', { branch, commitSha });
      expect([res.status, res.body.error?.message]).toEqual([
        409,
        expect.stringMatching(
          new RegExp(
            `prod-eu has open actions \\(#${promoted.body.id} promotion of cart, awaiting-approval\\); finish or cancel them first`,
          ),
        ),
      ]);
      expect(h.repo.git('rev-parse', 'main')).toBe(main);
      expect(h.repo.git('rev-parse', branch)).toBe(commitSha);
    });

    it('closes a change (its branch goes), and needs the permission to', async () => {
      const { branch } = await created();
      h.policy = (user, permission) =>
        permission !== 'gitops.environment.manage' || user === 'alice';
      const denied = await post('/close', { branch }, 'mallory');
      expect(denied.status).toBe(403);
      expect(h.repo.git('branch', '--list', branch)).not.toBe('');
      const res = await post('/close', { branch });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ branch, closed: true });
      expect(h.repo.git('branch', '--list', branch)).toBe('');
      expect(
        (await post('/merge', { branch: 'main', commitSha: 'a'.repeat(40) }))
          .body.error.message,
      ).toMatch(/branch must be an environment change's branch/);
    });
  },
);
