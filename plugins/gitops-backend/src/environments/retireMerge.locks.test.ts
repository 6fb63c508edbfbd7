import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { mockCredentials, TestDatabases } from '@backstage/backend-test-utils';
import request from 'supertest';
import {
  failWrites,
  stopFailingWrites,
} from '../promotion/__testUtils__/failingWrites';
import { WritePathHarness } from '../promotion/__testUtils__/WritePathHarness';

jest.setTimeout(120_000);

const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });

/**
 * The merge of a retirement holds the environment locks of what it takes
 * away, from before its check of open work until the merge ended: no
 * promotion opens there in between, and nothing stays locked.
 */
describe.each(databases.eachSupportedId())(
  'environment locks of a retirement merge on %p',
  dbId => {
    let h: WritePathHarness;
    let gate: string;
    beforeEach(() => {
      gate = fs.mkdtempSync(path.join(os.tmpdir(), 'gitops-gate-'));
    });
    afterEach(() => {
      fs.writeFileSync(path.join(gate, 'release'), '');
      fs.rmSync(gate, { recursive: true, force: true });
      h.cleanup();
    });

    const post = (p: string, body: unknown) =>
      request(h.server)
        .post(`/api/gitops/v1/repositories/demo/environments${p}`)
        .set('authorization', mockCredentials.user.header('user:default/alice'))
        .send(body as object);
    const locks = async () =>
      (await h.knex('gitops_environment_locks').orderBy('environment')).map(
        r => ({
          environment: r.environment,
          action_id: r.action_id,
          lease_token: r.lease_token ?? null,
        }),
      );

    /**
     * The next update of main waits (a Git hook) until the test releases it
     * (`pauses`), or is refused (`refuses`): the merge is then past every
     * check, at its write.
     */
    function gateMain(mode: 'pauses' | 'refuses') {
      fs.writeFileSync(path.join(gate, 'armed'), '');
      fs.writeFileSync(
        path.join(h.repo.dir, '.git/hooks/reference-transaction'),
        `#!/bin/sh
[ "$1" = prepared ] || exit 0
grep -q ' refs/heads/main$' || exit 0
[ -f '${gate}/armed' ] || exit 0
rm -f '${gate}/armed'
${
  mode === 'refuses'
    ? 'exit 1'
    : `touch '${gate}/paused'
i=0; while [ ! -f '${gate}/release' ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done
exit 0`
}
`,
        { mode: 0o755 },
      );
    }

    async function retirement(body: object) {
      const res = await post('/retire', body);
      expect(res.status).toBe(201);
      return res.body as { branch: string; commitSha: string };
    }

    it('a promotion asked for while a retirement merge holds the environment is refused with the reason; the lock is gone once the merge ended', async () => {
      h = new WritePathHarness();
      h.bump('cart', ['staging'], 'v2');
      await h.start(databases, dbId);
      const { branch, commitSha } = await retirement({
        environment: 'prod-eu',
      });
      gateMain('pauses');
      const merging = post('/merge', { branch, commitSha }).then(r => r);
      await h.eventually(async () => fs.existsSync(path.join(gate, 'paused')));
      const promoted = await h
        .as('alice')
        .promote(
          { sourceEnvironment: 'staging', environments: ['prod-eu'] },
          'during-retire-01',
        );
      expect([promoted.status, promoted.body.error?.message]).toEqual([
        409,
        'environment prod-eu is locked by the merge of gitops/retire-prod-eu, an environment change that takes it away; request this again once that change is merged or closed',
      ]);
      // Not waiting for an approval in an environment about to go.
      const open = await h
        .knex('gitops_actions')
        .whereIn('state', ['requested', 'awaiting-approval']);
      expect(open).toEqual([]);
      expect(await locks()).toEqual([
        {
          environment: 'prod-eu',
          action_id: expect.anything(),
          lease_token: expect.any(String),
        },
      ]);

      fs.writeFileSync(path.join(gate, 'release'), '');
      const merged = await merging;
      expect(merged.status).toBe(200);
      expect(h.repo.git('rev-parse', 'main')).toBe(commitSha);
      expect(await locks()).toEqual([]);
    });

    it('a retirement merge is refused while a promotion holds the environment (another service there, which its open-work check does not look at), and takes no lock', async () => {
      h = new WritePathHarness();
      h.bump('ledger', ['staging'], 'v2');
      h.groups.set('erin', ['group:default/release-eu']);
      await h.start(databases, dbId);
      const { branch, commitSha } = await retirement({
        environment: 'prod-eu',
        service: 'cart',
      });
      const requested = await h
        .as('alice')
        .promote(
          { sourceEnvironment: 'staging', environments: ['prod-eu'] },
          'ledger-eu-01',
          'ledger',
        );
      const open = await h.as('erin').approve(requested.body.id);
      expect(open.body.state).toBe('pull-request-open');
      const main = h.repo.git('rev-parse', 'main');

      const res = await post('/merge', { branch, commitSha });
      expect([res.status, res.body.error?.message]).toEqual([
        409,
        `environment prod-eu is busy with action #${open.body.id}; wait until it is merged or cancelled; nothing was merged`,
      ]);
      expect(h.repo.git('rev-parse', 'main')).toBe(main);
      expect(await locks()).toEqual([
        {
          environment: 'prod-eu',
          action_id: expect.anything(),
          lease_token: null,
        },
      ]);
      expect(String((await locks())[0].action_id)).toBe(open.body.id);
    });

    it('nothing stays locked when the merge throws: refused by open work, refused by Git, or the database failing while it locks (then nothing is merged)', async () => {
      h = new WritePathHarness();
      h.bump('cart', ['staging'], 'v2');
      await h.start(databases, dbId);
      const { branch, commitSha } = await retirement({
        environment: 'prod-eu',
      });
      const main = h.repo.git('rev-parse', 'main');

      // Git refuses the update of main.
      gateMain('refuses');
      const refused = await post('/merge', { branch, commitSha });
      expect([refused.status, refused.body.error?.message]).toEqual([
        409,
        expect.stringMatching(/moved while writing.*; nothing was merged$/),
      ]);
      expect(await locks()).toEqual([]);

      // The database fails while the merge takes its locks.
      await failWrites(h.knex, {
        name: 'crash_lock',
        table: 'gitops_environment_locks',
      });
      const failed = await post('/merge', { branch, commitSha });
      expect([failed.status, failed.body.error?.message]).toEqual([
        503,
        'the database could not record the change (injected crash); nothing was written, run it again',
      ]);
      await stopFailingWrites(h.knex, 'crash_lock', 'gitops_environment_locks');
      expect(await locks()).toEqual([]);

      // Open work found after locking.
      const promoted = await h
        .as('alice')
        .promote(
          { sourceEnvironment: 'staging', environments: ['prod-eu'] },
          'before-retire-01',
        );
      expect(promoted.body.state).toBe('awaiting-approval');
      const busy = await post('/merge', { branch, commitSha });
      expect([busy.status, busy.body.error?.message]).toEqual([
        409,
        expect.stringMatching(
          /^prod-eu has open actions .*; nothing was merged$/,
        ),
      ]);
      expect(await locks()).toEqual([]);
      expect(h.repo.git('rev-parse', 'main')).toBe(main);
    });
  },
);
