/*
 * GitHub Apps on the double: the app's JWT (RS256 with its private key)
 * lists installations and mints installation tokens; those tokens work on
 * REST and GraphQL within their installation and permissions, and are
 * refused once expired. Bodies validated against GitHub's OpenAPI.
 */
import { generateKeyPairSync, KeyObject, sign } from 'node:crypto';
import { start } from './server';
import type { GitHubApiDouble } from './api';
import { createSourceRepo, SourceRepo } from './__testUtils__/sourceRepo';
import { failure, octokitFor, SLUG } from './__testUtils__/octokit';
import { GitHubOpenApi } from './__testUtils__/openapi';

// Three RSA keys and GitHub's 13 MB OpenAPI description to load.
jest.setTimeout(60_000);

const APP_ID = 4242;
const READER_ID = 5151;
const MINT = 'POST /app/installations/{installation_id}/access_tokens';

function keyPair() {
  return generateKeyPairSync('rsa', { modulusLength: 2048 });
}

/** A JWT as @octokit/auth-app (universal-github-app-jwt) makes it. */
function appJwt(
  privateKey: KeyObject,
  claims: { iss: number | string; iat: number; exp: number },
): string {
  const b64 = (o: object) =>
    Buffer.from(JSON.stringify(o)).toString('base64url');
  const unsigned = `${b64({ alg: 'RS256', typ: 'JWT' })}.${b64(claims)}`;
  const signature = sign('RSA-SHA256', Buffer.from(unsigned), privateKey);
  return `${unsigned}.${signature.toString('base64url')}`;
}

describe('github-api-double: GitHub Apps and installation tokens', () => {
  const key = keyPair();
  const readerKey = keyPair();
  const stranger = keyPair();
  let spec: GitHubOpenApi;
  let src: SourceRepo;
  let double: GitHubApiDouble;
  let clock = Date.UTC(2026, 0, 1, 12);
  const seconds = () => Math.floor(clock / 1000);
  const jwt = (k = key.privateKey, iss: number | string = APP_ID) =>
    appJwt(k, { iss, iat: seconds() - 30, exp: seconds() + 570 });

  beforeAll(async () => {
    spec = GitHubOpenApi.load();
    src = createSourceRepo(2);
    double = await start({
      now: () => clock,
      repos: [
        { slug: SLUG, from: src.dir },
        { slug: 'acme/private', from: src.dir },
        { slug: 'other/lib', from: src.dir },
      ],
      apps: [
        {
          id: APP_ID,
          clientId: 'Iv1.0123456789abcdef',
          publicKey: key.publicKey,
        },
        {
          id: READER_ID,
          publicKey: readerKey.privateKey,
          installations: [
            {
              id: 77,
              account: 'acme',
              repositories: ['gitops'],
              permissions: { contents: 'read', pull_requests: 'read' },
            },
          ],
          tokenLifetimeSeconds: 600,
        },
      ],
    });
  });
  afterAll(async () => {
    await double?.close();
    src?.remove();
  });

  // This version of GitHub's description types an installation's `account`
  // as `allOf: [simple-user, enterprise]` (both at once, which no account
  // is; GitHub sends a simple user); those errors are set aside, the rest
  // of the body is checked.
  const expectValid = (operationId: string, status: number, body: unknown) =>
    expect(
      spec
        .validate(operationId, status, body)
        .filter(e => !/^(\/\d+)?\/account |\.account\.user_view_type /.test(e)),
    ).toEqual([]);

  it("lists installations, finds a repository's, and mints a ghs_ token valid one hour (bodies as in GitHub's OpenAPI)", async () => {
    const app = octokitFor(double.url, jwt());
    const { data: installations } = await app.request('GET /app/installations');
    expectValid('apps/list-installations', 200, installations);
    // One installation per owner of the served repositories, all repositories.
    expect(
      installations.map((i: any) => [
        i.account.login,
        i.app_id,
        i.repository_selection,
      ]),
    ).toEqual([
      ['acme', APP_ID, 'all'],
      ['other', APP_ID, 'all'],
    ]);
    const { data: forRepo } = await app.request(
      'GET /repos/{owner}/{repo}/installation',
      { owner: 'acme', repo: 'gitops' },
    );
    expectValid('apps/get-repo-installation', 200, forRepo);
    expect(forRepo.id).toBe(installations[0].id);

    const minted = await app.request(MINT, {
      installation_id: forRepo.id,
    });
    expect(minted.status).toBe(201);
    expectValid('apps/create-installation-access-token', 201, minted.data);
    expect(minted.data.token).toMatch(/^ghs_[A-Za-z0-9]{36}$/);
    expect(Date.parse(minted.data.expires_at)).toBe(clock + 3600_000);
    expect(double.count(MINT)).toBe(1);
    expect(double.apps.mintedTokens()).toEqual([
      expect.objectContaining({
        seq: 1,
        token: minted.data.token,
        installationId: forRepo.id,
      }),
    ]);
    // The client ID is accepted as the issuer too.
    const byClientId = octokitFor(
      double.url,
      jwt(key.privateKey, 'Iv1.0123456789abcdef'),
    );
    expect(
      (await byClientId.request('GET /app/installations')).data,
    ).toHaveLength(2);
  });

  it('accepts the installation token on REST and GraphQL, records it, and refuses it once expired (401)', async () => {
    const app = octokitFor(double.url, jwt());
    const [acme] = (await app.request('GET /app/installations')).data;
    const { data } = await app.request(MINT, { installation_id: acme.id });
    const gh = octokitFor(double.url, data.token);
    double.resetRequests();
    await gh.rest.git.getRef({
      owner: 'acme',
      repo: 'gitops',
      ref: 'heads/main',
    });
    await gh.request('POST /graphql', {
      query: `query { repository(owner: "acme", name: "gitops") { object(oid: "${src.main[0]}") { ... on Commit { associatedPullRequests(first: 1) { nodes { number } } } } } }`,
    });
    const mint = double.apps.mintedTokens().find(t => t.token === data.token)!;
    expect(
      double.requests().map(r => [r.route, r.status, r.credential]),
    ).toEqual(
      ['GET /repos/{owner}/{repo}/git/ref/{ref}', 'POST /graphql'].map(
        route => [
          route,
          200,
          {
            kind: 'installation-token',
            appId: APP_ID,
            installationId: acme.id,
            mint: mint.seq,
          },
        ],
      ),
    );

    clock += 3600_000;
    const rest = await failure(
      gh.rest.git.getRef({ owner: 'acme', repo: 'gitops', ref: 'heads/main' }),
    );
    expect([rest.status, rest.response.data.message]).toEqual([
      401,
      'Bad credentials',
    ]);
    const graphql = await failure(
      gh.request('POST /graphql', { query: '{ viewer { login } }' }),
    );
    expect(graphql.status).toBe(401);
    // A token the double never minted is refused as well.
    const forged = await failure(
      octokitFor(double.url, `ghs_${'A'.repeat(36)}`).rest.repos.get({
        owner: 'acme',
        repo: 'gitops',
      }),
    );
    expect(forged.status).toBe(401);
  });

  it('refuses JWTs as GitHub does: another key, expired, longer than ten minutes, a personal token on /app, a JWT on a repository', async () => {
    const refused = async (token: string, route = 'GET /app/installations') => {
      const e = await failure(
        octokitFor(double.url, token).request(route, {
          owner: 'acme',
          repo: 'gitops',
        }),
      );
      return [e.status, e.response.data.message];
    };
    expect(await refused(jwt(stranger.privateKey))).toEqual([
      401,
      'A JSON web token could not be decoded',
    ]);
    expect(
      await refused(
        appJwt(key.privateKey, {
          iss: APP_ID,
          iat: seconds() - 700,
          exp: seconds() - 100,
        }),
      ),
    ).toEqual([
      401,
      expect.stringMatching(/'Expiration time' claim \('exp'\) must be/),
    ]);
    expect(
      await refused(
        appJwt(key.privateKey, {
          iss: APP_ID,
          iat: seconds(),
          exp: seconds() + 3600,
        }),
      ),
    ).toEqual([
      401,
      "'Expiration time' claim ('exp') is too far in the future",
    ]);
    expect(await refused('ghp_personal')).toEqual([
      401,
      'A JSON web token could not be decoded',
    ]);
    expect(await refused(jwt(), 'GET /repos/{owner}/{repo}')).toEqual([
      403,
      'Resource not accessible by integration',
    ]);
  });

  it('keeps an installation token within its repositories (404) and permissions (403), and lists what it reaches', async () => {
    const app = octokitFor(double.url, jwt(readerKey.privateKey, READER_ID));
    const { data: list } = await app.request('GET /app/installations');
    expect(list.map((i: any) => [i.id, i.repository_selection])).toEqual([
      [77, 'selected'],
    ]);
    const { data } = await app.request(MINT, { installation_id: 77 });
    expect(Date.parse(data.expires_at)).toBe(clock + 600_000);
    // Another app's installation is not this app's to mint for.
    const [acme] = (
      await octokitFor(double.url, jwt()).request('GET /app/installations')
    ).data;
    expect(
      (await failure(app.request(MINT, { installation_id: acme.id }))).status,
    ).toBe(404);

    const gh = octokitFor(double.url, data.token);
    const { data: reached } = await gh.request(
      'GET /installation/repositories',
    );
    expectValid('apps/list-repos-accessible-to-installation', 200, reached);
    expect(reached.repositories.map((r: any) => r.full_name)).toEqual([
      'acme/gitops',
    ]);
    expect(
      (
        await gh.rest.git.getRef({
          owner: 'acme',
          repo: 'gitops',
          ref: 'heads/main',
        })
      ).status,
    ).toBe(200);
    expect(
      (await failure(gh.rest.repos.get({ owner: 'acme', repo: 'private' })))
        .status,
    ).toBe(404);
    const write = await failure(
      gh.rest.git.createRef({
        owner: 'acme',
        repo: 'gitops',
        ref: 'refs/heads/x',
        sha: src.main[0],
      }),
    );
    expect([write.status, write.response.data.message]).toEqual([
      403,
      'Resource not accessible by integration',
    ]);
    const pull = await failure(
      gh.rest.pulls.create({
        owner: 'acme',
        repo: 'gitops',
        head: 'main',
        base: 'main',
        title: 't',
      }),
    );
    expect(pull.status).toBe(403);
    expect(await double.branchHead(SLUG, 'x')).toBeUndefined();
    // A personal token cannot list an installation's repositories.
    expect(
      (
        await failure(
          octokitFor(double.url, 'ghp_x').request(
            'GET /installation/repositories',
          ),
        )
      ).status,
    ).toBe(403);
  });
});
