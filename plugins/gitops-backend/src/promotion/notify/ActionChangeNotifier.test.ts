import { mockServices } from '@backstage/backend-test-utils';
import type { GitopsAction } from '@gitops2/plugin-gitops-common';
import { ActionChangeNotifier } from './ActionChangeNotifier';
import { DegradedRolloutNotifier } from './DegradedRolloutNotifier';

const PORTAL = 'https://portal.example.com';

function action(patch: Partial<GitopsAction> = {}): GitopsAction {
  return {
    id: '12',
    kind: 'promotion',
    state: 'awaiting-approval',
    repositoryId: 'demo',
    service: 'cart',
    entityRef: 'component:default/cart',
    sourceEnvironment: 'staging',
    environments: ['prod-eu'],
    version: 'v2',
    mode: 'pull-request',
    requestedBy: 'user:default/alice',
    createdAt: '2026-11-30T10:00:00Z',
    updatedAt: '2026-11-30T10:00:00Z',
    changes: [],
    gates: [],
    approvals: [],
    requiredApprovals: 1,
    approvalRequirements: [
      {
        environment: 'prod-eu',
        approvals: 1,
        group: 'group:default/release-eu',
      },
    ],
    ...patch,
  } as GitopsAction;
}

function setup(current: GitopsAction) {
  const sent: any[] = [];
  const notifier = new ActionChangeNotifier({
    notifications: { send: async (n: any) => void sent.push(n) } as any,
    getAction: async id => (id === current.id ? current : undefined),
    productionEnvironments: async () => ['prod-us', 'prod-eu'],
    logger: mockServices.logger.mock(),
    portalUrl: PORTAL,
  });
  return { sent, notifier };
}

describe('ActionChangeNotifier', () => {
  it('tells the approver group when a production action waits for approval: high severity, scoped to the action, linked', async () => {
    const { sent, notifier } = setup(action());
    await notifier.notify({ actionId: '12', state: 'awaiting-approval' });
    expect(sent).toEqual([
      {
        recipients: { type: 'entity', entityRef: ['group:default/release-eu'] },
        payload: expect.objectContaining({
          title: 'Promotion #12 waits for your approval: cart v2 to prod-eu',
          severity: 'high',
          scope: 'gitops-action-12',
          topic: 'gitops-approval',
          link: `${PORTAL}/catalog/default/component/cart/gitops?action=12`,
        }),
      },
    ]);
  });

  it('outside production the severity is normal', async () => {
    const { sent, notifier } = setup(
      action({
        environments: ['staging'],
        approvalRequirements: [
          { environment: 'staging', approvals: 1, group: 'group:default/qa' },
        ],
      }),
    );
    await notifier.notify({ actionId: '12', state: 'awaiting-approval' });
    expect(sent.map(n => [n.recipients.entityRef, n.payload.severity])).toEqual(
      [[['group:default/qa'], 'normal']],
    );
  });

  it('tells the requester when it is approved, merged, failed or cancelled, always under the same scope', async () => {
    const { sent, notifier } = setup(
      action({
        state: 'pull-request-open',
        error: 'the pull request was closed without merging',
      }),
    );
    await notifier.notify({ actionId: '12', approvedBy: 'user:default/erin' });
    await notifier.notify({ actionId: '12', state: 'merged' });
    await notifier.notify({ actionId: '12', state: 'failed' });
    await notifier.notify({ actionId: '12', state: 'cancelled' });
    expect(
      sent.map(n => [n.recipients.entityRef, n.payload.scope, n.payload.title]),
    ).toEqual([
      [
        'user:default/alice',
        'gitops-action-12',
        'Promotion #12 approved: cart v2 to prod-eu',
      ],
      [
        'user:default/alice',
        'gitops-action-12',
        'Promotion #12 merged: cart v2 to prod-eu',
      ],
      [
        'user:default/alice',
        'gitops-action-12',
        'Promotion #12 failed: cart v2 to prod-eu',
      ],
      [
        'user:default/alice',
        'gitops-action-12',
        'Promotion #12 cancelled: cart v2 to prod-eu',
      ],
    ]);
    expect(sent[3].payload.description).toBe(
      'the pull request was closed without merging',
    );
  });

  it('tells nobody about states nobody waits for, nor a requester that is not a user', async () => {
    const { sent, notifier } = setup(
      action({ requestedBy: 'policy:auto-promote', approvals: [] }),
    );
    await notifier.notify({ actionId: '12', state: 'succeeded' });
    await notifier.notify({ actionId: '12', state: 'merged' });
    await notifier.notify({ actionId: '99', state: 'merged' });
    expect(sent).toEqual([]);
  });

  it("tells the service's owners about a rollback, automatic ones with high severity", async () => {
    const manual = setup(
      action({
        kind: 'rollback',
        state: 'requested',
        environments: ['staging'],
        approvalRequirements: [],
        reason: 'bad release',
      }),
    );
    await manual.notifier.notify({ actionId: '12', state: 'requested' });
    const automatic = setup(
      action({
        kind: 'rollback',
        state: 'requested',
        environments: ['staging'],
        approvalRequirements: [],
        requestedBy: 'policy:auto-rollback',
        reason: 'smoke test failed',
      }),
    );
    await automatic.notifier.notify({ actionId: '12', state: 'requested' });
    expect(
      [...manual.sent, ...automatic.sent].map(n => [
        n.recipients.entityRef,
        n.payload.title,
        n.payload.severity,
        n.payload.topic,
      ]),
    ).toEqual([
      [
        'component:default/cart',
        'Rollback of cart v2 to staging',
        'normal',
        'gitops-rollback',
      ],
      [
        'component:default/cart',
        'Automatic rollback of cart v2 to staging',
        'high',
        'gitops-rollback',
      ],
    ]);
  });

  it('leaves emergency rollbacks to their own notification (never overwritten in place)', async () => {
    const { sent, notifier } = setup(
      action({
        kind: 'rollback',
        emergency: true,
        state: 'merged',
        mode: 'direct',
      }),
    );
    await notifier.notify({ actionId: '12', state: 'merged' });
    expect(sent).toEqual([]);
  });

  it('a failing notifications service is logged, never thrown', async () => {
    const logger = mockServices.logger.mock();
    const notifier = new ActionChangeNotifier({
      notifications: {
        send: async () => {
          throw new Error('down');
        },
      } as any,
      getAction: async () => action(),
      productionEnvironments: async () => [],
      logger,
    });
    await expect(
      notifier.notify({ actionId: '12', state: 'awaiting-approval' }),
    ).resolves.toBeUndefined();
    expect(logger.warn).toHaveBeenCalledWith(expect.stringMatching(/down/));
  });
});

describe('DegradedRolloutNotifier', () => {
  function setupDegraded() {
    const sent: any[] = [];
    const notifier = new DegradedRolloutNotifier({
      notifications: { send: async (n: any) => void sent.push(n) } as any,
      productionEnvironments: async () => ['prod-eu'],
      entityOf: async (_repo, service) =>
        service === 'cart' ? 'component:default/cart' : undefined,
      logger: mockServices.logger.mock(),
      portalUrl: PORTAL,
    });
    return { sent, notifier };
  }
  const change = (patch: object = {}) => ({
    kind: 'outcome' as const,
    repositoryId: 'demo',
    service: 'cart',
    environment: 'prod-eu',
    rolloutId: '7',
    toVersion: 'v2',
    outcome: 'degraded',
    ...patch,
  });

  it("tells the service's owners when a production rollout is degraded, once per rollout", async () => {
    const { sent, notifier } = setupDegraded();
    await notifier.notify(change());
    expect(sent).toEqual([
      {
        recipients: { type: 'entity', entityRef: 'component:default/cart' },
        payload: expect.objectContaining({
          title: 'cart v2 is degraded in prod-eu',
          severity: 'high',
          scope: 'gitops-rollout-7',
          topic: 'gitops-degraded',
          link: `${PORTAL}/catalog/default/component/cart/gitops`,
        }),
      },
    ]);
  });

  it('stays quiet outside production, for other outcomes and for services without an entity', async () => {
    const { sent, notifier } = setupDegraded();
    await notifier.notify(change({ environment: 'staging' }));
    await notifier.notify(change({ outcome: 'succeeded' }));
    await notifier.notify(change({ service: 'ledger' }));
    expect(sent).toEqual([]);
  });
});
