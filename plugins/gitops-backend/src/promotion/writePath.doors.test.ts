import { mockCredentials, TestDatabases } from '@backstage/backend-test-utils';
import {
  POLICY_PIPELINE,
  WritePathHarness,
} from './__testUtils__/WritePathHarness';

jest.setTimeout(120_000);

const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });

/**
 * Every door, the same gates and the same audit (issue #8 findings 13, 14):
 * the MCP actions with the caller's own credentials, the scaffolder's door,
 * the soak-time gate and the source-healthy gate as the plugin wires them.
 */
describe.each(databases.eachSupportedId())('write path doors on %p', dbId => {
  let h: WritePathHarness;
  afterEach(() => h.cleanup());

  it("the MCP actions run with the caller's own credentials, through the same gates and audit as the HTTP API", async () => {
    h = new WritePathHarness();
    h.bump('cart', ['dev', 'staging'], 'v2');
    await h.start(databases, dbId);
    h.policy = (user, permission) =>
      user === 'mallory'
        ? permission === 'gitops.read'
        : !/emergency/.test(permission);
    const invoke = (name: string, user: string, input: object) =>
      h.actionsRegistry.invoke({
        id: `test:${name}`,
        input: input as any,
        credentials: mockCredentials.user(`user:default/${user}`),
      });
    const input = {
      entityRef: 'component:default/cart',
      sourceEnvironment: 'staging',
      environments: ['prod-us'],
      idempotencyKey: 'mcp-promote-0001',
    };
    await expect(invoke('promote', 'mallory', input)).rejects.toThrow(
      /gitops\.promote denied for prod-us/,
    );
    const { output } = await invoke('promote', 'alice', input);
    expect(output).toMatchObject({
      state: 'awaiting-approval',
      environments: ['prod-us'],
      version: 'v2',
    });
    // The same key again from the same caller: the same action.
    expect((await invoke('promote', 'alice', input)).output).toEqual(output);
    // A rollback to a version prod-us never ran: alice lacks the emergency
    // permission, and an emergency may not bring a new version anyway.
    await expect(
      invoke('rollback', 'alice', {
        entityRef: 'component:default/cart',
        environment: 'prod-us',
        version: 'v2',
        reason: 'agent says so',
        emergency: true,
      }),
    ).rejects.toThrow(
      /emergency rollback restores a version prod-us ran before/,
    );
    // The agent cannot approve its own user's request.
    await expect(
      invoke('approve', 'alice', { actionId: (output as any).actionId }),
    ).rejects.toThrow(/cannot approve your own request/);

    const rows = await h.audit();
    expect(rows.map(r => [r.door, r.actor, r.action, r.result])).toEqual([
      ['actions', 'user:default/mallory', 'promotion', 'denied'],
      ['actions', 'user:default/alice', 'promotion', 'succeeded'],
      ['actions', 'user:default/alice', 'rollback', 'refused'],
      ['actions', 'user:default/alice', 'approve', 'denied'],
    ]);
    // Backstage's auditor saw the same attempts, with the same fields.
    const events = h.auditorEvents.filter(e => e.meta?.door === 'actions');
    expect(events.map(e => [e.meta.actor, e.eventId, e.meta.result])).toEqual(
      rows.map(r => [r.actor, r.action, r.result]),
    );
  });

  it('an MCP write refused by the door itself (no gitops.read) is audited too', async () => {
    h = new WritePathHarness();
    await h.start(databases, dbId);
    h.policy = user => user !== 'trent';
    await expect(
      h.actionsRegistry.invoke({
        id: 'test:rollback',
        input: {
          entityRef: 'component:default/cart',
          environment: 'prod-us',
          reason: 'x',
        },
        credentials: mockCredentials.user('user:default/trent'),
      }),
    ).rejects.toThrow(/not allowed: gitops\.read/);
    expect(
      (await h.audit()).map(r => [r.door, r.actor, r.action, r.result]),
    ).toEqual([['actions', 'user:default/trent', 'rollback', 'denied']]);
  });

  it('the scaffolder door (a token the scaffolder got on behalf of the user) is audited as such, with the same checks', async () => {
    h = new WritePathHarness();
    h.bump('cart', ['dev'], 'v2');
    await h.start(databases, dbId);
    const res = await h
      .as('alice')
      .promote({ sourceEnvironment: 'dev' }, 'scaffolder-task-1')
      .set(
        'authorization',
        `Bearer ${mockCredentials.user.token('user:default/alice', {
          actor: { subject: 'plugin:scaffolder' },
        })}`,
      )
      .set('x-gitops-door', 'scaffolder');
    expect(res.status).toBe(201);
    expect(res.body.state).toBe('merged');
    const rows = await h.audit();
    expect(rows.map(r => [r.door, r.action, r.result])).toEqual([
      ['scaffolder', 'promotion', 'succeeded'],
      ['scaffolder', 'promotion', 'succeeded'],
    ]);
    expect(rows[1].message).toMatch(/^merged as [0-9a-f]{12}$/);
  });

  it('a person cannot label their own request as the scaffolder door (x-gitops-door is ignored without the scaffolder as actor)', async () => {
    h = new WritePathHarness();
    h.bump('cart', ['dev'], 'v2');
    await h.start(databases, dbId);
    const res = await h
      .as('alice')
      .promote({ sourceEnvironment: 'dev' }, 'spoofed-door-1')
      .set('x-gitops-door', 'scaffolder');
    expect(res.status).toBe(201);
    expect((await h.audit()).map(r => r.door)).toEqual(['http', 'http']);
  });

  it('an attempt refused before it reaches the engine (malformed input) is audited in both records too', async () => {
    h = new WritePathHarness();
    await h.start(databases, dbId);
    const bad = await h
      .as('alice')
      .promote(
        { version: 'v2\nimage: evil', environments: ['prod-us'] },
        'malformed-0001',
      );
    expect(bad.status).toBe(400);
    const rows = await h.audit();
    expect(rows).toEqual([
      expect.objectContaining({
        actor: 'user:default/alice',
        action: 'promotion',
        door: 'http',
        result: 'refused',
        message: expect.stringMatching(/^invalid promotion request: version/),
      }),
    ]);
    expect(
      h.auditorEvents
        .filter(e => e.eventId === 'promotion')
        .map(e => e.outcome),
    ).toEqual(['fail']);
  });

  it('soak time keeps a version in its source environment until it ran long enough there', async () => {
    h = new WritePathHarness(
      POLICY_PIPELINE.replace(
        '        approverGroup: group:default/release-us\n',
        '        approverGroup: group:default/release-us\n        soakTime: 2h\n',
      ),
    );
    // staging got v2 one hour ago; prod-us asks for two.
    (h.repo as any).clock = Date.now() - 3600_000 - 3600_000;
    h.bump('cart', ['dev', 'staging'], 'v2');
    await h.start(databases, dbId);
    const body = { sourceEnvironment: 'staging', environments: ['prod-us'] };
    const preview = await h.as('alice').previewPromotion(body);
    expect(preview.body.gates).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          gate: 'soak-time',
          status: 'failed',
          message: expect.stringMatching(
            /^only \d+s in staging; prod-us needs 7200s$/,
          ),
        }),
      ]),
    );
    const refused = await h.as('alice').promote(body, 'soak-refused-01');
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toMatch(/soak-time \(prod-us\)/);
    // An explicit version has no source to have soaked in: refused too.
    const explicit = await h
      .as('alice')
      .promote({ version: 'v2', environments: ['prod-us'] }, 'soak-refused-02');
    expect(explicit.status).toBe(409);
    expect(explicit.body.error.message).toMatch(
      /needs 7200s in the source environment/,
    );
    // prod-eu has no soak time: the same version goes on.
    const eu = await h
      .as('alice')
      .promote(
        { sourceEnvironment: 'staging', environments: ['prod-eu'] },
        'soak-other-env1',
      );
    expect(eu.status).toBe(201);
  });

  it("the source-healthy gate, as the plugin wires it, does not count an unreachable cluster's last healthy status", async () => {
    h = new WritePathHarness();
    h.bump('cart', ['dev', 'staging'], 'v2');
    await h.start(databases, dbId, {
      clusters: [
        {
          name: 'staging-cluster',
          url: 'http://127.0.0.1:9',
          skipTLSVerify: true,
          authProvider: 'serviceAccount',
          serviceAccountToken: 'not-a-real-token',
        },
      ],
    });
    // What the cluster said before it became unreachable: healthy on v2.
    await h.knex('gitops_live_status').insert({
      repository_id: 'demo',
      service: 'cart',
      environment: 'staging',
      cluster: 'staging-cluster',
      namespace: 'shop',
      health: 'Healthy',
      sync: 'Synced',
      observed_versions: JSON.stringify(['ghcr.io/acme/cart:v2']),
      fingerprint: 'x',
      updated_at_ms: Date.now() - 60_000,
    });
    const preview = await h.as('alice').previewPromotion({
      sourceEnvironment: 'staging',
      environments: ['prod-us'],
    });
    const gate = preview.body.gates.find(
      (g: any) => g.gate === 'source-healthy',
    );
    expect(gate).toMatchObject({
      environment: 'staging',
      status: 'failed',
      message: expect.stringMatching(
        /^cluster staging-cluster of staging is (connecting|unreachable|error|disconnected).*: its last known status does not count$/,
      ),
    });
    expect(preview.body.allowed).toBe(false);
    // dev has no cluster observation at all: skipped, and said so.
    const fromDev = await h.as('alice').previewPromotion({
      sourceEnvironment: 'dev',
      environments: ['staging'],
    });
    expect(
      fromDev.body.gates.find((g: any) => g.gate === 'source-healthy'),
    ).toMatchObject({
      status: 'skipped',
      message: 'no cluster observation for dev',
    });
  });
});
