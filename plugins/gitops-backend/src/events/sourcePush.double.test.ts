/*
 * Issue #11: "`push` to a source repository → keep its commits from the
 * payload so correlation needs fewer requests". The service's source
 * repository is on the GitHub API double (a real HTTP server over a real
 * Git repository, counting requests); its `push` webhooks go through
 * Backstage's events backend and GitHub module (signature checked). A
 * version built from a pushed commit (an image tagged with its full sha)
 * is resolved without asking GitHub; one that no push announced costs the
 * request it always did.
 */
import { TestDatabases } from '@backstage/backend-test-utils';
import eventsPlugin from '@backstage/plugin-events-backend';
import { GitHubApiDouble, start } from '@gitops2/github-api-double';
import { WritePathHarness } from '../promotion/__testUtils__/WritePathHarness';
import { GitRepoFixture } from '../testing/GitRepoFixture';
import {
  deliver,
  githubEventsModules,
  pushPayload,
  sharedEventsService,
} from './__testUtils__/githubWebhook';

jest.setTimeout(120_000);

const databases = TestDatabases.create({ ids: ['SQLITE_3'] });
const SECRET = 'webhook-secret-for-tests';
const RESOLVE = 'GET /repos/{owner}/{repo}/commits/{ref}';
const short = (sha: string) => sha.slice(0, 12);

describe('push webhooks of a source repository', () => {
  let h: WritePathHarness;
  let src: GitRepoFixture;
  let double: GitHubApiDouble;
  afterEach(async () => {
    await double?.close();
    h?.cleanup();
    src?.cleanup();
  });

  it('resolve the versions built from pushed commits without a GitHub request; an unannounced version still costs one', async () => {
    src = new GitRepoFixture('gitops-src-push-');
    src.write('README.md', '# cart\n');
    const c0 = src.commit('chore: scaffold');
    src.write('a.ts', 'export const a = 1;\n');
    const c1 = src.commit('feat: a [SHOP-1]');
    src.write('b.ts', 'export const b = 1;\n');
    const c2 = src.commit('feat: b [SHOP-2]');
    src.write('c.ts', 'export const c = 1;\n');
    const c3 = src.commit('feat: c [SHOP-3]');

    h = new WritePathHarness();
    h.bump('cart', ['dev'], short(c0));
    h.entityAnnotations.set('cart', { 'github.com/project-slug': 'acme/cart' });
    double = await start({ repos: [{ slug: 'acme/cart', from: src.dir }] });
    await h.start(
      databases,
      'SQLITE_3',
      {},
      {
        rootConfig: {
          integrations: {
            github: [
              { host: 'github.com', apiBaseUrl: double.url, token: 'x' },
            ],
          },
          events: { modules: { github: { webhookSecret: SECRET } } },
        },
        features: [
          eventsPlugin,
          ...githubEventsModules(),
          sharedEventsService(),
        ],
      },
    );
    const resolves = () => double.count({ route: RESOLVE, repo: 'acme/cart' });
    const changeSetOf = async (version: string) => {
      const rollouts = await h
        .as('alice')
        .get('/v1/entities/default/component/cart/rollouts');
      const rollout = rollouts.body.items.find(
        (r: any) => r.environment === 'dev' && r.toVersion === version,
      );
      expect(rollout).toBeDefined();
      return (await h.as('alice').get(`/v1/rollouts/${rollout.id}/change-set`))
        .body;
    };
    // Correlation has read the repository once: c0 replaced the harness's
    // `v1`, which names no commit of it.
    expect((await changeSetOf(short(c0))).status).toBe('unmapped');
    expect(resolves()).toBeGreaterThan(0);

    // Two pushes to main (signed webhooks): c1, then c2.
    for (const [before, sha, message] of [
      [c0, c1, 'feat: a [SHOP-1]'],
      [c1, c2, 'feat: b [SHOP-2]'],
    ]) {
      const payload = {
        ...pushPayload('acme/cart', 'main', sha),
        before,
        commits: [{ id: sha, message, distinct: true }],
        head_commit: { id: sha, message },
      };
      expect(
        (await deliver(h.server, { event: 'push', payload, secret: SECRET }))
          .status,
      ).toBe(202);
    }

    // Deployed by their full shas: resolved, and not one request to do so.
    // (Short shas go to GitHub: a prefix is unique among the pushed commits
    // only, and one can be crafted to share it.)
    double.resetRequests();
    for (const [sha, key] of [
      [c1, 'SHOP-1'],
      [c2, 'SHOP-2'],
    ]) {
      h.bump('cart', ['dev'], sha);
      await h.refresh();
      const changeSet = await h.eventually(async () => {
        const cs = await changeSetOf(sha);
        return cs.status === 'resolved' && cs;
      });
      expect(changeSet.added.map((c: any) => c.sha)).toEqual([sha]);
      expect(changeSet.issueKeys).toEqual([expect.objectContaining({ key })]);
    }
    expect(resolves()).toBe(0);

    // A version no push announced: the request it always cost.
    h.bump('cart', ['dev'], c3);
    await h.refresh();
    await h.eventually(
      async () => (await changeSetOf(c3)).status === 'resolved',
    );
    expect(resolves()).toBe(1);
  });
});
