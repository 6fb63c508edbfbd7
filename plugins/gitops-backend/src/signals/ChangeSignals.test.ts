import { mockServices, TestDatabases } from '@backstage/backend-test-utils';
import { createServiceFactory } from '@backstage/backend-plugin-api';
import { signalsServiceRef } from '@backstage/plugin-signals-node';
import { WritePathHarness } from '../promotion/__testUtils__/WritePathHarness';
import { ChangeSignals } from './ChangeSignals';

jest.setTimeout(120_000);

describe('ChangeSignals', () => {
  it('broadcasts small messages on gitops:changes, identical changes within the window once', async () => {
    const published: any[] = [];
    const signals = new ChangeSignals(
      { publish: async (s: any) => void published.push(s) },
      mockServices.logger.mock(),
      10_000,
    );
    for (let i = 0; i < 50; i++)
      signals.changed({ repositoryId: 'demo', service: 'cart', kind: 'live' });
    signals.changed({ repositoryId: 'demo', service: 'ledger', kind: 'live' });
    signals.changed({ repositoryId: 'demo', kind: 'rollouts' });
    await signals.flush();
    expect(published).toEqual([
      {
        recipients: { type: 'broadcast' },
        channel: 'gitops:changes',
        message: { repositoryId: 'demo', service: 'cart', kind: 'live' },
      },
      {
        recipients: { type: 'broadcast' },
        channel: 'gitops:changes',
        message: { repositoryId: 'demo', service: 'ledger', kind: 'live' },
      },
      {
        recipients: { type: 'broadcast' },
        channel: 'gitops:changes',
        message: { repositoryId: 'demo', kind: 'rollouts' },
      },
    ]);
  });

  it('a failing signals service is logged, never thrown', async () => {
    const logger = mockServices.logger.mock();
    const signals = new ChangeSignals(
      {
        publish: async () => {
          throw new Error('no socket');
        },
      },
      logger,
    );
    signals.changed({ repositoryId: 'demo', kind: 'rollouts' });
    await expect(signals.flush()).resolves.toBeUndefined();
    expect(logger.warn).toHaveBeenCalledWith(
      expect.stringMatching(/no socket/),
    );
  });
});

const databases = TestDatabases.create({ ids: ['SQLITE_3'] });

describe('live updates from the plugin as installed', () => {
  let h: WritePathHarness;
  afterEach(() => h.cleanup());

  it('new rollouts and action changes are signalled with the repository and the service', async () => {
    const published: any[] = [];
    h = new WritePathHarness();
    await h.start(
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
    expect(
      published.map(p => [p.channel, p.recipients.type, p.message]),
    ).toEqual(
      expect.arrayContaining([
        [
          'gitops:changes',
          'broadcast',
          { repositoryId: 'demo', kind: 'rollouts' },
        ],
        [
          'gitops:changes',
          'broadcast',
          { repositoryId: 'demo', service: 'cart', kind: 'action' },
        ],
      ]),
    );
  });
});
