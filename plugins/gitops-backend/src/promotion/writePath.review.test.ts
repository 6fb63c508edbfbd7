import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { mockCredentials, TestDatabases } from '@backstage/backend-test-utils';
import request from 'supertest';
import {
  POLICY_PIPELINE,
  WritePathHarness,
} from './__testUtils__/WritePathHarness';
import { kustomization } from '../testing/GitRepoFixture';

jest.setTimeout(120_000);

const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });

/**
 * What a hostile review of the write path tried (issue #8): each test is an
 * attack or an operator's bad luck, and asserts the safe outcome.
 */
describe.each(databases.eachSupportedId())(
  'write path under attack on %p',
  dbId => {
    let h: WritePathHarness;
    afterEach(() => h.cleanup());

    /** A commit on top of `parent`, made with plumbing (someone pushing a branch). */
    function commitOn(
      parent: string,
      files: Record<string, string>,
      message: string,
    ): string {
      const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'review-index-'));
      const env = {
        ...process.env,
        GIT_INDEX_FILE: path.join(tmp, 'index'),
        GIT_AUTHOR_NAME: 'mallory',
        GIT_AUTHOR_EMAIL: 'm@example.com',
        GIT_COMMITTER_NAME: 'mallory',
        GIT_COMMITTER_EMAIL: 'm@example.com',
      };
      const git = (args: string[], input?: string) =>
        execFileSync('git', args, {
          cwd: h.repo.dir,
          env,
          input,
          encoding: 'utf8',
        }).trim();
      try {
        git(['read-tree', parent]);
        for (const [file, content] of Object.entries(files)) {
          const blob = git(['hash-object', '-w', '--stdin'], content);
          git([
            'update-index',
            '--add',
            '--cacheinfo',
            `100644,${blob},${file}`,
          ]);
        }
        const tree = git(['write-tree']);
        return git(['commit-tree', tree, '-p', parent, '-F', '-'], message);
      } finally {
        fs.rmSync(tmp, { recursive: true, force: true });
      }
    }

    it("a branch planted under the next action's name, on a parent off main, is never adopted nor merged", async () => {
      h = new WritePathHarness();
      h.bump('cart', ['dev', 'staging'], 'v2');
      h.groups.set('erin', ['group:default/release-eu']);
      await h.start(databases, dbId);
      const requested = await h
        .as('alice')
        .promote(
          { sourceEnvironment: 'staging', environments: ['prod-eu'] },
          'foreign-parent-01',
        );
      expect(requested.body.state).toBe('awaiting-approval');
      const id = requested.body.id;

      // mallory may push branches (not main). Ids are sequential: she
      // pre-creates gitops/promotion-<id>. Its parent P is NOT on main and
      // carries an unrelated change (ledger in prod-eu to "evil"); the top
      // commit is exactly the planned edit against P, with the trailer.
      const main = h.repo.head();
      const p = commitOn(
        main,
        { 'apps/ledger/prod-eu/kustomization.yaml': kustomization('evil') },
        'tidy up\n',
      );
      const planned = h
        .fileAt('main', 'cart', 'prod-eu')
        .replace('newTag: v1', 'newTag: v2');
      const c = commitOn(
        p,
        { 'apps/cart/prod-eu/kustomization.yaml': `${planned}\n` },
        `promote cart v2 from staging to prod-eu\n\nGitops-Action: ${id}\n`,
      );
      h.repo.git('update-ref', `refs/heads/gitops/promotion-${id}`, c);

      const approved = await h.as('erin').approve(id);
      expect(approved.status).toBe(409);
      expect(approved.body.error.message).toMatch(
        /a commit the portal did not write for action #\d+; refusing to adopt it/,
      );
      expect((await h.action(id)).state).toBe('failed');
      // Nothing reached main, and the planted branch is left for people to see.
      expect(h.repo.head()).toBe(main);
      expect(h.versionOnMain('ledger', 'prod-eu')).toBe('v1');
      expect(h.repo.git('rev-parse', `gitops/promotion-${id}`)).toBe(c);
    });

    it("a service principal without an explicit grant in its access restrictions cannot write (Backstage's permission client would allow it)", async () => {
      h = new WritePathHarness();
      h.realServicePermissions = true;
      h.bump('cart', ['prod-eu'], 'v2');
      await h.start(databases, dbId);
      // The policy grants no write permission to anybody.
      h.policy = (_user, permission) => permission === 'gitops.read';
      const body = {
        environment: 'prod-eu',
        reason: 'because',
        emergency: true,
      };
      const asUser = await h.as('alice').rollback(body, 'svc-emergency-01');
      expect(asUser.status).toBe(403);

      const svc = mockCredentials.service.header(); // any plugin / external token
      const asService = await request(h.server)
        .post('/api/gitops/v1/entities/default/component/cart/rollbacks')
        .set('authorization', svc)
        .set('idempotency-key', 'svc-emergency-02')
        .send(body);
      const holds = await h.as('alice').holds();
      const lift = holds.body.items[0]
        ? await request(h.server)
            .post(`/api/gitops/v1/holds/${holds.body.items[0].id}/lift`)
            .set('authorization', svc)
            .send({ reason: 'meh' })
        : undefined;
      // Evidence (printed on failure):
      const evidence = {
        rollbackStatus: asService.status,
        state: asService.body.state,
        requestedBy: asService.body.requestedBy,
        prodEuOnMain: h.versionOnMain('cart', 'prod-eu'),
        liftStatus: lift?.status,
      };
      // SECURE: a service principal without an explicit grant is denied.
      expect(evidence).toEqual({
        rollbackStatus: 403,
        state: undefined,
        requestedBy: undefined,
        prodEuOnMain: 'v2',
        liftStatus: undefined,
      });
    });

    it('actions reached by id answer nothing to callers without gitops.read or catalog visibility', async () => {
      h = new WritePathHarness();
      h.bump('cart', ['dev'], 'v2');
      await h.start(databases, dbId);
      const done = await h
        .as('alice')
        .promote(
          { sourceEnvironment: 'dev', reason: 'secret INC-42' },
          'leak-00001',
        );
      expect(done.body.state).toBe('merged');
      // bob: no permission at all, and cart is hidden from him.
      h.hidden.set('bob', ['cart']);
      h.policy = (user, permission, ref) =>
        user === 'bob' ? false : permission !== '' || !ref;
      expect((await h.as('bob').actions()).status).toBe(403);
      const leak = await h.as('bob').merge(done.body.id);
      // Nothing about the action: bob lacks gitops.read (403).
      expect({
        status: leak.status,
        reason: leak.body.reason,
        diff: leak.body.changes?.[0]?.diff?.slice(0, 40),
      }).toEqual({ status: 403, reason: undefined, diff: undefined });
      // carol may read, but cart is hidden from her: like a missing action.
      h.hidden.set('carol', ['cart']);
      h.policy = () => true;
      const hidden = await h.as('carol').merge(done.body.id);
      expect([hidden.status, hidden.body.error?.message]).toEqual([
        404,
        `unknown action #${done.body.id}`,
      ]);
    });

    it("cancelling a pull request already merged outside the portal records it as merged, with the rollback's hold", async () => {
      h = new WritePathHarness();
      h.bump('cart', ['prod-us'], 'v2', 'hotfix to prod-us');
      await h.start(databases, dbId);
      const rb = await h
        .as('alice')
        .rollback(
          { environment: 'prod-us', reason: 'errors' },
          'cancel-merged-1',
        );
      expect(rb.body.state).toBe('pull-request-open');
      // Merged by hand (or on GitHub) before reconciliation noticed …
      h.repo.git(
        'merge',
        '--no-ff',
        '-q',
        '-m',
        'merge by hand',
        rb.body.branch,
      );
      expect(h.versionOnMain('cart', 'prod-us')).toBe('v1');
      // … then the requester cancels in the portal.
      const cancel = await h.as('alice').cancel(rb.body.id);
      const holds = await h.as('alice').holds();
      const evidence = {
        cancelStatus: cancel.status,
        state: (await h.action(rb.body.id)).state,
        prodUsOnMain: h.versionOnMain('cart', 'prod-us'),
        holds: holds.body.items.map(
          (x: any) => `${x.environment}:${x.version}`,
        ),
      };
      // The write's outcome is kept: merged, with its hold; the cancel is refused.
      expect(evidence).toEqual({
        cancelStatus: 409,
        state: 'merged',
        prodUsOnMain: 'v1',
        holds: ['prod-us:v2'],
      });
    });

    // Found by a hostile review: a cancel asked the Git host and recorded a
    // hand merge as the action's even when someone had added to the branch.
    it('cancelling a pull request merged by hand after a commit was added to it fails the action: no hold, unlocked, the cancel refused with the reason', async () => {
      h = new WritePathHarness();
      h.bump('cart', ['prod-us'], 'v2', 'hotfix to prod-us');
      await h.start(databases, dbId);
      const rb = await h
        .as('alice')
        .rollback(
          { environment: 'prod-us', reason: 'errors' },
          'cancel-moved-01',
        );
      expect(rb.body.state).toBe('pull-request-open');
      const added = commitOn(
        rb.body.branch,
        { 'apps/cart/prod-us/extra.txt': 'x' },
        'added after the review',
      );
      h.repo.git('update-ref', `refs/heads/${rb.body.branch}`, added);
      h.repo.git(
        'merge',
        '--no-ff',
        '-q',
        '-m',
        'merge by hand',
        rb.body.branch,
      );
      const cancel = await h.as('alice').cancel(rb.body.id);
      const action = await h.action(rb.body.id);
      expect({
        cancelStatus: cancel.status,
        state: action.state,
        holds: (await h.as('alice').holds()).body.items,
        locks: await h
          .knex('gitops_environment_locks')
          .where({ action_id: rb.body.id }),
      }).toEqual({
        cancelStatus: 409,
        state: 'failed',
        holds: [],
        locks: [],
      });
      expect(cancel.body.error.message).toContain(
        `merged outside the portal at ${added.slice(0, 12)}`,
      );
    });

    it('an open pull request whose environment now asks for more approvals takes them, then merges (never stuck)', async () => {
      h = new WritePathHarness();
      h.bump('cart', ['dev', 'staging'], 'v2');
      h.groups.set('erin', ['group:default/release-eu']);
      h.groups.set('frank', ['group:default/release-eu']);
      await h.start(databases, dbId);
      const req = await h
        .as('alice')
        .promote(
          { sourceEnvironment: 'staging', environments: ['prod-eu'] },
          'stuck-pr-0001',
        );
      const open = await h.as('erin').approve(req.body.id);
      expect(open.body.state).toBe('pull-request-open');
      h.repo.write(
        'gitops-pipeline.yaml',
        POLICY_PIPELINE.replace(
          'approvals: 1\n        approverGroup: group:default/release-eu',
          'approvals: 2\n        approverGroup: group:default/release-eu',
        ),
      );
      h.repo.commit('prod-eu now needs two approvals');
      const merge = await h.as('alice').merge(req.body.id);
      const second = await h.as('frank').approve(req.body.id);
      expect(merge.status).toBe(409);
      expect(merge.body.error.message).toMatch(
        /approvals \(prod-eu\): needs 2/,
      );
      expect(second.status).toBe(200);
      expect(second.body.state).toBe('pull-request-open');
      const merged = await h.as('alice').merge(req.body.id);
      expect(merged.body.state).toBe('merged');
      expect(
        await h
          .knex('gitops_environment_locks')
          .where({ environment: 'prod-eu' }),
      ).toEqual([]);
    });

    it('the requester cannot approve their own request under another spelling of their entity ref', async () => {
      h = new WritePathHarness();
      h.bump('cart', ['dev', 'staging'], 'v2');
      h.groups.set('Alice', ['group:default/release-eu']);
      await h.start(databases, dbId);
      const req = await h
        .as('alice')
        .promote(
          { sourceEnvironment: 'staging', environments: ['prod-eu'] },
          'case-self-001',
        );
      const approve = await h.as('Alice').approve(req.body.id);
      // Entity refs are case-insensitive in Backstage: a self-approval.
      expect([approve.status, approve.body.error?.message]).toEqual([
        403,
        'you cannot approve your own request',
      ]);
    });

    it('a promotion comes from the stage right before its target: skipping staging is refused', async () => {
      h = new WritePathHarness(
        POLICY_PIPELINE.replace(
          '        approverGroup: group:default/release-us\n',
          '        approverGroup: group:default/release-us\n        soakTime: 2h\n',
        ),
      );
      (h.repo as any).clock = Date.now() - 4 * 3600_000;
      h.bump('cart', ['dev'], 'v2'); // staging never ran v2
      await h.start(databases, dbId);
      const preview = await h.as('alice').previewPromotion({
        sourceEnvironment: 'dev',
        environments: ['prod-us'],
      });
      expect(preview.status).toBe(400);
      expect(preview.body.error.message).toMatch(
        /prod-us \(stage prod\) is promoted from stage staging \(staging\), not from dev/,
      );
    });
  },
);
