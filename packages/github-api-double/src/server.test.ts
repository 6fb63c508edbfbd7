/*
 * The wire around the handlers: authentication, GitHub's headers, the
 * request log, fault injection, after-effect hooks, the primary rate limit,
 * the /__double control surface and the CLI.
 */
import { spawn } from 'node:child_process';
import http from 'node:http';
import { Octokit } from '@octokit/rest';
import { start } from './server';
import { main } from './cli';
import type { GitHubApiDouble } from './api';
import { createSourceRepo, SourceRepo } from './__testUtils__/sourceRepo';
import {
  failure,
  octokitFor,
  OWNER,
  REPO,
  SLUG,
} from './__testUtils__/octokit';

const o = { owner: OWNER, repo: REPO };

function raw(
  url: string,
  options: {
    method?: string;
    headers?: Record<string, string>;
    body?: unknown;
  } = {},
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: any }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      { method: options.method ?? 'GET', headers: options.headers },
      res => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', c => (text += c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: text ? JSON.parse(text) : undefined,
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(
      options.body === undefined ? undefined : JSON.stringify(options.body),
    );
  });
}

describe('github-api-double: the wire', () => {
  let src: SourceRepo;
  let double: GitHubApiDouble;
  let gh: Octokit;

  beforeAll(() => {
    src = createSourceRepo(1);
  });
  afterAll(() => src.remove());
  beforeEach(async () => {
    double = await start({
      repos: [{ slug: SLUG, from: src.dir }],
      token: 'good',
      controlApi: true,
    });
    gh = octokitFor(double.url, 'good');
  });
  afterEach(() => double.close());

  it('needs a token (token or Bearer scheme) and records the user-agent and scheme', async () => {
    const url = `${double.url}/repos/acme/gitops/git/ref/heads/main`;
    const none = await raw(url);
    expect([none.status, none.body.message]).toEqual([
      401,
      'Requires authentication',
    ]);
    const bad = await raw(url, { headers: { authorization: 'token wrong' } });
    expect([bad.status, bad.body.message]).toEqual([401, 'Bad credentials']);
    const bearer = await raw(url, {
      headers: { authorization: 'Bearer good', 'user-agent': 'portal/1.0' },
    });
    expect(bearer.status).toBe(200);
    await gh.rest.git.getRef({ ...o, ref: 'heads/main' });
    expect(
      double
        .requests('GET /repos/{owner}/{repo}/git/ref/{ref}')
        .map(r => [r.status, r.auth, r.userAgent]),
    ).toEqual([
      [401, undefined, undefined],
      [401, 'token', undefined],
      [200, 'bearer', 'portal/1.0'],
      [200, 'token', expect.stringContaining('github-api-double-tests')],
    ]);
  });

  it("sends GitHub's headers: request id, rate limit, media type, ETag on GETs, JSON errors with documentation_url", async () => {
    const res = await raw(
      `${double.url}/repos/acme/gitops/git/ref/heads/main`,
      {
        headers: { authorization: 'token good' },
      },
    );
    expect(res.headers).toMatchObject({
      'content-type': 'application/json; charset=utf-8',
      'x-github-media-type': 'github.v3; format=json',
      'x-ratelimit-limit': '5000',
      'x-ratelimit-remaining': '4999',
      'x-ratelimit-used': '1',
      'x-ratelimit-resource': 'core',
      'cache-control': 'private, max-age=60, s-maxage=60',
    });
    expect(res.headers['x-github-request-id']).toMatch(
      /^[0-9A-F]{4}:[0-9A-F]{4}:[0-9A-F]{6}:[0-9A-F]{6}:[0-9A-F]{8}$/,
    );
    expect(res.headers.etag).toMatch(/^W\/"[0-9a-f]{64}"$/);
    const again = await raw(
      `${double.url}/repos/acme/gitops/git/ref/heads/main`,
      {
        headers: {
          authorization: 'token good',
          'if-none-match': res.headers.etag!,
        },
      },
    );
    expect([again.status, again.headers['x-ratelimit-remaining']]).toEqual([
      304,
      '4999',
    ]);
    const missing = await raw(`${double.url}/repos/acme/nope/commits`, {
      headers: { authorization: 'token good' },
    });
    expect([
      missing.status,
      missing.body.message,
      missing.body.documentation_url,
    ]).toEqual([
      404,
      'Not Found',
      'https://docs.github.com/rest/commits/commits#list-commits',
    ]);
  });

  it('counts requests per route and waits for one', async () => {
    const seen = double.nextRequest('GET /repos/{owner}/{repo}/commits/{ref}');
    await gh.rest.repos.getCommit({ ...o, ref: 'main' });
    await gh.rest.repos.getCommit({ ...o, ref: 'main' });
    await gh.rest.git.getRef({ ...o, ref: 'heads/main' });
    expect((await seen).status).toBe(200);
    expect(double.count('GET /repos/{owner}/{repo}/commits/{ref}')).toBe(2);
    expect(double.count({ method: 'GET', repo: SLUG })).toBe(3);
    expect(double.counts()).toEqual({
      'GET /repos/{owner}/{repo}/commits/{ref}': 2,
      'GET /repos/{owner}/{repo}/git/ref/{ref}': 1,
    });
    double.resetRequests();
    expect(double.count()).toBe(0);
  });

  it('injects server errors and secondary rate limits for the next N matching requests', async () => {
    const route = 'GET /repos/{owner}/{repo}/git/ref/{ref}';
    double.faults.failNext(route, 502, 2);
    double.faults.secondaryRateLimit(route, { retryAfter: 7 });
    double.faults.secondaryRateLimit(route, { status: 429, retryAfter: 3 });
    const call = () => gh.rest.git.getRef({ ...o, ref: 'heads/main' });
    expect((await failure(call())).status).toBe(502);
    expect((await failure(call())).status).toBe(502);
    const secondary = await failure(call());
    expect(secondary.status).toBe(403);
    expect(secondary.response.headers['retry-after']).toBe('7');
    expect(secondary.response.data.message).toMatch(
      /^You have exceeded a secondary rate limit\. /,
    );
    const tooMany = await failure(call());
    expect([tooMany.status, tooMany.response.headers['retry-after']]).toEqual([
      429,
      '3',
    ]);
    expect((await call()).status).toBe(200);
    expect(double.requests(route).map(r => [r.status, r.fault])).toEqual([
      [502, 'before:error:502'],
      [502, 'before:error:502'],
      [403, 'before:secondary-rate-limit:403'],
      [429, 'before:secondary-rate-limit:429'],
      [200, undefined],
    ]);
    expect(double.faults.pending()).toEqual([]);
  });

  it('a fault after the effect: the write happens, the client sees the error', async () => {
    double.faults.inject({
      match: 'POST /repos/{owner}/{repo}/git/refs',
      status: 502,
      phase: 'after',
    });
    const err = await failure(
      gh.rest.git.createRef({
        ...o,
        ref: 'refs/heads/ghost',
        sha: src.main[1],
      }),
    );
    expect(err.status).toBe(502);
    expect(await double.branchHead(SLUG, 'ghost')).toBe(src.main[1]);
    double.faults.inject({ match: 'GET /repos/{owner}/{repo}', kind: 'reset' });
    const reset = await failure(gh.rest.repos.get(o));
    expect(reset.status).toBe(500); // Octokit's status for a network error
    expect(double.requests('GET /repos/{owner}/{repo}')[0].status).toBe(0);
  });

  it('runs after-effect hooks once the write is applied and before the response is sent', async () => {
    const seen: Array<string | undefined> = [];
    let release!: () => void;
    const held = new Promise<void>(r => (release = r));
    double.afterEffect(
      'POST /repos/{owner}/{repo}/git/refs',
      async (request, reply) => {
        seen.push(await double.branchHead(SLUG, 'after-branch'));
        expect(reply.status).toBe(201);
        expect(request.body).toEqual({
          ref: 'refs/heads/after-branch',
          sha: src.main[0],
        });
        await held;
      },
      { once: true },
    );
    let answered = false;
    const call = gh.rest.git
      .createRef({ ...o, ref: 'refs/heads/after-branch', sha: src.main[0] })
      .then(r => {
        answered = true;
        return r;
      });
    while (seen.length === 0) await new Promise(r => setImmediate(r));
    expect(seen).toEqual([src.main[0]]); // the branch exists…
    expect(answered).toBe(false); // …and the client has no answer yet
    release();
    expect((await call).status).toBe(201);
    // once: a second write does not run it; a failed request never does
    await failure(
      gh.rest.git.createRef({
        ...o,
        ref: 'refs/heads/after-branch',
        sha: src.main[0],
      }),
    );
    expect(seen).toHaveLength(1);
  });

  it('survives a caller killed (-9) in an after-effect hook: the effect stays, the next caller is served', async () => {
    const script = `fetch(${JSON.stringify(
      `${double.url}/repos/acme/gitops/pulls`,
    )}, { method: 'POST', headers: { authorization: 'token good', 'content-type': 'application/json' }, body: JSON.stringify({ head: 'doomed', base: 'main', title: 'doomed' }) }).then(() => process.exit(0), () => process.exit(1));`;
    await double.pushCommit(SLUG, 'doomed', {
      parent: src.main[1],
      files: { 'd.txt': 'd\n' },
    });
    const child = spawn(process.execPath, ['-e', script], { stdio: 'ignore' });
    const exited = new Promise<NodeJS.Signals | null>(resolve =>
      child.on('exit', (_code, signal) => resolve(signal)),
    );
    double.afterEffect(
      'POST /repos/{owner}/{repo}/pulls',
      async () => {
        child.kill('SIGKILL');
        await exited;
      },
      { once: true },
    );
    expect(await exited).toBe('SIGKILL');
    const [killed] = double.requests('POST /repos/{owner}/{repo}/pulls');
    while (killed.status === undefined) await new Promise(r => setImmediate(r));
    expect(killed.status).toBe(201); // written to a dead socket
    expect(await double.pullRequest(SLUG, 1)).toMatchObject({
      state: 'open',
      head: 'doomed',
    });
    const again = await failure(
      gh.rest.pulls.create({
        ...o,
        head: 'doomed',
        base: 'main',
        title: 'retry',
      }),
    );
    expect(again.response.data.errors[0].message).toBe(
      'A pull request already exists for acme:doomed.',
    );
  });

  it('enforces the primary rate limit: 403 with x-ratelimit-remaining 0 until the reset', async () => {
    double.rateLimit.set({ remaining: 0, resetInSeconds: 120 });
    const err = await failure(gh.rest.git.getRef({ ...o, ref: 'heads/main' }));
    expect(err.status).toBe(403);
    expect(err.response.headers['x-ratelimit-remaining']).toBe('0');
    expect(err.response.data.message).toMatch(
      /^API rate limit exceeded for user ID 4001\./,
    );
    const { data } = await gh.rest.rateLimit.get();
    expect(data.resources.core.remaining).toBe(0);
    double.rateLimit.set({ remaining: 10 });
    expect(
      (await gh.rest.git.getRef({ ...o, ref: 'heads/main' })).headers[
        'x-ratelimit-remaining'
      ],
    ).toBe('9');
  });

  it('serves the /__double control surface when asked to', async () => {
    await gh.rest.git.getRef({ ...o, ref: 'heads/main' });
    const counts = await raw(`${double.url}/__double/counts`);
    expect(counts.body).toEqual({
      'GET /repos/{owner}/{repo}/git/ref/{ref}': 1,
    });
    await raw(`${double.url}/__double/faults`, {
      method: 'POST',
      body: { match: 'GET /repos/{owner}/{repo}/git/ref/{ref}', status: 503 },
    });
    expect(
      (await failure(gh.rest.git.getRef({ ...o, ref: 'heads/main' }))).status,
    ).toBe(503);
    const pushed = await raw(
      `${double.url}/__double/repos/acme/gitops/branches/main`,
      {
        method: 'POST',
        body: { files: { 'x.txt': 'x\n' }, message: 'by hand' },
      },
    );
    const branches = await raw(
      `${double.url}/__double/repos/acme/gitops/branches`,
    );
    expect(branches.body.main).toBe(pushed.body.sha);
    expect(double.count()).toBe(2); // control calls are not counted
  });
});

describe('github-api-double CLI', () => {
  it('serves the repositories given as --repo owner/name=path', async () => {
    const src = createSourceRepo(1);
    const write = jest
      .spyOn(process.stdout, 'write')
      .mockImplementation(() => true);
    const double = await main(['--repo', `${SLUG}=${src.dir}`, '--token', 't']);
    try {
      expect(String(write.mock.calls[0][0])).toContain(
        `listening on ${double.url}`,
      );
      const gh = octokitFor(double.url, 't');
      expect(
        (await gh.rest.git.getRef({ ...o, ref: 'heads/main' })).data.object.sha,
      ).toBe(src.main[1]);
    } finally {
      write.mockRestore();
      await double.close();
      src.remove();
    }
  });
});
