import { mockServices, TestDatabases } from '@backstage/backend-test-utils';
import { LedgerStore } from '../database/LedgerStore';
import { LeaderElection } from './LeaderElection';

jest.setTimeout(60_000);

const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });

describe.each(databases.eachSupportedId())(
  'LeaderElection on %p',
  databaseId => {
    it('one holder at a time; an expired lease is taken over', async () => {
      const knex = await databases.init(databaseId);
      await LedgerStore.fromKnex(knex);
      let now = 1_000_000;
      const make = (holder: string) =>
        new LeaderElection({
          db: knex,
          name: 'cluster-watcher',
          holder,
          logger: mockServices.logger.mock(),
          ttlMs: 15_000,
          now: () => now,
          onElected: () => undefined,
          onDemoted: () => undefined,
        });
      const a = make('a');
      const b = make('b');
      expect(await a.tryAcquire()).toBe(true);
      expect(await b.tryAcquire()).toBe(false);
      now += 5_000;
      expect(await a.tryAcquire()).toBe(true); // renewed
      now += 14_000;
      expect(await b.tryAcquire()).toBe(false); // renewed 14 s ago: still held
      now += 2_000; // a crashed: not renewed for 16 s
      expect(await b.tryAcquire()).toBe(true);
      expect(await a.tryAcquire()).toBe(false);
    });
  },
);
