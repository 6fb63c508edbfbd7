import { mockServices, TestDatabases } from '@backstage/backend-test-utils';
import type { Knex } from 'knex';
import { LedgerStore } from '../database/LedgerStore';
import { LeaderElection, LeaderElectionOptions } from './LeaderElection';
import { waitFor } from './__testUtils__/waitFor';

jest.setTimeout(60_000);

const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });

describe.each(databases.eachSupportedId())(
  'LeaderElection on %p',
  databaseId => {
    let knex: Knex;
    let now: number;
    const started: LeaderElection[] = [];

    beforeEach(async () => {
      knex = await databases.init(databaseId);
      await LedgerStore.fromKnex(knex);
      now = 1_000_000;
    });

    afterEach(async () => {
      await Promise.all(started.splice(0).map(e => e.stop()));
    });

    const make = (
      holder: string,
      options: Partial<LeaderElectionOptions> = {},
    ) => {
      const e = new LeaderElection({
        db: knex,
        name: 'cluster-watcher',
        holder,
        logger: mockServices.logger.mock(),
        ttlMs: 15_000,
        now: () => now,
        onElected: () => undefined,
        onDemoted: () => undefined,
        ...options,
      });
      started.push(e);
      return e;
    };
    const lease = () =>
      knex('gitops_cluster_leases').where({ name: 'cluster-watcher' }).first();

    it('one holder at a time; an expired lease is taken over; every new acquisition increments the generation', async () => {
      const a = make('a');
      const b = make('b');
      expect(await a.tryAcquire()).toBe(true);
      expect(await b.tryAcquire()).toBe(false);
      expect(await lease()).toMatchObject({ holder: 'a' });
      expect(Number((await lease()).generation)).toBe(1);
      now += 5_000;
      expect(await a.tryAcquire()).toBe(true); // renewed
      expect(Number((await lease()).generation)).toBe(1); // a renewal keeps it
      now += 14_000;
      expect(await b.tryAcquire()).toBe(false); // renewed 14 s ago: still held
      now += 2_000; // a crashed: not renewed for 16 s
      expect(await b.tryAcquire()).toBe(true);
      expect(await a.tryAcquire()).toBe(false);
      expect(await lease()).toMatchObject({ holder: 'b' });
      expect(Number((await lease()).generation)).toBe(2);
    });

    it('a replica whose onElected fails gives the lease up at once, cleans up and backs off; another replica acquires it on its next attempt', async () => {
      let fail = true;
      const onElected = jest.fn(() => {
        if (fail) throw new Error('cannot start the watchers');
      });
      const onDemoted = jest.fn();
      const a = make('a', { renewMs: 20, onElected, onDemoted });
      a.start();
      await waitFor(() => onElected.mock.calls.length > 0, 'an election');
      await waitFor(
        () => onDemoted.mock.calls.length > 0,
        'cleanup after the failed onElected',
      );
      expect(a.isLeader()).toBe(false);
      await waitFor(
        async () => Number((await lease()).expires_at_ms) === 0,
        'the lease released',
      );
      expect(await lease()).toMatchObject({ holder: '' });

      // Same instant (the clock does not move): b gets it because a let it go.
      const b = make('b');
      expect(await b.tryAcquire()).toBe(true);
      // a backs off: with the clock standing still it does not try again,
      // however often its timer fires.
      const attempts = onElected.mock.calls.length;
      await new Promise(r => setTimeout(r, 200));
      expect(onElected.mock.calls.length).toBe(attempts);
      expect(await lease()).toMatchObject({ holder: 'b' });

      // Later (b gone, its lease expired, a's backoff over) a retries and succeeds.
      fail = false;
      now += 16_000;
      await waitFor(() => a.isLeader(), 'a elected on its retry');
      expect(await lease()).toMatchObject({ holder: 'a' });
      expect(Number((await lease()).generation)).toBe(3);
    });

    it('isLeader() turns false as soon as the local clock passes the lease expiry, before any renewal', async () => {
      const onDemoted = jest.fn();
      // The renew timer will not fire during this test: renewals "stall".
      const a = make('a', { renewMs: 600_000, onDemoted });
      a.start();
      await waitFor(() => a.isLeader(), 'a elected');
      now += 14_999;
      expect(a.isLeader()).toBe(true);
      now += 2;
      expect(a.isLeader()).toBe(false);
      // Another replica takes over; a does not come back by itself.
      const b = make('b');
      expect(await b.tryAcquire()).toBe(true);
      expect(a.isLeader()).toBe(false);
    });

    it('stop() gives the lease up at once', async () => {
      const onDemoted = jest.fn();
      const a = make('a', { renewMs: 20, onDemoted });
      a.start();
      await waitFor(() => a.isLeader(), 'a elected');
      await a.stop();
      expect(onDemoted).toHaveBeenCalledTimes(1);
      expect(a.isLeader()).toBe(false);
      expect(Number((await lease()).expires_at_ms)).toBe(0);
      expect(await make('b').tryAcquire()).toBe(true);
    });
  },
);
