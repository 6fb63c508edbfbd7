import { TestDatabases } from '@backstage/backend-test-utils';
import { LedgerStore } from '../database/LedgerStore';
import { ChangeKeys } from './ChangeKeys';

jest.setTimeout(120_000);

const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });

describe.each(databases.eachSupportedId())('ChangeKeys on %p', dbId => {
  it('two replicas on one database compute the same keys, also after a restart, from one stored secret', async () => {
    const knex = await databases.init(dbId);
    await LedgerStore.fromKnex(knex); // migrations
    // Two replicas starting at once: both insert, the first row wins.
    const [a, b] = [
      ChangeKeys.create({ db: knex }),
      ChangeKeys.create({ db: knex }),
    ];
    const [keyA, keyB] = await Promise.all([
      a.keyOf('demo', 'cart'),
      b.keyOf('demo', 'cart'),
    ]);
    expect(keyA).toMatch(/^[0-9a-f]{32}$/);
    expect(keyB).toBe(keyA);
    const restarted = ChangeKeys.create({ db: knex });
    expect(await restarted.keysOf('demo', 'cart')).toEqual({
      changeKey: keyA,
      repositoryChangeKey: await a.keyOf('demo'),
    });
    expect(await a.keyOf('demo')).not.toBe(keyA);
    expect(await a.keyOf('demo', 'ledger')).not.toBe(keyA);
    const rows = await knex('gitops_signal_key').select('id');
    expect(rows).toHaveLength(1);
  });

  it('another database (another installation) has other keys; a configured secret wins over it', async () => {
    const first = await databases.init(dbId);
    const second = await databases.init(dbId);
    await LedgerStore.fromKnex(first);
    await LedgerStore.fromKnex(second);
    const key = await ChangeKeys.create({ db: first }).keyOf('demo', 'cart');
    expect(
      await ChangeKeys.create({ db: second }).keyOf('demo', 'cart'),
    ).not.toBe(key);
    const configured = 'configured-secret-0123456789';
    expect(
      await ChangeKeys.create({ db: first, keySecret: configured }).keyOf(
        'demo',
        'cart',
      ),
    ).toBe(
      await ChangeKeys.create({ db: second, keySecret: configured }).keyOf(
        'demo',
        'cart',
      ),
    );
  });
});
