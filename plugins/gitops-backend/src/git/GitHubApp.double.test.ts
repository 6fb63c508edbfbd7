/*
 * The plugin as installed, authenticated as a GitHub App through Backstage's
 * own `integrations.github[].apps` (ScmIntegrations and its credentials
 * provider), against the GitHub API double over HTTP: the GitOps
 * repository is read and a promotion opens its pull request, the service's
 * GitHub source repository (`github.com/project-slug`) is correlated
 * through GraphQL, all with the installation token the double minted; an
 * hour later the token has expired, a new one is minted and used. On
 * github.com and on a GitHub Enterprise Server host (`/api/v3`,
 * `/api/graphql`).
 */
import { generateKeyPairSync } from 'node:crypto';
import { TestDatabases } from '@backstage/backend-test-utils';
import { GitHubApiDouble, start } from '@gitops2/github-api-double';
import { Octokit } from '@octokit/rest';
import { WritePathHarness } from '../promotion/__testUtils__/WritePathHarness';
import { GitRepoFixture, kustomization } from '../testing/GitRepoFixture';

// Octokit's throttling spaces GitHub writes about a second apart.
jest.setTimeout(120_000);

const databases = TestDatabases.create({ ids: ['SQLITE_3'] });
const APP_ID = 4242;
const MINT = 'POST /app/installations/{installation_id}/access_tokens';
const LIST = 'GET /app/installations';
const short = (sha: string) => sha.slice(0, 12);

// A GitHub App's key as GitHub hands it out (PKCS#1 PEM).
const keys = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  publicKeyEncoding: { type: 'spki', format: 'pem' },
  privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
});

/**
 * Date.now, which the test moves on (Backstage's token cache, the JWTs of
 * @octokit/auth-app and the double read it). Only ever forwards: Octokit's
 * throttling schedules writes on it, process-wide.
 */
const clock = { skew: 0 };
beforeAll(() => {
  const realNow = Date.now.bind(Date);
  jest.spyOn(Date, 'now').mockImplementation(() => realNow() + clock.skew);
});
afterAll(() => jest.restoreAllMocks());

describe.each([
  { host: 'github.com', prefix: '', graphqlPath: '/graphql' },
  { host: 'ghe.example.com', prefix: '/api/v3', graphqlPath: '/api/graphql' },
])(
  'GitHub App installation tokens on $host',
  ({ host, prefix, graphqlPath }) => {
    let h: WritePathHarness;
    let src: GitRepoFixture;
    let double: GitHubApiDouble;
    afterEach(async () => {
      await double?.close();
      h?.cleanup();
      src?.cleanup();
    });

    /**
     * Every request of the backend (the plugin's, and Backstage's
     * credentials provider's on the app endpoints), with the credential
     * the double accepted; not the test's own.
     */
    const seen = () =>
      double.requests().filter(r => !r.userAgent?.includes('test-person'));

    it('reads, correlates a GitHub source repository (REST and GraphQL) and opens a pull request with the installation token; mints and uses a new one after it expires', async () => {
      // The service's source repository: a feature merged by pull request.
      src = new GitRepoFixture('gitops-app-src-');
      src.write('README.md', '# cart\n');
      const c0 = src.commit('chore: scaffold');
      src.git('checkout', '-q', '-b', 'SHOP-1-coupons');
      src.write('coupons.ts', 'export {};\n');
      const b1 = src.commit('feat: coupons');
      src.git('checkout', '-q', 'main');

      h = new WritePathHarness();
      h.bump('cart', ['dev', 'staging', 'prod-us', 'prod-eu'], short(c0));
      h.groups.set('erin', ['group:default/release-eu']);
      h.entityAnnotations.set('cart', {
        'github.com/project-slug': 'acme/cart',
        ...(host === 'github.com'
          ? {}
          : {
              'backstage.io/source-location': `url:https://${host}/acme/cart/tree/main/`,
            }),
      });
      double = await start({
        repos: [
          { slug: 'acme/gitops', from: h.repo.dir },
          { slug: 'acme/cart', from: src.dir },
        ],
        htmlBaseUrl: `https://${host}`,
        apps: [{ id: APP_ID, publicKey: keys.publicKey }],
        // Follows Date.now, which the test moves an hour on.
        now: () => Date.now(),
      });
      const apiBaseUrl = `${double.url}${prefix}`;

      // On GitHub (by a person, with their own token): the pull request is
      // opened and merged; CI deploys the merge to dev and staging.
      const person = new Octokit({
        baseUrl: apiBaseUrl,
        auth: 'ghp_person',
        userAgent: 'test-person',
        log: { debug() {}, info() {}, warn() {}, error() {} },
      });
      const { data: pr } = await person.rest.pulls.create({
        owner: 'acme',
        repo: 'cart',
        head: 'SHOP-1-coupons',
        base: 'main',
        title: 'Coupons [SHOP-1]',
      });
      const m1 = await double.mergePullRequest('acme/cart', pr.number);
      await double.pushCommit('acme/gitops', 'main', {
        files: Object.fromEntries(
          ['dev', 'staging'].map(env => [
            `apps/cart/${env}/kustomization.yaml`,
            kustomization(short(m1)),
          ]),
        ),
        message: 'deploy cart to dev and staging',
      });
      double.resetRequests();

      await h.start(
        databases,
        'SQLITE_3',
        {
          repositories: [
            {
              id: 'demo',
              provider: 'github',
              url: `https://${host}/acme/gitops`,
            },
          ],
        },
        {
          rootConfig: {
            integrations: {
              github: [
                {
                  host,
                  apiBaseUrl,
                  apps: [
                    {
                      appId: APP_ID,
                      privateKey: keys.privateKey,
                      clientId: 'Iv1.0123456789abcdef',
                      clientSecret: 'client-secret-for-tests',
                      webhookSecret: 'webhook-secret-for-tests',
                    },
                  ],
                },
              ],
            },
          },
        },
      );

      // Correlated: the staging rollout of the merge has the pull request
      // (GraphQL) and its commits (REST), linked on the host.
      const rollouts = await h
        .as('alice')
        .get('/v1/entities/default/component/cart/rollouts');
      expect(rollouts.status).toBe(200);
      const staging = rollouts.body.items.find(
        (r: any) => r.environment === 'staging' && r.toVersion === short(m1),
      );
      expect(staging).toBeDefined();
      const changeSet = await h
        .as('alice')
        .get(`/v1/rollouts/${staging.id}/change-set`);
      expect(changeSet.body).toMatchObject({
        status: 'resolved',
        issueKeys: [expect.objectContaining({ key: 'SHOP-1' })],
      });
      expect(changeSet.body.added.map((c: any) => c.sha).sort()).toEqual(
        [b1, m1].sort(),
      );
      expect(changeSet.body.pullRequests).toEqual([
        expect.objectContaining({
          number: pr.number,
          url: `https://${host}/acme/cart/pull/${pr.number}`,
        }),
      ]);

      // A promotion to prod-eu, approved: its pull request is opened.
      const requested = await h
        .as('alice')
        .promote(
          { sourceEnvironment: 'staging', environments: ['prod-eu'] },
          'app-promotion-1',
        );
      expect(requested.body.state).toBe('awaiting-approval');
      const open = await h.as('erin').approve(requested.body.id);
      expect(open.body.state).toBe('pull-request-open');
      expect(open.body.pullRequestUrl).toBe(
        `https://${host}/acme/gitops/pull/1`,
      );
      expect(
        (await double.pullRequests('acme/gitops')).map(p => p.title),
      ).toHaveLength(1);

      // What the double saw: the app's JWT on the app endpoints only, one
      // installation token minted, and that token on every other request,
      // REST and GraphQL, on the host's API paths.
      const first = seen();
      expect(double.count(MINT)).toBe(1);
      const [token1] = double.apps.mintedTokens();
      expect(token1.token).toMatch(/^ghs_/);
      const asApp = first.filter(r => r.route === LIST || r.route === MINT);
      expect(asApp.map(r => [r.route, r.status, r.credential])).toEqual([
        [LIST, 200, { kind: 'app-jwt', appId: APP_ID }],
        [MINT, 201, { kind: 'app-jwt', appId: APP_ID }],
      ]);
      const asInstallation = first.filter(r => !asApp.includes(r));
      const routes = new Set(asInstallation.map(r => r.route));
      for (const route of [
        'POST /graphql',
        'GET /repos/{owner}/{repo}/commits/{ref}',
        'GET /repos/{owner}/{repo}/compare/{basehead}',
        'POST /repos/{owner}/{repo}/git/commits',
        'POST /repos/{owner}/{repo}/pulls',
      ]) {
        expect(routes).toContain(route);
      }
      expect(
        new Set(asInstallation.map(r => JSON.stringify(r.credential))),
      ).toEqual(
        new Set([
          JSON.stringify({
            kind: 'installation-token',
            appId: APP_ID,
            installationId: token1.installationId,
            mint: 1,
          }),
        ]),
      );
      expect(
        asInstallation.filter(r => r.status === 401 || r.status === 403),
      ).toEqual([]);
      for (const r of first) {
        expect(
          r.path.startsWith(
            r.route === 'POST /graphql' ? graphqlPath : `${prefix}/`,
          ),
        ).toBe(true);
      }

      // An hour later: the first token has expired (the double refuses it).
      clock.skew += 61 * 60_000;
      const stale = await fetch(`${apiBaseUrl}/repos/acme/gitops`, {
        headers: { authorization: `token ${token1.token}` },
      });
      expect(stale.status).toBe(401);

      // A fix is merged in the source repository and deployed to dev.
      const s2 = await double.pushCommit('acme/cart', 'main', {
        files: { 'coupons.ts': 'export const rounding = 2;\n' },
        message: 'fix: coupon rounding (SHOP-2)',
      });
      await double.pushCommit('acme/gitops', 'main', {
        files: {
          'apps/cart/dev/kustomization.yaml': kustomization(short(s2)),
        },
        message: 'deploy cart fix to dev',
      });
      double.resetRequests();
      await h.refresh();

      // A second token was minted with a fresh JWT, and every request of
      // the ingestion and the correlation carried it.
      expect(double.count(MINT)).toBe(1);
      const token2 = double.apps.mintedTokens()[1];
      expect(token2.seq).toBe(2);
      const after = seen().filter(r => r.route !== LIST && r.route !== MINT);
      expect(after.map(r => r.route)).toContain('POST /graphql');
      expect(after.length).toBeGreaterThan(1);
      expect(
        after.filter(
          r =>
            r.credential?.kind !== 'installation-token' ||
            r.credential.mint !== 2,
        ),
      ).toEqual([]);
      const dev = (
        await h.as('alice').get('/v1/entities/default/component/cart/rollouts')
      ).body.items.find(
        (r: any) => r.environment === 'dev' && r.toVersion === short(s2),
      );
      const devChanges = await h
        .as('alice')
        .get(`/v1/rollouts/${dev.id}/change-set`);
      expect(devChanges.body).toMatchObject({
        status: 'resolved',
        issueKeys: [expect.objectContaining({ key: 'SHOP-2' })],
      });
      expect(devChanges.body.added.map((c: any) => c.sha)).toEqual([s2]);
    });
  },
);
