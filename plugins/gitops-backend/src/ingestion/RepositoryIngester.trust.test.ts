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
    it('believes the trailers of a merge commit that matches a merge intent the portal recorded before asking the Git host (both parents, the message and the tree), and of no merge commit that differs from it', async () => {
      const base = repo.head();
      repo.git('checkout', '-q', '-b', 'gitops/rollback-42');
      repo.write('apps/cart/prod-eu/kustomization.yaml', kustomization('v2'));
      const reviewed = repo.commit('restore cart in prod-eu');
      repo.git('checkout', '-q', 'main');
      const message = `Merge rollback #42 (gitops/rollback-42)\n\n${CLAIMS.replace(
        'user:default/admin',
        'user:default/alice',
      )}`;
      repo.git('merge', '--no-ff', '-q', '-m', message, 'gitops/rollback-42');
      const merged = repo.head();
      const knex = await databases.init(databaseId);
      const { store, ingest, rollouts } = await ingestionHarness(knex, repo);
      // GitHub stores the message with a trailing newline or without.
      await store.recordPortalMergeIntent(
        'demo',
        {
          baseSha: base,
          headSha: reviewed,
          message: `${message}\n`,
          treeSha: repo.git('rev-parse', `${reviewed}^{tree}`),
        },
        '42',
      );
      const commit = {
        sha: merged,
        parents: [base, reviewed],
        message,
        treeSha: repo.git('rev-parse', `${merged}^{tree}`),
      };
      const other = 'c'.repeat(40);
      expect(
        await store.portalCommitsOf('demo', [
          commit,
          // Another message, another first parent, one parent:
          { ...commit, sha: 'd'.repeat(40), message: `${message} (edited)` },
          { ...commit, sha: 'e'.repeat(40), parents: [other, reviewed] },
          { ...commit, sha: 'f'.repeat(40), parents: [reviewed] },
          // Another tree (same parents and message, other content):
          { ...commit, sha: 'a'.repeat(40), treeSha: 'b'.repeat(40) },
        ]),
      ).toEqual(new Set([merged]));
      expect(await store.portalCommitsOf('other-repo', [commit])).toEqual(
        new Set(),
      );

      await ingest();
      const [last] = (await rollouts('prod-eu')).slice(-1);
      expect([last.commit_sha, last.line, last.initiator]).toEqual([
        merged,
        'prod-eu v1→v2 rollback',
        'user:default/alice',
      ]);
    });
  },
);
