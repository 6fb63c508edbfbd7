import { TestDatabases } from '@backstage/backend-test-utils';
import { LedgerStore } from '../database/LedgerStore';
import { createPromotionStores } from '../promotion/store';
import type { ChangeSignals, GitopsChange } from './ChangeSignals';
import { connectChangeFeeds } from './connectChangeFeeds';

const databases = TestDatabases.create({ ids: ['SQLITE_3'] });

describe('connectChangeFeeds', () => {
  it("signals a hold created or lifted as a change of its service's actions (the tab refetches its holds), once per change", async () => {
    const knex = await databases.init('SQLITE_3');
    await LedgerStore.fromKnex(knex); // migrations
    const stores = createPromotionStores(knex);
    const changes: GitopsChange[] = [];
    connectChangeFeeds({
      actions: stores.actions,
      holds: stores.holds,
      signals: {
        changed: (c: GitopsChange) => void changes.push(c),
      } as unknown as ChangeSignals,
      actionNotifier: { notify: async () => undefined } as any,
      degradedNotifier: { notify: async () => undefined } as any,
    });
    const hold = {
      repositoryId: 'demo',
      service: 'cart',
      environment: 'staging',
      version: 'v2',
      reason: 'verification failed',
      createdBy: 'policy:auto-rollback',
      actionId: '7',
    };
    await stores.holds.create(hold);
    await stores.holds.create(hold); // the same rollback again: no new hold
    const [created] = await stores.holds.active('demo', 'cart');
    expect(
      await stores.holds.lift(created.id, 'user:default/rita', 'fixed'),
    ).toBe(true);
    expect(
      await stores.holds.lift(created.id, 'user:default/rita', 'again'),
    ).toBe(false);
    const signal = { repositoryId: 'demo', service: 'cart', kind: 'action' };
    expect(changes).toEqual([signal, signal]);
  });
});
