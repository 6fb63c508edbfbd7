import { TestDatabases } from '@backstage/backend-test-utils';
import { LedgerStore } from '../../database/LedgerStore';
import { EnvironmentLocks } from './EnvironmentLocks';

jest.setTimeout(60_000);

const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });
const HOLDER = 'the merge of gitops/retire-prod-eu';

/**
 * The environment locks an environment change's merge holds, in the table
 * actions lock environments with: a lease, not an action's lock.
 */
describe.each(databases.eachSupportedId())(
  'environment locks of environment changes on %p',
  databaseId => {
    let now = 1_000_000;
    async function locksOn() {
      const knex = await databases.init(databaseId);
      await LedgerStore.fromKnex(knex); // migrations
      return { knex, locks: new EnvironmentLocks(knex, () => now) };
    }

    it('a change holding prod-eu refuses actions and other changes there with its name, and nothing is left once it released', async () => {
      const { knex, locks } = await locksOn();
      const { token } = await locks.changes.acquire(
        'demo',
        ['prod-eu'],
        HOLDER,
        30_000,
      );
      const refusal = `environment prod-eu is locked by ${HOLDER}, an environment change that takes it away; request this again once that change is merged or closed`;
      await expect(locks.lock('demo', ['prod-eu'], '12')).rejects.toThrow(
        refusal,
      );
      expect(await locks.changes.refusal('demo', ['staging', 'prod-eu'])).toBe(
        refusal,
      );
      expect(await locks.changes.refusal('demo', ['staging'])).toBeUndefined();
      expect(await locks.changes.refusal('other', ['prod-eu'])).toBeUndefined();
      await expect(
        locks.changes.acquire('demo', ['prod-eu'], 'another merge', 30_000),
      ).rejects.toThrow(
        `environment prod-eu is locked by ${HOLDER}; try again once it is done`,
      );
      // Reconciliation does not take a live change lock for a gone action's.
      expect(await locks.releaseFinished()).toBe(0);
      await locks.changes.release('demo', token);
      expect(await knex('gitops_environment_locks')).toEqual([]);
      await locks.lock('demo', ['prod-eu'], '12');
      expect(await locks.holderOf('demo', 'prod-eu')).toBe('12');
    });

    it('a change is refused while an action holds one of its environments, and takes none of them (all or none)', async () => {
      const { knex, locks } = await locksOn();
      await locks.lock('demo', ['prod-us'], '7');
      await expect(
        locks.changes.acquire('demo', ['prod-eu', 'prod-us'], HOLDER, 30_000),
      ).rejects.toThrow(
        'environment prod-us is busy with action #7; wait until it is merged or cancelled',
      );
      expect(
        (await knex('gitops_environment_locks')).map(r => [
          r.environment,
          String(r.action_id),
        ]),
      ).toEqual([['prod-us', '7']]);
    });

    it('a lock left by a merge that crashed expires with its lease: renewing keeps it, then an action takes it over and reconciliation frees the rest', async () => {
      const { knex, locks } = await locksOn();
      const { token } = await locks.changes.acquire(
        'demo',
        ['prod-eu', 'prod-us'],
        HOLDER,
        30_000,
      );
      now += 20_000;
      expect(await locks.changes.renew('demo', token, 2, 30_000)).toBe(
        now + 30_000,
      );
      now += 20_000; // renewed: still live
      await expect(locks.lock('demo', ['prod-eu'], '12')).rejects.toThrow(
        /locked by the merge of gitops\/retire-prod-eu/,
      );
      now += 20_000; // the replica crashed: no renewal for 40 s
      expect(await locks.changes.refusal('demo', ['prod-eu'])).toBeUndefined();
      await locks.lock('demo', ['prod-eu'], '12');
      expect(await locks.holderOf('demo', 'prod-eu')).toBe('12');
      // One of its two locks was taken: the lease is lost, not renewed.
      expect(
        await locks.changes.renew('demo', token, 2, 30_000),
      ).toBeUndefined();
      now += 31_000;
      // prod-us: the change's, expired; prod-eu: action #12's, which is gone.
      expect(await locks.releaseFinished()).toBe(2);
      expect(await knex('gitops_environment_locks')).toEqual([]);
    });
  },
);
