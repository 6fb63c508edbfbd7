/*
 * Found by a hostile review: a merge intent bound the merge commit's
 * parents and message, not its content. Someone who can push to main while an
 * intent is outstanding (the portal recorded it, then GitHub refused or
 * never answered the PUT) makes a merge commit by hand with the same two
 * parents and the same message but other content: ingestion must not
 * believe its portal trailers (Gitops-Kind / Gitops-Initiator).
 */
import { TestDatabases } from '@backstage/backend-test-utils';
import { GitRepoFixture, kustomization } from '../testing/GitRepoFixture';
import { buildHistory, ingestionHarness } from './__testUtils__/harness';

jest.setTimeout(60_000);

const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });

const CLAIMS =
  'Gitops-Kind: rollback\nGitops-Action: 42\nGitops-Initiator: user:default/alice';

describe.each(databases.eachSupportedId())(
  'RepositoryIngester merge intents under attack on %p',
  databaseId => {
    let repo: GitRepoFixture;
    beforeEach(() => {
      repo = new GitRepoFixture();
      buildHistory(repo); // prod-eu runs v1, staging v2, dev v3
    });
    afterEach(() => repo.cleanup());

    it('does not believe the portal trailers of a hand-made merge commit that matches an outstanding intent (parents and message) but carries other content than the reviewed branch', async () => {
      const base = repo.head();
      repo.git('checkout', '-q', '-b', 'gitops/rollback-42');
      repo.write('apps/cart/prod-eu/kustomization.yaml', kustomization('v2'));
      const reviewed = repo.commit('restore cart in prod-eu');
      repo.git('checkout', '-q', 'main');
      const message = `Merge rollback #42 (gitops/rollback-42)\n\n${CLAIMS}`;

      const knex = await databases.init(databaseId);
      const { store, ingest, rollouts } = await ingestionHarness(knex, repo);
      // The portal recorded its intent, then GitHub's PUT failed (405/5xx):
      // nothing merged, the intent stays.
      await store.recordPortalMergeIntent(
        'demo',
        {
          baseSha: base,
          headSha: reviewed,
          message,
          // What the writer records: the reviewed head's tree (main is an
          // ancestor of the branch).
          treeSha: repo.git('rev-parse', `${reviewed}^{tree}`),
        },
        '42',
      );

      // Mallory merges by hand: same parents, same message, her own content.
      repo.git('merge', '--no-ff', '--no-commit', '-q', 'gitops/rollback-42');
      repo.write('apps/cart/prod-eu/kustomization.yaml', kustomization('v9'));
      const forged = repo.commit(message, {
        name: 'Mallory',
        email: 'mallory@example.com',
      });
      expect(repo.git('rev-parse', `${forged}^1`)).toBe(base);
      expect(repo.git('rev-parse', `${forged}^2`)).toBe(reviewed);

      await ingest();
      const [last] = (await rollouts('prod-eu')).slice(-1);
      // v9 is what nobody reviewed: the rollout is Mallory's, not alice's.
      // (Its kind follows the subject's wording, as for any commit by hand:
      // only Gitops-Kind is the portal's to set.)
      expect([last.commit_sha, last.to_version, last.initiator]).toEqual([
        forged,
        'v9',
        'Mallory <mallory@example.com>',
      ]);
      expect(
        await store.portalCommitsOf('demo', [
          {
            sha: forged,
            parents: [base, reviewed],
            message,
            treeSha: repo.git('rev-parse', `${forged}^{tree}`),
          },
        ]),
      ).toEqual(new Set());
    });
  },
);
