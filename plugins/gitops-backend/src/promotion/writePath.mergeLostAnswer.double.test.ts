/*
 * Found by a hostile review: GitHub merges the pull request but the answer to
 * the PUT is lost (a 502 after the merge was applied, as a proxy or GitHub
 * itself does). Octokit retries the PUT, which GitHub then refuses (405: the
 * pull request is merged already). The portal's answer must not say the
 * merge failed while Git has it.
 */
import { TestDatabases } from '@backstage/backend-test-utils';
import type { GitHubApiDouble } from '@gitops2/github-api-double';
import { WritePathHarness } from './__testUtils__/WritePathHarness';

// Octokit's throttling spaces GitHub writes about a second apart.
jest.setTimeout(120_000);

const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });
const SLUG = 'acme/gitops';
const MERGES = 'PUT /repos/{owner}/{repo}/pulls/{pull_number}/merge';

describe.each(databases.eachSupportedId())(
  'a GitHub merge whose answer is lost on %p',
  databaseId => {
    let h: WritePathHarness;
    let double: GitHubApiDouble;
    afterEach(async () => {
      await double?.close();
      h?.cleanup();
    });

    it('a merge GitHub applied but answered with a 502 is never answered "merging failed": the action is merged (or a 503 says the merge is in Git)', async () => {
      h = new WritePathHarness();
      h.bump('cart', ['dev', 'staging'], 'v2');
      h.groups.set('erin', ['group:default/release-eu']);
      double = await h.startOnGitHub(databases, databaseId);
      const requested = await h
        .as('alice')
        .promote(
          { sourceEnvironment: 'staging', environments: ['prod-eu'] },
          'merge-lost-01',
        );
      const open = await h.as('erin').approve(requested.body.id);
      expect(open.body.state).toBe('pull-request-open');
      const id: string = open.body.id;
      const main = (await double.branchHead(SLUG, 'main'))!;

      double.faults.inject({
        match: { route: MERGES },
        status: 502,
        phase: 'after',
      });
      const res = await h.as('erin').merge(id);
      const merged = (await double.branchHead(SLUG, 'main'))!;
      expect(merged).not.toBe(main); // Git has the merge
      const statuses = double.requests(MERGES).map(r => r.status);
      const answer = [res.status, res.body.state ?? res.body.error?.message];
      // Either the merge is adopted (200 merged) or a 503 says it is in Git;
      // a 409 "merging … failed" is a lie.
      expect({ statuses, answer, action: (await h.action(id)).state }).toEqual({
        statuses,
        answer: [200, 'merged'],
        action: 'merged',
      });
    });

    // Found by a hostile review: the same for a direct write (a rollback).
    it('a direct rollback whose ref update GitHub applied but whose answer was lost is recorded merged with its hold, never failed', async () => {
      h = new WritePathHarness();
      h.bump('cart', ['dev', 'staging'], 'v2');
      double = await h.startOnGitHub(databases, databaseId);
      double.faults.inject({
        match: { route: 'PATCH /repos/{owner}/{repo}/git/refs/{ref}' },
        kind: 'reset',
        phase: 'after',
        times: 10,
      });
      const res = await h
        .as('alice')
        .rollback(
          { environment: 'staging', version: 'v1', reason: 'v2 is broken' },
          'direct-lost-01',
        );
      double.faults.reset();
      expect(
        await double.readFile(
          SLUG,
          'main',
          'apps/cart/staging/kustomization.yaml',
        ),
      ).toContain('newTag: v1');
      const [row] = await h
        .knex('gitops_actions')
        .where({ kind: 'rollback' })
        .select('id', 'state', 'error');
      expect({
        status: res.status,
        state: row.state,
        error: row.error,
      }).toEqual({
        status: 201,
        state: 'merged',
        error: null,
      });
      expect(
        (await h.knex('gitops_holds').where({ action_id: row.id })).map(
          (r: any) => r.version,
        ),
      ).toEqual(['v2']);
    });
  },
);
