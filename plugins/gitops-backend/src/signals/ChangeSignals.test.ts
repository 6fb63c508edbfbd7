import { mockServices, TestDatabases } from '@backstage/backend-test-utils';
import { createServiceFactory } from '@backstage/backend-plugin-api';
import { signalsServiceRef } from '@backstage/plugin-signals-node';
import { WritePathHarness } from '../promotion/__testUtils__/WritePathHarness';
import { createHmac } from 'node:crypto';
import { ChangeKeys } from './ChangeKeys';
import { ChangeSignals } from './ChangeSignals';

jest.setTimeout(120_000);

/** Keys from a fixed secret, as `gitops.signals.keySecret` gives them. */
const keys = ChangeKeys.create({
  keySecret: 'a-test-secret-of-some-length',
  db: undefined as any,
});

describe('ChangeSignals', () => {
  it('broadcasts { key, kind } on gitops:changes, naming no repository or service, the first change at once, then those of its window at its end, identical ones once', async () => {
    const published: any[] = [];
    const signals = new ChangeSignals(
      { publish: async (s: any) => void published.push(s) },
      keys,
      mockServices.logger.mock(),
      10_000,
    );
    for (let i = 0; i < 50; i++)
      signals.changed({ repositoryId: 'demo', service: 'cart', kind: 'live' });
    signals.changed({ repositoryId: 'demo', service: 'ledger', kind: 'live' });
    signals.changed({ repositoryId: 'demo', kind: 'rollouts' });
    await signals.flush();
    const cart = await keys.keyOf('demo', 'cart');
    const ledger = await keys.keyOf('demo', 'ledger');
    const repository = await keys.keyOf('demo');
    expect(new Set([cart, ledger, repository]).size).toBe(3);
    for (const key of [cart, ledger, repository])
      expect(key).toMatch(/^[0-9a-f]{32}$/);
    expect(published).toEqual([
      {
        recipients: { type: 'broadcast' },
        channel: 'gitops:changes',
        message: { key: cart, kind: 'live' },
      },
      {
        recipients: { type: 'broadcast' },
        channel: 'gitops:changes',
        message: { key: cart, kind: 'live' },
      },
      {
        recipients: { type: 'broadcast' },
        channel: 'gitops:changes',
        message: { key: ledger, kind: 'live' },
      },
      {
        recipients: { type: 'broadcast' },
        channel: 'gitops:changes',
        message: { key: repository, kind: 'rollouts' },
      },
    ]);
    expect(JSON.stringify(published)).not.toMatch(/demo|cart|ledger/);
  });

  it('a change after a quiet window goes out at once, not at the end of the window', async () => {
    const published: any[] = [];
    const signals = new ChangeSignals(
      { publish: async (s: any) => void published.push(s) },
      keys,
      mockServices.logger.mock(),
      10_000,
    );
    signals.changed({ repositoryId: 'demo', kind: 'rollouts' });
    await new Promise(r => setTimeout(r, 100));
    expect(published.map(p => p.message)).toEqual([
      { key: await keys.keyOf('demo'), kind: 'rollouts' },
    ]);
    signals.stop();
  });

  it('the key is HMAC-SHA256(secret, repository NUL service), first 32 hex characters', async () => {
    const expected = createHmac('sha256', 'a-test-secret-of-some-length')
      .update('demo\u0000cart')
      .digest('hex')
      .slice(0, 32);
    expect(await keys.keyOf('demo', 'cart')).toBe(expected);
    expect(() =>
      ChangeKeys.create({ keySecret: 'short', db: undefined as any }),
    ).toThrow(/at least 16 characters/);
  });

  it('a failing signals service or key secret is logged, never thrown, and sends no names', async () => {
    const logger = mockServices.logger.mock();
    const signals = new ChangeSignals(
      {
        publish: async () => {
          throw new Error('no socket');
        },
      },
      keys,
      logger,
    );
    signals.changed({ repositoryId: 'demo', kind: 'rollouts' });
    await expect(signals.flush()).resolves.toBeUndefined();
    expect(logger.warn).toHaveBeenCalledWith(
      expect.stringMatching(/no socket/),
    );

    const published: any[] = [];
    const noSecret = new ChangeSignals(
      { publish: async (s: any) => void published.push(s) },
      new ChangeKeys(async () => {
        throw new Error('database down');
      }),
      logger,
    );
    noSecret.changed({ repositoryId: 'demo', kind: 'rollouts' });
    await noSecret.flush();
    expect(published).toEqual([]);
    expect(logger.warn).toHaveBeenCalledWith(
      expect.stringMatching(/database down/),
    );
  });
});

describe('ChangeSignals heartbeat', () => {
  it('broadcasts { kind: heartbeat } on gitops:changes, naming nothing', async () => {
    const published: any[] = [];
    const signals = new ChangeSignals(
      { publish: async (s: any) => void published.push(s) },
      keys,
      mockServices.logger.mock(),
    );
    await signals.heartbeat();
    const fingerprint = createHmac('sha256', 'a-test-secret-of-some-length')
      .update('gitops-heartbeat')
      .digest('hex')
      .slice(0, 8);
    expect(published).toEqual([
      {
        recipients: { type: 'broadcast' },
        channel: 'gitops:changes',
        message: { kind: 'heartbeat', keys: fingerprint },
      },
    ]);
    // Another secret, other keys: the fingerprint tells pages to refetch.
    const other = new ChangeSignals(
      { publish: async (s: any) => void published.push(s) },
      ChangeKeys.create({
        keySecret: 'another-secret-of-some-length',
        db: undefined as any,
      }),
      mockServices.logger.mock(),
    );
    await other.heartbeat();
    expect(published[1].message.keys).toMatch(/^[0-9a-f]{8}$/);
    expect(published[1].message.keys).not.toBe(fingerprint);
  });

  it('without the key secret (database down), the heartbeat still goes out, with no fingerprint', async () => {
    const published: any[] = [];
    const signals = new ChangeSignals(
      { publish: async (s: any) => void published.push(s) },
      new ChangeKeys(async () => {
        throw new Error('database down');
      }),
      mockServices.logger.mock(),
    );
    await signals.heartbeat();
    expect(published.map(p => p.message)).toEqual([{ kind: 'heartbeat' }]);
  });

  it('a failing heartbeat is logged once per failure streak, never thrown', async () => {
    const logger = mockServices.logger.mock();
    let fail = true;
    const signals = new ChangeSignals(
      {
        publish: async () => {
          if (fail) throw new Error('no socket');
        },
      },
      keys,
      logger,
    );
    await expect(signals.heartbeat()).resolves.toBeUndefined();
    await expect(signals.heartbeat()).resolves.toBeUndefined();
    expect(logger.warn).toHaveBeenCalledTimes(1);
    expect(logger.warn).toHaveBeenCalledWith(
      expect.stringMatching(/heartbeat.*no socket/),
    );
    fail = false;
    await signals.heartbeat();
    fail = true;
    await signals.heartbeat();
    expect(logger.warn).toHaveBeenCalledTimes(2);
  });
});

const databases = TestDatabases.create({ ids: ['SQLITE_3'] });

/** Starts the harness's backend with a signals service that records what it publishes. */
function startRecordingSignals(h: WritePathHarness, published: any[]) {
  return h.start(
    databases,
    'SQLITE_3',
    {},
    {
      features: [
        createServiceFactory({
          service: signalsServiceRef,
          deps: {},
          factory: () => ({
            publish: async (s: any) => void published.push(s),
          }),
        }),
      ],
    },
  );
}

describe('live updates from the plugin as installed', () => {
  let h: WritePathHarness;
  afterEach(() => h.cleanup());

  it('new rollouts and action changes are signalled by opaque keys that only who may see the service gets from the status API', async () => {
    const published: any[] = [];
    h = new WritePathHarness();
    h.hidden.set('vic', ['cart']);
    await startRecordingSignals(h, published);
    h.bump('cart', ['dev', 'staging'], 'v2');
    await h.refresh();
    await h.eventually(async () =>
      published.some(p => p.message.kind === 'rollouts'),
    );
    const requested = await h
      .as('alice')
      .promote(
        { sourceEnvironment: 'staging', environments: ['prod-eu'] },
        'signals-0001',
      );
    expect(requested.body.state).toBe('awaiting-approval');
    await h.eventually(async () =>
      published.some(p => p.message.kind === 'action'),
    );

    const status = await h
      .as('alice')
      .get('/v1/entities/default/component/cart/status');
    expect(status.status).toBe(200);
    const { changeKey, repositoryChangeKey } = status.body;
    expect(changeKey).toMatch(/^[0-9a-f]{32}$/);
    expect(repositoryChangeKey).toMatch(/^[0-9a-f]{32}$/);
    expect(
      published.map(p => [p.channel, p.recipients.type, p.message]),
    ).toEqual(
      expect.arrayContaining([
        [
          'gitops:changes',
          'broadcast',
          { key: repositoryChangeKey, kind: 'rollouts' },
        ],
        ['gitops:changes', 'broadcast', { key: changeKey, kind: 'action' }],
      ]),
    );
    // Besides the changes, the heartbeat: pages count their live updates
    // as connected only while messages arrive (sent at startup here, by
    // the test scheduler).
    expect(published).toContainEqual({
      recipients: { type: 'broadcast' },
      channel: 'gitops:changes',
      message: {
        kind: 'heartbeat',
        keys: expect.stringMatching(/^[0-9a-f]{8}$/),
      },
    });
    for (const p of published)
      expect(Object.keys(p.message).sort()).toEqual(
        p.message.kind === 'heartbeat' ? ['keys', 'kind'] : ['key', 'kind'],
      );
    expect(JSON.stringify(published.map(p => p.message))).not.toMatch(
      /demo|cart/,
    );

    // Vic may not see cart: the API answers as if it did not exist, no key.
    const hidden = await h
      .as('vic')
      .get('/v1/entities/default/component/cart/status');
    expect(hidden.status).toBe(404);
    expect(JSON.stringify(hidden.body)).not.toContain(changeKey);
    const ledger = await h
      .as('vic')
      .get('/v1/entities/default/component/ledger/status');
    expect(ledger.status).toBe(200);
    expect(ledger.body.changeKey).not.toBe(changeKey);
    expect(ledger.body.repositoryChangeKey).toBe(repositoryChangeKey);
  });

  it('a commit that makes no rollout (a pipeline file edit) is signalled too: tabs refetch the pipeline, its errors and the last ingestion', async () => {
    const published: any[] = [];
    h = new WritePathHarness();
    await startRecordingSignals(h, published);
    await h.refresh();
    const changes = () => published.filter(p => p.message.kind !== 'heartbeat');
    await new Promise(r => setTimeout(r, 500)); // the start's signals
    const before = changes().length;
    // A broken pipeline file: no rollout, but every tab shows its error.
    h.repo.write('gitops-pipeline.yaml', 'stages: [unclosed\n');
    h.repo.commit('break the pipeline file');
    await h.refresh();
    await h.eventually(async () => changes().length > before);
    expect(
      changes()
        .slice(before)
        .map(p => p.message.kind),
    ).toContain('rollouts');
  });
});
