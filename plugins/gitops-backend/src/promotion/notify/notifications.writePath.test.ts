import { TestDatabases } from '@backstage/backend-test-utils';
import { WritePathHarness } from '../__testUtils__/WritePathHarness';

jest.setTimeout(120_000);

const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });

/**
 * Notifications from the write path as installed (issue #11): who hears of
 * a production promotion from its request to its end.
 */
describe.each(databases.eachSupportedId())(
  'notifications of the write path on %p',
  dbId => {
    let h: WritePathHarness;
    afterEach(() => h.cleanup());

    it('approvers hear that a production promotion waits for them, the requester that it was approved and cancelled', async () => {
      h = new WritePathHarness();
      h.bump('cart', ['dev', 'staging'], 'v2');
      h.groups.set('erin', ['group:default/release-eu']);
      await h.start(databases, dbId);
      const requested = await h
        .as('alice')
        .promote(
          { sourceEnvironment: 'staging', environments: ['prod-eu'] },
          'notify-0001',
        );
      expect(requested.body.state).toBe('awaiting-approval');
      const id: string = requested.body.id;
      const ofAction = () =>
        h.notifications.filter(n => n.payload.scope === `gitops-action-${id}`);
      await h.eventually(async () => ofAction().length >= 1);
      expect(ofAction()[0]).toEqual({
        recipients: { type: 'entity', entityRef: ['group:default/release-eu'] },
        payload: expect.objectContaining({
          topic: 'gitops-approval',
          severity: 'high',
        }),
      });

      const approved = await h.as('erin').approve(id);
      expect(approved.body.state).toBe('pull-request-open');
      await h.as('alice').cancel(id);
      await h.eventually(async () =>
        ofAction().some(n => /cancelled/.test(n.payload.title)),
      );
      const toAlice = ofAction()
        .filter(n => n.recipients.entityRef === 'user:default/alice')
        .map(n => n.payload.title);
      expect(toAlice).toEqual([
        `Promotion #${id} approved: cart v2 to prod-eu`,
        `Promotion #${id} cancelled: cart v2 to prod-eu`,
      ]);
    });
  },
);
