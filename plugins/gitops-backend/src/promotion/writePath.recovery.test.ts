import { TestDatabases } from '@backstage/backend-test-utils';
import { WritePathHarness } from './__testUtils__/WritePathHarness';
import { failWrites, stopFailingWrites } from './__testUtils__/failingWrites';

jest.setTimeout(120_000);

const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });

/** Reconciliation every second, leases of 2 s: crash recovery within seconds. */
const FAST = {
  promotion: { leaseSeconds: 2, reconcileFrequency: { seconds: 1 } },
};

/**
 * Crashes, concurrency and changes made outside the portal (issue #8,
 * findings 4, 7, 8), through the HTTP API of one or two backends sharing
 * the database, on a real Git repository.
 */
describe.each(databases.eachSupportedId())(
  'write path recovery on %p',
  dbId => {
    let h: WritePathHarness;
    afterEach(() => h.cleanup());

    /** cart v2 is in staging; prod-eu needs an approval (erin may give it). */
    async function start() {
      h = new WritePathHarness();
      h.bump('cart', ['dev', 'staging'], 'v2');
      h.groups.set('erin', [
        'group:default/release-us',
        'group:default/release-eu',
      ]);
      await h.start(databases, dbId, FAST, { realScheduler: true });
    }

    /** A promotion to prod-eu with its pull request branch open. */
    async function openPullRequest(key: string) {
      const requested = await h
        .as('alice')
        .promote(
          { sourceEnvironment: 'staging', environments: ['prod-eu'] },
          key,
        );
      const open = await h.as('erin').approve(requested.body.id);
      expect(open.body.state).toBe('pull-request-open');
      return open.body as { id: string; branch: string; commitSha: string };
    }

    /** A commit on a branch made outside the portal (plumbing, no checkout). */
    function pushToBranch(branch: string, file: string, content: string) {
      const fs = require('node:fs');
      fs.writeFileSync(`${h.repo.dir}/.scratch`, content);
      const sha = h.repo.git('hash-object', '-w', '.scratch');
      fs.rmSync(`${h.repo.dir}/.scratch`);
      const index = `${h.repo.dir}/.git/scratch-index`;
      const env = { ...process.env, GIT_INDEX_FILE: index };
      const { execFileSync } = require('node:child_process');
      const git = (...args: string[]) =>
        execFileSync('git', args, { cwd: h.repo.dir, env, encoding: 'utf8' });
      git('read-tree', branch);
      git('update-index', '--add', '--cacheinfo', `100644,${sha},${file}`);
      const tree = git('write-tree').trim();
      const commit = execFileSync(
        'git',
        ['commit-tree', tree, '-p', branch, '-m', 'sneak a change in'],
        {
          cwd: h.repo.dir,
          encoding: 'utf8',
          env: {
            ...process.env,
            GIT_AUTHOR_NAME: 'mallory',
            GIT_AUTHOR_EMAIL: 'm@example.com',
            GIT_COMMITTER_NAME: 'mallory',
            GIT_COMMITTER_EMAIL: 'm@example.com',
          },
        },
      ).trim();
      h.repo.git('update-ref', `refs/heads/${branch}`, commit);
      fs.rmSync(index, { force: true });
      return commit;
    }

    /** What a replica that died while writing leaves in the database. */
    async function crashWhileWriting(id: string) {
      await h
        .knex('gitops_actions')
        .where({ id })
        .update({
          state: 'requested',
          branch: null,
          commit_sha: null,
          pull_request_url: null,
          claimed_by: 'replica-that-died:1234',
          claim_expires_at_ms: Date.now() - 1,
          updated_at: new Date(Date.now() - 3600_000),
        });
    }

    const commitsOfAction = (id: string) =>
      h.repo
        .git('log', '--all', '--format=%H', `--grep=^Gitops-Action: ${id}$`)
        .split('\n')
        .filter(Boolean);

    it('refuses to merge a pull request branch that moved after it was written (finding 4)', async () => {
      await start();
      const pr = await openPullRequest('moved-branch-01');
      pushToBranch(
        pr.branch,
        'apps/cart/prod-eu/sidecar.yaml',
        'image: evil:latest\n',
      );
      const head = h.repo.head();
      const merge = await h.as('alice').merge(pr.id);
      expect(merge.status).toBe(409);
      expect(merge.body.error.message).toMatch(
        /no longer at the reviewed commit .*refusing to merge what was not reviewed/,
      );
      expect(h.repo.head()).toBe(head);
      expect(h.versionOnMain('cart', 'prod-eu')).toBe('v1');
      expect((await h.action(pr.id)).error).toMatch(/reviewed commit/);
    });

    it('marks an open pull request whose branch got other commits, and never merges it (finding 4, reconciliation)', async () => {
      await start();
      const pr = await openPullRequest('moved-branch-02');
      pushToBranch(pr.branch, 'apps/cart/prod-eu/extra.yaml', 'x: 1\n');
      const marked = await h.eventually(async () => {
        const a = await h.action(pr.id);
        return /branch moved to/.test(a.error ?? '') && a;
      });
      expect(marked.state).toBe('pull-request-open');
      expect(h.versionOnMain('cart', 'prod-eu')).toBe('v1');
    });

    it('crash recovery never adopts a branch whose content differs from the plan (finding 4)', async () => {
      await start();
      const requested = await h
        .as('alice')
        .promote(
          { sourceEnvironment: 'staging', environments: ['prod-eu'] },
          'foreign-branch-1',
        );
      const id = requested.body.id;
      // erin approved it; the replica died before writing the branch …
      await h.knex('gitops_approvals').insert({
        action_id: id,
        approver: 'user:default/erin',
        verified_groups: JSON.stringify(['group:default/release-eu']),
      });
      // … and someone else created the branch it would write, with more in it.
      h.repo.git('branch', `gitops/promotion-${id}`, 'main');
      const foreign = pushToBranch(
        `gitops/promotion-${id}`,
        'apps/cart/prod-eu/kustomization.yaml',
        'images:\n  - name: ghcr.io/acme/cart\n    newTag: v2\n    digest: sha256:evil\n',
      );
      await crashWhileWriting(id);
      const failed = await h.eventually(async () => {
        const a = await h.action(id);
        return a.state === 'failed' && a;
      });
      expect(failed.error).toMatch(/refusing to adopt it/);
      expect(h.repo.git('rev-parse', `gitops/promotion-${id}`)).toBe(foreign);
      expect(h.versionOnMain('cart', 'prod-eu')).toBe('v1');
      // The environment is free again.
      expect(
        await h.knex('gitops_environment_locks').where({ action_id: id }),
      ).toEqual([]);
    });

    it('finishes an action whose replica died after writing its branch: the branch is adopted, not written twice (finding 8)', async () => {
      await start();
      const pr = await openPullRequest('crash-after-br-1');
      await crashWhileWriting(pr.id);
      const reopened = await h.eventually(async () => {
        const a = await h.action(pr.id);
        return a.state === 'pull-request-open' && a;
      });
      expect(reopened.commitSha).toBe(pr.commitSha);
      expect(commitsOfAction(pr.id)).toEqual([pr.commitSha]);
      const merged = await h.as('alice').merge(pr.id);
      expect(merged.body.state).toBe('merged');
      expect(h.versionOnMain('cart', 'prod-eu')).toBe('v2');
    });

    it('reconciles a pull request merged by hand: merged, unlocked, and a rollback leaves its hold (finding 7)', async () => {
      await start();
      h.bump('cart', ['prod-us'], 'v2', 'hotfix to prod-us');
      await h.refresh();
      const rollback = await h
        .as('alice')
        .rollback({ environment: 'prod-us', reason: 'errors' }, 'by-hand-0001');
      expect(rollback.body.state).toBe('pull-request-open');
      // Merged outside the portal.
      h.repo.git(
        'merge',
        '--no-ff',
        '-q',
        '-m',
        'merge by hand',
        rollback.body.branch,
      );
      const merged = await h.eventually(async () => {
        const a = await h.action(rollback.body.id);
        return a.state === 'merged' && a;
      });
      expect(merged.state).toBe('merged');
      // The state moves first; the hold, the unlock and then the audit row
      // follow in the same round: once the audit row is there, all are.
      const audit = await h.eventually(async () => {
        const rows = await h.audit();
        return rows.some(r => r.door === 'reconciliation') && rows;
      });
      expect(
        await h
          .knex('gitops_environment_locks')
          .where({ environment: 'prod-us' }),
      ).toEqual([]);
      const holds = await h.as('alice').holds();
      expect(holds.body.items).toEqual([
        expect.objectContaining({ environment: 'prod-us', version: 'v2' }),
      ]);
      expect(audit).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            door: 'reconciliation',
            action: 'merge',
            result: 'succeeded',
            actor: 'system:reconciliation',
          }),
        ]),
      );
      // Not recorded as the portal's merge: its gates never ran.
      const merge = audit.find(
        r => r.door === 'reconciliation' && r.action === 'merge',
      )!;
      expect(merge.message).toMatch(
        /^merged outside the portal at the reviewed commit [0-9a-f]{12}: the portal did not evaluate its merge gates/,
      );
    });

    // Found by a hostile review: a branch merged by hand after someone added
    // a commit to it was recorded as the action's merge.
    it('a pull request branch merged by hand after a commit was added to it fails its action: not the reviewed change, unlocked, no hold', async () => {
      await start();
      const pr = await openPullRequest('by-hand-moved-01');
      const pushed = pushToBranch(
        pr.branch,
        'apps/cart/prod-eu/extra.txt',
        'x',
      );
      h.repo.git('merge', '--no-ff', '-q', '-m', 'merge by hand', pr.branch);
      const failed = await h.eventually(async () => {
        const a = await h.action(pr.id);
        return a.state === 'failed' && a;
      });
      expect(failed.error).toContain(
        `merged outside the portal at ${pushed.slice(
          0,
          12,
        )}, not at the reviewed commit ${pr.commitSha.slice(0, 12)}`,
      );
      // The unlock precedes the audit row of the same round.
      await h.eventually(async () =>
        (
          await h.audit()
        ).some(r => r.door === 'reconciliation' && r.result === 'failed'),
      );
      expect(
        await h.knex('gitops_environment_locks').where({ action_id: pr.id }),
      ).toEqual([]);
      expect((await h.as('alice').holds()).body.items).toEqual([]);
    });

    it('reconciles a pull request branch deleted without merging: cancelled and unlocked (finding 7)', async () => {
      await start();
      const pr = await openPullRequest('deleted-br-001');
      h.repo.git('branch', '-D', pr.branch);
      await h.eventually(async () => {
        const a = await h.action(pr.id);
        return a.state === 'cancelled' && a;
      });
      // The unlock precedes the audit row of the same round.
      await h.eventually(async () =>
        (await h.audit()).some(r => r.door === 'reconciliation'),
      );
      expect(
        await h.knex('gitops_environment_locks').where({ action_id: pr.id }),
      ).toEqual([]);
    });

    it('two replicas: a slow write is not run twice, and a cancel during it is refused, never overwritten (finding 8)', async () => {
      await start();
      const replica = await h.startReplica();
      h.slowBranchWrites(8);
      const requested = await h
        .as('alice')
        .promote(
          { sourceEnvironment: 'staging', environments: ['prod-eu'] },
          'slow-write-0001',
        );
      const id = requested.body.id;
      // Supertest sends on then(): start the approval now, await it later.
      const approving = h
        .as('erin')
        .approve(id)
        .then(r => r);
      // While replica 1 writes: the lease is renewed, so however old the
      // action looks, replica 2's reconciliation leaves it alone.
      await h.eventually(async () => {
        const row = await h.knex('gitops_actions').where({ id }).first();
        return row.claimed_by !== null && row;
      });
      await h
        .knex('gitops_actions')
        .where({ id })
        .update({ updated_at: new Date(Date.now() - 3600_000) });
      const cancel = await h.as('alice', replica).cancel(id);
      expect(cancel.status).toBe(409);
      expect(cancel.body.error.message).toMatch(/being written right now/);
      const approved = await approving;
      expect(approved.status).toBe(200);
      expect(approved.body.state).toBe('pull-request-open');
      await new Promise(r => setTimeout(r, 3000)); // a few reconciliation rounds on both
      expect((await h.action(id)).state).toBe('pull-request-open');
      expect(commitsOfAction(id)).toHaveLength(1);
      const audit = await h.audit();
      expect(
        audit.filter(
          a => a.action === 'open-pull-request' && String(a.action_id) === id,
        ),
      ).toHaveLength(1);
      expect(
        audit.filter(a => a.action === 'cancel' && a.result === 'refused'),
      ).toHaveLength(1);
    });

    it('a crash between recording a rollback merged and writing its hold: the call answers merged without SQL, and reconciliation writes the hold and audits the merge once', async () => {
      await start();
      // The crash: the process stops right after the compare-and-set to
      // merged, before the rollback's hold is written (a database trigger
      // makes the hold insert fail, so nothing after it in that call runs).
      await failWrites(h.knex, { name: 'crash_hold', table: 'gitops_holds' });
      const rolled = await h
        .as('alice')
        .rollback(
          { environment: 'staging', version: 'v1', reason: 'v2 is broken' },
          'crash-hold-0001',
        );
      // Git has the change: the call says merged, never "failed", and no
      // SQL reaches the caller.
      expect(rolled.status).toBe(201);
      expect(rolled.body.state).toBe('merged');
      expect(JSON.stringify(rolled.body)).not.toMatch(/insert into/i);
      expect(h.versionOnMain('cart', 'staging')).toBe('v1');
      const [row] = await h
        .knex('gitops_actions')
        .where({ kind: 'rollback' })
        .select('id', 'state');
      expect(row.state).toBe('merged');
      expect(await h.knex('gitops_holds')).toHaveLength(0);

      // The process is back: reconciliation finishes what the crash cut.
      await stopFailingWrites(h.knex, 'crash_hold', 'gitops_holds');
      const holds = await h.eventually(async () => {
        const r = await h.knex('gitops_holds').where({ action_id: row.id });
        return r.length > 0 && r;
      });
      expect(holds).toEqual([
        expect.objectContaining({
          environment: 'staging',
          version: 'v2',
          service: 'cart',
        }),
      ]);
      const promote = await h
        .as('alice')
        .promote(
          { sourceEnvironment: 'dev', environments: ['staging'] },
          'after-crash-001',
        );
      expect(promote.status).toBe(409);
      expect(promote.body.error.message).toMatch(
        /hold \(staging\): v2 was rolled back/,
      );
      const merges = async () =>
        (await h.audit()).filter(
          a =>
            String(a.action_id) === String(row.id) &&
            /^merged as /.test(a.message),
        );
      expect(await merges()).toEqual([
        expect.objectContaining({
          actor: 'system:reconciliation',
          message: expect.stringMatching(/finished by reconciliation/),
        }),
      ]);
      await new Promise(r => setTimeout(r, 2500)); // more rounds: done once
      expect(await h.knex('gitops_holds')).toHaveLength(1);
      expect(await merges()).toHaveLength(1);
    });
  },
);
