/*
 * A pull request of the portal closed on GitHub (the GitHub API double, a
 * real HTTP server over a real bare Git repository) is noticed through its
 * webhook: the action is cancelled at once, without waiting for the
 * scheduled reconciliation (set to an hour here).
 */
import { TestDatabases } from '@backstage/backend-test-utils';
import eventsPlugin from '@backstage/plugin-events-backend';
import type { GitHubApiDouble } from '@gitops2/github-api-double';
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

    /** A production promotion with its pull request open on the double. */
    async function openPullRequest(key: string) {
      h = new WritePathHarness();
      h.bump('cart', ['dev', 'staging'], 'v2');
      h.groups.set('erin', ['group:default/release-eu']);
      double = await h.startOnGitHub(databases, databaseId, {
        rootConfig: {
          events: { modules: { github: { webhookSecret: SECRET } } },
        },
        features: [
          eventsPlugin,
          ...githubEventsModules(),
          sharedEventsService(),
        ],
      });
      const requested = await h
        .as('alice')
        .promote(
          { sourceEnvironment: 'staging', environments: ['prod-eu'] },
          key,
        );
      expect(requested.body.state).toBe('awaiting-approval');
      const open = await h.as('erin').approve(requested.body.id);
      expect(open.body.state).toBe('pull-request-open');
      const id: string = open.body.id;
      const number = Number(
        /\/pull\/(\d+)$/.exec(open.body.pullRequestUrl)![1],
      );

      return { id, number, commitSha: open.body.commitSha as string };
    }

    it('a pull request closed on GitHub cancels its action when the webhook arrives', async () => {
      const { id, number } = await openPullRequest('webhook-closed-01');
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
          headSha: (await h.action(id)).commitSha,
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
      // The environment is free for the next promotion (the unlock precedes
      // the audit row of the same round).
      await h.eventually(async () =>
        (await h.audit()).some(r => r.door === 'reconciliation'),
      );
      expect(
        await h
          .knex('gitops_environment_locks')
          .where({ environment: 'prod-eu' }),
      ).toEqual([]);
    });

    it('a pull request merged on GitHub marks its action merged when the webhook arrives', async () => {
      const { id, number, commitSha } = await openPullRequest(
        'webhook-merged-01',
      );
      await double.mergePullRequest(SLUG, number);
      expect((await h.action(id)).state).toBe('pull-request-open');
      const res = await deliver(h.server, {
        event: 'pull_request',
        payload: pullRequestPayload({
          slug: SLUG,
          action: 'closed',
          number,
          headRef: `gitops/promotion-${id}`,
          headSha: commitSha,
          merged: true,
        }),
        secret: SECRET,
      });
      expect(res.status).toBe(202);
      await h.eventually(async () => (await h.action(id)).state === 'merged');
      // The audit says who merged it, and that the portal's gates did not run.
      const merge = await h.eventually(async () =>
        (
          await h.audit()
        ).find(r => String(r.action_id) === String(id) && r.action === 'merge'),
      );
      expect(merge.message).toMatch(
        /^merged outside the portal by octocat at the reviewed commit [0-9a-f]{12} as [0-9a-f]{12}: the portal did not evaluate its merge gates/,
      );
    });

    // Found by a hostile review: the portal asked GitHub to merge (its
    // intent recorded), GitHub refused; an admin then merged by hand.
    it('a pull request merged by hand after GitHub refused the portal its merge is audited as merged outside the portal, not as the portal merge', async () => {
      const { id, number, commitSha } = await openPullRequest(
        'webhook-refused-01',
      );
      double.faults.inject({
        match: 'PUT /repos/{owner}/{repo}/pulls/{pull_number}/merge',
        status: 405,
        message: 'Required status check "ci" is expected.',
        times: 5,
      });
      const refused = await h.as('erin').merge(id);
      expect(refused.status).toBeGreaterThanOrEqual(400);
      expect((await h.action(id)).state).toBe('pull-request-open');
      double.faults.reset();
      await double.mergePullRequest(SLUG, number);
      await deliver(h.server, {
        event: 'pull_request',
        payload: pullRequestPayload({
          slug: SLUG,
          action: 'closed',
          number,
          headRef: `gitops/promotion-${id}`,
          headSha: commitSha,
          merged: true,
        }),
        secret: SECRET,
      });
      const merge = await h.eventually(async () =>
        (
          await h.audit()
        ).find(
          r =>
            String(r.action_id) === String(id) &&
            r.action === 'merge' &&
            r.result === 'succeeded',
        ),
      );
      expect(merge.message).toMatch(/^merged outside the portal by octocat/);
    });

    // Found by a hostile review: someone pushed to the portal's branch after
    // the approval and merged the pull request by hand; the action was
    // recorded as merged (follow-up steps, holds) for content nobody approved.
    it('a pull request merged on GitHub at another head than the reviewed commit fails its action: not recorded as merged, the environment freed', async () => {
      const { id, number, commitSha } = await openPullRequest(
        'webhook-moved-01',
      );
      const branch = `gitops/promotion-${id}`;
      const pushed = await double.pushCommit(SLUG, branch, {
        files: { 'apps/cart/prod-eu/extra.yaml': 'kind: ConfigMap\n' },
        message: 'sneaked in after the approval',
      });
      const mergeSha = await double.mergePullRequest(SLUG, number);
      const res = await deliver(h.server, {
        event: 'pull_request',
        payload: pullRequestPayload({
          slug: SLUG,
          action: 'closed',
          number,
          headRef: branch,
          headSha: pushed,
          merged: true,
        }),
        secret: SECRET,
      });
      expect(res.status).toBe(202);
      const failed = await h.eventually(async () => {
        const a = await h.action(id);
        return a.state === 'failed' && a;
      });
      expect(failed.error).toContain(
        `merged outside the portal at ${pushed.slice(
          0,
          12,
        )}, not at the reviewed commit ${commitSha.slice(0, 12)}`,
      );
      // The portal's merge is not claimed: the merge commit stays unrecorded.
      expect(failed.commitSha).toBe(commitSha);
      expect(failed.commitSha).not.toBe(mergeSha);
      // The unlock precedes the audit row of the same round.
      const audit = await h.eventually(async () => {
        const rows = await h.audit();
        return rows.some(r => r.door === 'reconciliation') && rows;
      });
      expect(
        await h
          .knex('gitops_environment_locks')
          .where({ environment: 'prod-eu' }),
      ).toEqual([]);
      expect(audit).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            door: 'reconciliation',
            result: 'failed',
            message: failed.error,
          }),
        ]),
      );
    });
  },
);
