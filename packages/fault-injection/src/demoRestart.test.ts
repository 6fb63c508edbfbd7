import fs from 'node:fs';
import path from 'node:path';
import knexFactory from 'knex';
import { parse } from 'yaml';
import { SqliteDemo } from './SqliteDemo';

jest.setTimeout(5 * 60_000);

const ROOT = path.resolve(__dirname, '../../..');
const UI = '/v1/entities/default/component/guestbook-ui';

/** The ledger's audit trail, read from the gitops plugin's SQLite file. */
async function readAudit(databaseDir: string) {
  const db = knexFactory({
    client: 'better-sqlite3',
    connection: { filename: path.join(databaseDir, 'gitops.sqlite') },
    useNullAsDefault: true,
  });
  try {
    return await db('gitops_audit')
      .select('id', 'actor', 'action', 'result', 'service', 'environments')
      .orderBy('id');
  } finally {
    await db.destroy();
  }
}

/**
 * Issue #12, point 7: `npm start`, stop, `npm start` again keeps the holds,
 * the actions and the audit trail. One backend process of the demo portal
 * with app-config.yaml's embedded SQLite database, stopped (SIGTERM) and
 * started again on the same files.
 */
describe('the demo portal keeps its state across a restart (embedded SQLite)', () => {
  let demo: SqliteDemo;

  beforeAll(async () => {
    demo = await SqliteDemo.create();
  });

  afterAll(async () => {
    await demo?.cleanup();
  });

  it("app-config.yaml keeps the database in files under .demo/db, where the demo generator's --force resets it", () => {
    const config = parse(
      fs.readFileSync(path.join(ROOT, 'app-config.yaml'), 'utf8'),
    );
    expect(config.backend.database).toEqual({
      client: 'better-sqlite3',
      connection: { directory: '../../.demo/db' },
    });
    // Relative to packages/backend, the backend's working directory.
    expect(
      path.resolve(
        ROOT,
        'packages/backend',
        config.backend.database.connection.directory,
      ),
    ).toBe(path.join(ROOT, '.demo', 'db'));
  });

  it('a hold, a merged rollback, a pending promotion and their audit survive stop and start', async () => {
    await demo.backend.start();
    let guest = '';

    // Ingested: qa runs the bad version, like dev.
    let qa: string | undefined;
    let last: unknown;
    for (let i = 0; i < 120 && !qa; i++) {
      // A token minted before the catalog knew the guest's groups does not
      // show the guestbook services: sign in again until it does.
      guest = await demo.token('guest');
      const status = await demo.api(guest, 'GET', `${UI}/status`);
      last = status;
      qa = status.body?.environments?.find(
        (e: any) => e.environment.name === 'qa',
      )?.desired?.version;
      if (!qa) await new Promise(r => setTimeout(r, 500));
    }
    if (!qa)
      throw new Error(
        `qa not ingested: ${JSON.stringify(last)}\n${demo.backend.tail(40)}`,
      );
    expect(qa).toMatch(/^[0-9a-f]{12}$/);

    const rollback = await demo.api(
      guest,
      'POST',
      `${UI}/rollbacks`,
      { environment: 'qa', reason: 'restart check' },
      { 'idempotency-key': 'restart-rollback-1' },
    );
    expect(rollback.status).toBe(201);
    expect(rollback.body.state).toBe('merged');
    const promotion = await demo.api(
      guest,
      'POST',
      `${UI}/promotions`,
      { sourceEnvironment: 'staging', environments: ['prod-us'] },
      { 'idempotency-key': 'restart-promotion-1' },
    );
    expect(promotion.status).toBe(201);
    expect(promotion.body.state).toBe('awaiting-approval');

    const before = {
      holds: (await demo.api(guest, 'GET', `${UI}/holds`)).body.items,
      actions: (await demo.api(guest, 'GET', `${UI}/actions`)).body.items,
      rollouts: (await demo.api(guest, 'GET', `${UI}/rollouts?limit=500`)).body,
    };
    expect(before.holds).toEqual([
      expect.objectContaining({ environment: 'qa', version: qa }),
    ]);
    expect(before.actions.map((a: any) => [a.kind, a.state]).sort()).toEqual([
      ['promotion', 'awaiting-approval'],
      ['rollback', 'merged'],
    ]);

    await demo.backend.stop();
    const auditBefore = await readAudit(demo.databaseDir);
    expect(auditBefore.map(a => a.action)).toEqual(
      expect.arrayContaining(['rollback', 'promotion']),
    );
    await demo.backend.start();
    guest = await demo.token('guest');

    expect((await demo.api(guest, 'GET', `${UI}/holds`)).body.items).toEqual(
      before.holds,
    );
    expect((await demo.api(guest, 'GET', `${UI}/actions`)).body.items).toEqual(
      before.actions,
    );
    // The ledger continues where it was: nothing ingested twice.
    expect(
      (await demo.api(guest, 'GET', `${UI}/rollouts?limit=500`)).body,
    ).toEqual(before.rollouts);
    // The hold still refuses the rolled-back version.
    const again = await demo.api(
      guest,
      'POST',
      `${UI}/promotions`,
      { sourceEnvironment: 'dev', environments: ['qa'] },
      { 'idempotency-key': 'restart-promotion-2' },
    );
    expect(again.status).toBe(409);
    expect(JSON.stringify(again.body)).toContain('hold');

    // The audit trail read from the file while stopped is still there.
    const audit = await readAudit(demo.databaseDir);
    expect(audit.slice(0, auditBefore.length)).toEqual(auditBefore);
  });
});
