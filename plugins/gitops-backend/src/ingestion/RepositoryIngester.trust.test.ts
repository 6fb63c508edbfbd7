import { TestDatabases } from '@backstage/backend-test-utils';
import { GitRepoFixture, kustomization } from '../testing/GitRepoFixture';
import { buildHistory, ingestionHarness } from './__testUtils__/harness';

jest.setTimeout(60_000);

const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });

const CLAIMS =
  'Gitops-Kind: rollback\nGitops-Action: 42\nGitops-Initiator: user:default/admin';

describe.each(databases.eachSupportedId())(
  'RepositoryIngester trailers on %p',
  databaseId => {
    let repo: GitRepoFixture;
    beforeEach(() => {
      repo = new GitRepoFixture();
      buildHistory(repo); // prod-eu runs v1, staging v2, dev v3
    });
    afterEach(() => repo.cleanup());

    it('ignores Gitops-Kind, Gitops-Action and Gitops-Initiator on commits the portal did not write: the Git author initiated them, the versions classify them', async () => {
      repo.write('apps/cart/prod-eu/kustomization.yaml', kustomization('v9'));
      repo.commit(`bump cart in prod-eu\n\n${CLAIMS}`, {
        name: 'Mallory',
        email: 'mallory@example.com',
      });
      repo.write('apps/cart/prod-eu/kustomization.yaml', kustomization('v2'));
      repo.commit(
        `bump cart in prod-eu to what staging runs\n\n${CLAIMS.replace(
          'rollback',
          'direct',
        )}`,
      );
      const knex = await databases.init(databaseId);
      const { ingest, rollouts } = await ingestionHarness(knex, repo);
      await ingest();
      const eu = (await rollouts('prod-eu')).slice(-2);
      expect(eu.map(r => [r.line, r.initiator])).toEqual([
        // v9 runs nowhere else: a direct change, not a rollback.
        ['prod-eu v1→v9 direct', 'Mallory <mallory@example.com>'],
        // v2 is staging's version: a promotion, whatever the trailer says.
        ['prod-eu v9→v2 promotion', 'Mallory <mallory@example.com>'],
      ]);
    });

    it('believes the trailers of commits the portal recorded as its own', async () => {
      repo.write('apps/cart/prod-eu/kustomization.yaml', kustomization('v2'));
      const sha = repo.commit(
        `restore cart in prod-eu\n\n${CLAIMS.replace(
          'user:default/admin',
          'user:default/alice',
        )}`,
        { name: 'GitOps Portal', email: 'portal@example.com' },
      );
      const knex = await databases.init(databaseId);
      const { store, ingest, rollouts } = await ingestionHarness(knex, repo);
      // The write path records its commit before ingestion reads it; twice is once.
      await store.recordPortalCommit('demo', sha, '42');
      await store.recordPortalCommit('demo', sha, '42');
      await store.recordPortalCommit('other-repo', sha);
      expect(
        await knex('gitops_portal_commits')
          .where({ repository_id: 'demo' })
          .select('sha', 'action_id'),
      ).toEqual([{ sha, action_id: '42' }]);
      expect(
        await store.portalCommitsAmong('demo', [
          sha,
          repo.git('rev-parse', 'HEAD~1'),
        ]),
      ).toEqual(new Set([sha]));

      await ingest();
      const [last] = (await rollouts('prod-eu')).slice(-1);
      expect([last.line, last.initiator]).toEqual([
        'prod-eu v1→v2 rollback',
        'user:default/alice',
      ]);
    });
  },
);
