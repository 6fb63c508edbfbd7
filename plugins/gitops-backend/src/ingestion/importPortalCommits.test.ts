import { mockServices, TestDatabases } from '@backstage/backend-test-utils';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LedgerStore } from '../database/LedgerStore';
import { importPortalCommits } from './importPortalCommits';

const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });

describe.each(databases.eachSupportedId())(
  'importPortalCommits on %p',
  databaseId => {
    let dir: string;
    beforeEach(() => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'portal-commits-'));
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it('records the listed commits once, skips what is not a full sha, and trusts nothing from a missing file', async () => {
      const store = await LedgerStore.fromKnex(
        await databases.init(databaseId),
      );
      const logger = mockServices.logger.mock();
      const a = 'a'.repeat(40);
      const b = 'b'.repeat(40);
      const file = path.join(dir, 'portal-commits.json');
      fs.writeFileSync(
        file,
        JSON.stringify({
          commits: [{ sha: a, actionId: '7' }, { sha: b }, { sha: 'abc123' }],
        }),
      );
      const run = () =>
        importPortalCommits({ store, repositoryId: 'demo', file, logger });
      expect(await run()).toBe(2);
      expect(await run()).toBe(2);
      expect(
        await store.portalCommitsAmong('demo', [a, b, 'c'.repeat(40)]),
      ).toEqual(new Set([a, b]));
      expect(logger.warn).toHaveBeenCalledWith(
        expect.stringContaining('"abc123"'),
      );

      expect(
        await importPortalCommits({
          store,
          repositoryId: 'demo',
          file: path.join(dir, 'missing.json'),
          logger,
        }),
      ).toBe(0);
      expect(logger.warn).toHaveBeenCalledWith(
        expect.stringMatching(/missing\.json not imported: ENOENT/),
      );
    });
  },
);
