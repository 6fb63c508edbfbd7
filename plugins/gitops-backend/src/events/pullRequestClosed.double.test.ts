/*
 * A pull request of the portal closed on GitHub (the GitHub API double, a
 * real HTTP server over a real bare Git repository) is noticed through its
 * webhook: the action is cancelled at once, without waiting for the
 * scheduled reconciliation (set to an hour here).
 */
import { TestDatabases } from '@backstage/backend-test-utils';
import eventsPlugin from '@backstage/plugin-events-backend';
import { GitHubApiDouble, start } from '@gitops2/github-api-double';
import { WritePathHarness } from '../promotion/__testUtils__/WritePathHarness';
import {
  deliver,
  githubEventsModules,
  sharedEventsService,
  pullRequestPayload,
} from './__testUtils__/githubWebhook';

// Octokit's throttling spaces GitHub writes about a second apart.
jest.setTimeout(120_000);

const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });
const SLUG = 'acme/gitops';
const SECRET = 'webhook-secret-for-tests';

describe.each(databases.eachSupportedId())(
  'pull request webhooks on %p',
  databaseId => {
    let h: WritePathHarness;
    let double: GitHubApiDouble;
    afterEach(async () => {
      await double?.close();
      h?.cleanup();
    });

    it('a pull request closed on GitHub cancels its action when the webhook arrives', async () => {
      h = new WritePathHarness();
      h.bump('cart', ['dev', 'staging'], 'v2');
      h.groups.set('erin', ['group:default/release-eu']);
      double = await start({ repos: [{ slug: SLUG, from: h.repo.dir }] });
      await h.start(
        databases,
        databaseId,
        {
          repositories: [
            {
              id: 'demo',
              provider: 'github',
              url: `https://github.com/${SLUG}`,
            },
          ],
        },
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
      const requested = await h
        .as('alice')
        .promote(
          { sourceEnvironment: 'staging', environments: ['prod-eu'] },
          'webhook-closed-01',
        );
      expect(requested.body.state).toBe('awaiting-approval');
      const open = await h.as('erin').approve(requested.body.id);
      expect(open.body.state).toBe('pull-request-open');
      const id: string = open.body.id;
      const number = Number(
        /\/pull\/(\d+)$/.exec(open.body.pullRequestUrl)![1],
      );

      await double.closePullRequest(SLUG, number);
      // Closed on GitHub, but the portal has not heard of it yet.
      expect((await h.action(id)).state).toBe('pull-request-open');

      const res = await deliver(h.server, {
        event: 'pull_request',
        payload: pullRequestPayload({
          slug: SLUG,
          action: 'closed',
          number,
          headRef: `gitops/promotion-${id}`,
          headSha: open.body.commitSha,
          merged: false,
        }),
        secret: SECRET,
      });
      expect(res.status).toBe(202);
      const cancelled = await h.eventually(async () => {
        const a = await h.action(id);
        return a.state === 'cancelled' && a;
      });
      expect(cancelled.state).toBe('cancelled');
      // The environment is free for the next promotion.
      expect(
        await h
          .knex('gitops_environment_locks')
          .where({ environment: 'prod-eu' }),
      ).toEqual([]);
    });
  },
);
