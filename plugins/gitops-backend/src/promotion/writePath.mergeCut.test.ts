import { TestDatabases } from '@backstage/backend-test-utils';
import {
  POLICY_PIPELINE,
  WritePathHarness,
} from './__testUtils__/WritePathHarness';
import { failWrites, stopFailingWrites } from './__testUtils__/failingWrites';

jest.setTimeout(120_000);

const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });

const FAST = {
  promotion: { leaseSeconds: 2, reconcileFrequency: { seconds: 1 } },
};

describe.each(databases.eachSupportedId())(
  'merges cut between recording and their follow-ups on %p',
  dbId => {
    let h: WritePathHarness;
    afterEach(() => h.cleanup());

    async function start() {
      h = new WritePathHarness();
      h.bump('cart', ['dev', 'staging'], 'v2');
      h.groups.set('erin', [
        'group:default/release-us',
        'group:default/release-eu',
      ]);
      await h.start(databases, dbId, FAST, { realScheduler: true });
    }

    it('a rollback cut before its hold keeps its environment locked until the hold exists (the merging replica still holds the lease)', async () => {
      await start();
      await failWrites(h.knex, { name: 'crash_hold', table: 'gitops_holds' });
      const rolled = await h
        .as('alice')
        .rollback(
          { environment: 'staging', version: 'v1', reason: 'v2 is broken' },
          'review-cut-0001',
        );
      expect(rolled.body.state).toBe('merged');
      const id = String(rolled.body.id);
      // The replica that merged it crashed right after the compare-and-set:
      // its lease is still live for a while (30 s in production).
      await h
        .knex('gitops_actions')
        .where({ id })
        .update({
          claimed_by: 'replica-that-died:1',
          claim_expires_at_ms: Date.now() + 60_000,
        });
      await stopFailingWrites(h.knex, 'crash_hold', 'gitops_holds');
      // Reconciliation rounds on the live replica (every second).
      await new Promise(r => setTimeout(r, 8000));
      expect(
        await h.knex('gitops_holds').where({ action_id: id }),
      ).toHaveLength(0);
      // No hold yet: the environment lock is all that keeps v2 out.
      const promote = await h
        .as('alice')
        .promote(
          { sourceEnvironment: 'dev', environments: ['staging'] },
          'review-cut-0002',
        );
      expect(promote.status).toBe(409);
      expect(h.versionOnMain('cart', 'staging')).toBe('v1');
    });

    it('a portal merge whose follow-up fails after the merge was recorded is not reported as a failed merge with SQL', async () => {
      await start();
      const requested = await h
        .as('alice')
        .promote(
          { sourceEnvironment: 'staging', environments: ['prod-eu'] },
          'review-cut-0003',
        );
      const open = await h.as('erin').approve(requested.body.id);
      expect(open.body.state).toBe('pull-request-open');
      // The merge's audit row fails (a crash at that write).
      await failWrites(h.knex, {
        name: 'crash_audit',
        table: 'gitops_audit',
        when: "NEW.message LIKE 'merged%'",
      });
      const merged = await h.as('erin').merge(open.body.id);
      await stopFailingWrites(h.knex, 'crash_audit', 'gitops_audit');
      const row = await h
        .knex('gitops_actions')
        .where({ id: open.body.id })
        .first();
      expect(row.state).toBe('merged');
      expect(JSON.stringify(merged.body)).not.toMatch(/insert into/i);
      expect(merged.status).toBe(200);
    });

    it('a crash after the merge was audited but before it was recorded complete: reconciliation does not audit the merge a second time', async () => {
      await start();
      await failWrites(h.knex, {
        name: 'crash_done',
        table: 'gitops_actions',
        on: 'UPDATE',
        when: 'NEW.merge_completed_at_ms IS NOT NULL AND OLD.merge_completed_at_ms IS NULL',
      });
      const rolled = await h
        .as('alice')
        .rollback(
          { environment: 'staging', version: 'v1', reason: 'v2 is broken' },
          'review-cut-0004',
        );
      expect(rolled.body.state).toBe('merged');
      const id = String(rolled.body.id);
      const merges = async () =>
        (await h.audit()).filter(
          a => String(a.action_id) === id && /^merged/.test(a.message),
        );
      expect(await merges()).toHaveLength(1);
      await stopFailingWrites(h.knex, 'crash_done', 'gitops_actions');
      await h.eventually(async () => {
        const row = await h.knex('gitops_actions').where({ id }).first();
        return row.merge_completed_at_ms !== null;
      });
      expect(await merges()).toHaveLength(1);
    });

    it('a database error recording a direct rollback merged after Git has the commit: the action is not ended failed, and its hold is written once the database is back', async () => {
      await start();
      await failWrites(h.knex, {
        name: 'crash_merged',
        table: 'gitops_actions',
        on: 'UPDATE',
        when: "NEW.state = 'merged'",
      });
      const rolled = await h
        .as('alice')
        .rollback(
          { environment: 'staging', version: 'v1', reason: 'v2 is broken' },
          'review-cut-0005',
        );
      await stopFailingWrites(h.knex, 'crash_merged', 'gitops_actions');
      // Git has the rollback.
      expect(h.versionOnMain('cart', 'staging')).toBe('v1');
      const [row] = await h
        .knex('gitops_actions')
        .where({ kind: 'rollback' })
        .select('id', 'state', 'error');
      expect({ status: rolled.status, state: row.state }).not.toEqual(
        expect.objectContaining({ state: 'failed' }),
      );
      const holds = await h.eventually(async () => {
        const r = await h.knex('gitops_holds').where({ action_id: row.id });
        return r.length > 0 && r;
      });
      expect(holds).toHaveLength(1);
    });

    it('a pull request the portal fast-forwarded but could not record merged is finished by reconciliation as the portal merge, not as one made outside the portal', async () => {
      await start();
      const requested = await h
        .as('alice')
        .promote(
          { sourceEnvironment: 'staging', environments: ['prod-eu'] },
          'review-cut-0007',
        );
      const open = await h.as('erin').approve(requested.body.id);
      expect(open.body.state).toBe('pull-request-open');
      const id = String(open.body.id);
      await failWrites(h.knex, {
        name: 'crash_ff_merged',
        table: 'gitops_actions',
        on: 'UPDATE',
        when: "NEW.state = 'merged'",
      });
      await h.as('erin').merge(id);
      // Fast-forwarded: main is the reviewed commit itself.
      expect(h.repo.git('rev-parse', 'main')).toBe(open.body.commitSha);
      await stopFailingWrites(h.knex, 'crash_ff_merged', 'gitops_actions');
      const merge = await h.eventually(async () =>
        (
          await h.audit()
        ).find(
          r =>
            String(r.action_id) === id &&
            r.action === 'merge' &&
            r.result === 'succeeded',
        ),
      );
      expect(merge.message).not.toMatch(/outside the portal/);
      expect(merge.message).toMatch(/^merged/);
    });

    it('a direct rollback whose version moved after its request, cut between its commit and recording what it changed: its hold is on the version it replaced, not the one planned at the request', async () => {
      await start();
      // The first write cannot record its commit: nothing lands, the
      // action stays requested and reconciliation retries it.
      await failWrites(h.knex, {
        name: 'crash_record',
        table: 'gitops_portal_commits',
      });
      await failWrites(h.knex, {
        name: 'crash_changes',
        table: 'gitops_actions',
        on: 'UPDATE',
        when: 'NEW.changes <> OLD.changes',
      });
      await h
        .as('alice')
        .rollback(
          { environment: 'staging', version: 'v1', reason: 'v2 is broken' },
          'review-cut-0008',
        );
      const [row] = await h
        .knex('gitops_actions')
        .where({ kind: 'rollback' })
        .select('id', 'state');
      expect(row.state).toBe('requested');
      expect(h.versionOnMain('cart', 'staging')).toBe('v2');
      // Someone deploys v3 by hand meanwhile.
      h.repo.git('reset', '-q', '--hard', 'main');
      h.bump('cart', ['staging'], 'v3', 'hotfix v3 to staging');
      await h.refresh();
      // Commits can be recorded again; what the write changed cannot yet.
      await stopFailingWrites(h.knex, 'crash_record', 'gitops_portal_commits');
      await new Promise(r => setTimeout(r, 5000));
      await stopFailingWrites(h.knex, 'crash_changes', 'gitops_actions');
      const holds = await h.eventually(async () => {
        const r = await h.knex('gitops_holds').where({ action_id: row.id });
        return r.length > 0 && r;
      });
      expect(h.versionOnMain('cart', 'staging')).toBe('v1');
      expect(holds.map((r: any) => r.version)).toEqual(['v3']);
    });

    it('cancelling a direct rollback that is in Git but was not recorded merged refuses the cancel and records it merged with its hold', async () => {
      h = new WritePathHarness();
      h.bump('cart', ['dev', 'staging'], 'v2');
      // No scheduler runs reconciliation here: the cancel comes first.
      await h.start(databases, dbId, { promotion: { leaseSeconds: 2 } });
      await failWrites(h.knex, {
        name: 'crash_merged_cancel',
        table: 'gitops_actions',
        on: 'UPDATE',
        when: "NEW.state = 'merged'",
      });
      await h
        .as('alice')
        .rollback(
          { environment: 'staging', version: 'v1', reason: 'v2 is broken' },
          'review-cut-0009',
        );
      await stopFailingWrites(h.knex, 'crash_merged_cancel', 'gitops_actions');
      expect(h.versionOnMain('cart', 'staging')).toBe('v1');
      const [row] = await h
        .knex('gitops_actions')
        .where({ kind: 'rollback' })
        .select('id', 'state');
      expect(row.state).toBe('requested');
      // The writer's lease is released (or expires after 2 s).
      await new Promise(r => setTimeout(r, 2500));
      const cancel = await h.as('alice').cancel(row.id);
      expect(cancel.status).toBe(409);
      expect(cancel.body.error.message).toMatch(
        /is in Git already \([0-9a-f]{12}\); it is recorded as merged, not cancelled/,
      );
      expect(
        (await h.knex('gitops_actions').where({ id: row.id }).first()).state,
      ).toBe('merged');
      expect(
        (await h.knex('gitops_holds').where({ action_id: row.id })).map(
          (r: any) => r.version,
        ),
      ).toEqual(['v2']);
    });

    it('a direct rollback written to Git but not recorded merged, then a freeze committed: reconciliation records it merged and writes its hold instead of refusing what Git already has', async () => {
      await start();
      await failWrites(h.knex, {
        name: 'crash_merged_frozen',
        table: 'gitops_actions',
        on: 'UPDATE',
        when: "NEW.state = 'merged'",
      });
      await h
        .as('alice')
        .rollback(
          { environment: 'staging', version: 'v1', reason: 'v2 is broken' },
          'review-cut-0006',
        );
      expect(h.versionOnMain('cart', 'staging')).toBe('v1');
      const [row] = await h
        .knex('gitops_actions')
        .where({ kind: 'rollback' })
        .select('id', 'state');
      expect(row.state).toBe('requested');
      // Someone freezes staging before the database is back (on top of
      // the portal's commit).
      h.repo.git('reset', '-q', '--hard', 'main');
      h.repo.write(
        'gitops-pipeline.yaml',
        POLICY_PIPELINE.replace(
          '    staging:\n      cluster: staging-cluster\n      promotion:\n        mode: direct\n',
          '    staging:\n      cluster: staging-cluster\n      promotion:\n        mode: direct\n        freezeWindows:\n          - days: [mon, tue, wed, thu, fri, sat, sun]\n            reason: code freeze\n',
        ),
      );
      h.repo.commit('freeze staging');
      await stopFailingWrites(h.knex, 'crash_merged_frozen', 'gitops_actions');
      const done = await h.eventually(async () => {
        const r = await h.knex('gitops_actions').where({ id: row.id }).first();
        return r.state !== 'requested' && r;
      });
      expect({ state: done.state, error: done.error }).toEqual({
        state: 'merged',
        error: null,
      });
      const holds = await h.eventually(async () => {
        const r = await h.knex('gitops_holds').where({ action_id: row.id });
        return r.length > 0 && r;
      });
      expect(holds).toHaveLength(1);
    });
  },
);
