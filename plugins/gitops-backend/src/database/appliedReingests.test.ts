import { resolvePackagePath } from '@backstage/backend-plugin-api';
import { TestDatabases } from '@backstage/backend-test-utils';
import { isReingestApplied } from './appliedReingests';

jest.setTimeout(60_000);

const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });

const directory = resolvePackagePath(
  '@gitops2/plugin-gitops-backend',
  'migrations',
);

describe.each(databases.eachSupportedId())('appliedReingests on %p', id => {
  it('keeps the reingest value a repository had before the migration as applied', async () => {
    const knex = await databases.init(id);
    // Every migration before the one adding gitops_reingest_applied.
    for (;;) {
      const [, pending] = await knex.migrate.list({ directory });
      if (pending[0].file === '20261203100000_reingest_applied.js') break;
      await knex.migrate.up({ directory });
    }
    await knex('gitops_repositories').insert([
      { id: 'demo', commits_ingested: 3, reingest: '2026-12-02' },
      { id: 'other', commits_ingested: 3 },
    ]);
    await knex.migrate.latest({ directory });

    expect(await isReingestApplied(knex, 'demo', '2026-12-02')).toBe(true);
    expect(await isReingestApplied(knex, 'demo', '2026-12-03')).toBe(false);
    expect(await isReingestApplied(knex, 'other', '2026-12-02')).toBe(false);
  });
});
