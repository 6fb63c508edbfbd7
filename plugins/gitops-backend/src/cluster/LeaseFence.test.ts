import { mockServices, TestDatabases } from '@backstage/backend-test-utils';
import type { Knex } from 'knex';
import { LedgerStore } from '../database/LedgerStore';
import { LeaderElection } from './LeaderElection';
import { LeaseFence, LeaseLostError } from './LeaseFence';
import { LiveStore } from './LiveStore';
import { waitFor } from './__testUtils__/waitFor';

jest.setTimeout(60_000);

const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });

describe.each(databases.eachSupportedId())(
  'lease fencing of the leader writes on %p',
  databaseId => {
    let knex: Knex;
    let store: LiveStore;
    const started: LeaderElection[] = [];

    beforeEach(async () => {
      knex = await databases.init(databaseId);
      await LedgerStore.fromKnex(knex);
      store = new LiveStore(knex);
    });

    afterEach(async () => {
      await Promise.all(started.splice(0).map(e => e.stop()));
    });

    /** A replica with its own clock; its renew timer never fires unless renewMs is given. */
    function replica(holder: string, clock: () => number, renewMs = 600_000) {
      const r = {
        fence: undefined as LeaseFence | undefined,
        onDemoted: jest.fn(),
        election: undefined as unknown as LeaderElection,
      };
      r.election = new LeaderElection({
        db: knex,
        name: 'cluster-watcher',
        holder,
        logger: mockServices.logger.mock(),
        ttlMs: 15_000,
        renewMs,
        now: clock,
        onElected: fence => {
          r.fence = fence;
        },
        onDemoted: r.onDemoted,
      });
      started.push(r.election);
      r.election.start();
      return r;
    }

    const write = (fence: LeaseFence, health: 'Healthy' | 'Degraded') =>
      store.upsertStatus(fence, {
        repositoryId: 'demo',
        service: 'checkout',
        environment: 'prod',
        cluster: 'c2',
        namespace: 'shop',
        sync: 'Synced',
        observed: { health, observedVersions: ['1.4.2'] },
        fingerprint: health,
        now: 1,
      });
    const stored = async () =>
      (await store.listStatuses({ repositoryId: 'demo' })).map(s => s.health);
    const lease = () =>
      knex('gitops_cluster_leases').where({ name: 'cluster-watcher' }).first();

    it('a leader whose renewals stalled past its expiry, and whose lease was taken over, cannot write anymore and demotes itself; the new leader writes', async () => {
      let now = 1_000_000;
      const a = replica('a', () => now);
      await waitFor(() => a.fence, 'a elected');
      const fenceA = a.fence!;
      expect(fenceA.generation).toBe(1);
      await write(fenceA, 'Healthy');
      expect(await stored()).toEqual(['Healthy']);

      now += 16_000; // a's renew timer did not fire (event loop blocked, DB hiccup…)
      expect(a.election.isLeader()).toBe(false);
      expect(fenceA.isValid()).toBe(false);
      const b = replica('b', () => now, 20);
      await waitFor(() => b.fence, 'b elected');
      expect(b.fence!.generation).toBe(2);

      await expect(write(fenceA, 'Degraded')).rejects.toBeInstanceOf(
        LeaseLostError,
      );
      expect(() => fenceA.assertValid()).toThrow(LeaseLostError);
      await waitFor(() => a.onDemoted.mock.calls.length > 0, 'a demoted');
      expect(await stored()).toEqual(['Healthy']);

      await write(b.fence!, 'Degraded');
      expect(await stored()).toEqual(['Degraded']);
      expect(await lease()).toMatchObject({ holder: 'b' });
      expect(Number((await lease()).generation)).toBe(2);
    });

    it('the database re-checks the lease: a write of a leader that still believes it holds the lease (its clock lags) is rejected once another replica took over', async () => {
      let nowA = 1_000_000;
      let nowB = 1_000_000;
      const a = replica('a', () => nowA);
      await waitFor(() => a.fence, 'a elected');
      const fenceA = a.fence!;
      await write(fenceA, 'Healthy');

      nowB += 16_000; // b's clock is ahead: for b, a's lease has expired
      const b = replica('b', () => nowB, 20);
      await waitFor(() => b.fence, 'b elected');
      nowA += 1_000;
      // a's own clock still says the lease is valid…
      expect(a.election.isLeader()).toBe(true);
      expect(() => fenceA.assertValid()).not.toThrow();
      // …but the conditional write sees generation 2 held by b.
      await expect(write(fenceA, 'Degraded')).rejects.toBeInstanceOf(
        LeaseLostError,
      );
      await waitFor(() => a.onDemoted.mock.calls.length > 0, 'a demoted');
      expect(a.election.isLeader()).toBe(false);
      expect(fenceA.isValid()).toBe(false);
      expect(await stored()).toEqual(['Healthy']);
      // The write rejected, a demoted itself: it did not touch b's lease.
      expect(await lease()).toMatchObject({ holder: 'b' });

      await write(b.fence!, 'Degraded');
      expect(await stored()).toEqual(['Degraded']);
    });

    it('a takeover waits for the fenced write in flight: the write that passed the check commits before the new generation exists', async () => {
      let nowA = 1_000_000;
      const nowB = nowA + 16_000; // for b, a's lease has expired
      const a = replica('a', () => nowA);
      await waitFor(() => a.fence, 'a elected');
      let open!: () => void;
      const gate = new Promise<void>(resolve => {
        open = resolve;
      });
      let checked!: () => void;
      const passedCheck = new Promise<void>(resolve => {
        checked = resolve;
      });
      const writing = a.fence!.run(async trx => {
        checked();
        await gate;
        await trx('gitops_live_status').insert({
          repository_id: 'demo',
          service: 'checkout',
          environment: 'prod',
          health: 'Healthy',
          sync: 'Synced',
          observed_versions: '[]',
          fingerprint: 'x',
          updated_at_ms: 1,
        });
      });
      await passedCheck;
      const b = new LeaderElection({
        db: knex,
        name: 'cluster-watcher',
        holder: 'b',
        logger: mockServices.logger.mock(),
        ttlMs: 15_000,
        now: () => nowB,
        onElected: () => undefined,
        onDemoted: () => undefined,
      });
      let acquired: boolean | undefined;
      const taking = b.tryAcquire().then(r => {
        acquired = r;
      });
      await new Promise(r => setTimeout(r, 300));
      expect(acquired).toBeUndefined(); // blocked behind a's transaction
      open();
      await writing;
      await taking;
      expect(acquired).toBe(true);
      expect(await stored()).toEqual(['Healthy']);
      nowA += 1_000;
      await expect(write(a.fence!, 'Degraded')).rejects.toBeInstanceOf(
        LeaseLostError,
      );
      expect(await stored()).toEqual(['Healthy']);
    });

    it('a leader whose lease expired with nobody taking over is demoted (refused write or failed renewal, whichever comes first), then elected again with a new generation and fence; the old fence stays refused', async () => {
      let now = 1_000_000;
      let fences: LeaseFence[] = [];
      const onDemoted = jest.fn();
      const a = new LeaderElection({
        db: knex,
        name: 'cluster-watcher',
        holder: 'a',
        logger: mockServices.logger.mock(),
        ttlMs: 15_000,
        renewMs: 20,
        now: () => now,
        onElected: fence => {
          fences = [...fences, fence];
        },
        onDemoted,
      });
      started.push(a);
      a.start();
      // Elected, then the clock jumps past the expiry between two renewals
      // (the event loop was blocked): the renewal cannot save it anymore.
      await waitFor(() => fences.length === 1, 'a elected');
      const jump = a.fence()!;
      now += 16_000;
      await expect(write(jump, 'Healthy')).rejects.toBeInstanceOf(
        LeaseLostError,
      );
      await waitFor(() => fences.length === 2, 'a elected again');
      expect(onDemoted).toHaveBeenCalledTimes(1);
      expect(fences.map(f => f.generation)).toEqual([1, 2]);
      expect(jump.isValid()).toBe(false);
      await expect(write(jump, 'Degraded')).rejects.toBeInstanceOf(
        LeaseLostError,
      );
      await write(fences[1], 'Healthy');
      expect(await stored()).toEqual(['Healthy']);
    });

    it('a renewal keeps the generation: the fence stays valid across renewals', async () => {
      let now = 1_000_000;
      const a = replica('a', () => now, 20);
      await waitFor(() => a.fence, 'a elected');
      for (let i = 0; i < 3; i++) {
        const renewedBefore = Number((await lease()).renewed_at_ms);
        now += 10_000; // more than ttl in total, renewed in between
        await waitFor(
          async () => Number((await lease()).renewed_at_ms) > renewedBefore,
          'a renewal',
        );
        await write(a.fence!, i % 2 ? 'Healthy' : 'Degraded');
      }
      expect(a.fence!.generation).toBe(1);
      expect(a.onDemoted).not.toHaveBeenCalled();
    });
  },
);
