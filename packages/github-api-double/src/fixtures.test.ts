/*
 * The double next to real GitHub exchanges recorded in @octokit/fixtures:
 * the same headers (names, and values where they are not per-request), the
 * same body structure, the same media types and Link header layout.
 */
import fs from 'node:fs';
import { start } from './server';
import type { GitHubApiDouble } from './api';
import { createSourceRepo, SourceRepo } from './__testUtils__/sourceRepo';
import { SLUG } from './__testUtils__/octokit';

interface Recorded {
  method: string;
  path: string;
  status: number;
  reqheaders: Record<string, string>;
  response: any;
  headers: Record<string, string | number>;
}

function scenario(name: string): Recorded[] {
  const file = require.resolve(
    `@octokit/fixtures/scenarios/api.github.com/${name}/normalized-fixture.json`,
  );
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

/** Headers of the transport or of github.com's infrastructure, not of the API. */
const NOT_API = new Set([
  'connection',
  'content-length',
  'date',
  'strict-transport-security', // HTTPS
  'last-modified', // not reproduced (see docs)
  'x-poll-interval', // events endpoints only
]);

/** Headers whose recorded value does not depend on the request or the account. */
const FIXED = [
  'access-control-allow-origin',
  'access-control-expose-headers',
  'cache-control',
  'content-security-policy',
  'content-type',
  'referrer-policy',
  'x-accepted-oauth-scopes',
  'x-content-type-options',
  'x-frame-options',
  'x-github-media-type',
  'x-ratelimit-limit',
  'x-ratelimit-resource',
  'x-xss-protection',
];

/** Paths of every key (array items: the first one), sorted. */
function shape(value: unknown, path = ''): string[] {
  if (Array.isArray(value))
    return value.length ? shape(value[0], `${path}[]`) : [];
  if (!value || typeof value !== 'object') return [];
  return Object.entries(value)
    .flatMap(([k, v]) => [`${path}.${k}`, ...shape(v, `${path}.${k}`)])
    .sort();
}

describe('github-api-double next to recorded GitHub exchanges (@octokit/fixtures)', () => {
  let src: SourceRepo;
  let double: GitHubApiDouble;

  beforeAll(async () => {
    src = createSourceRepo(4);
    double = await start({ repos: [{ slug: SLUG, from: src.dir }] });
  });
  afterAll(async () => {
    await double.close();
    src.remove();
  });

  async function call(
    method: string,
    path: string,
    options: { accept?: string; body?: unknown } = {},
  ) {
    const res = await fetch(`${double.url}${path}`, {
      method,
      headers: {
        authorization: 'token 0000000000000000000000000000000000000001',
        accept: options.accept ?? 'application/vnd.github.v3+json',
        ...(options.body
          ? { 'content-type': 'application/json; charset=utf-8' }
          : {}),
      },
      body: options.body ? JSON.stringify(options.body) : undefined,
    });
    const headers: Record<string, string> = {};
    res.headers.forEach((v, k) => (headers[k] = v));
    const text = await res.text();
    let body: any = text;
    if (headers['content-type']?.startsWith('application/json'))
      body = JSON.parse(text);
    return { status: res.status, headers, body };
  }

  function sameHeaders(
    recorded: Recorded,
    got: Record<string, string>,
    except: string[] = [],
  ) {
    const want = Object.keys(recorded.headers)
      .filter(h => !NOT_API.has(h))
      .sort();
    expect(want.filter(h => !(h in got))).toEqual([]);
    for (const h of FIXED) {
      if (h in recorded.headers && !except.includes(h)) {
        expect([h, got[h]]).toEqual([h, String(recorded.headers[h])]);
      }
    }
  }

  it('git refs: the same headers and body structure for get, create, update, delete', async () => {
    const [, create, update, , del] = scenario('git-refs');
    expect([create.method, update.method, del.method]).toEqual([
      'post',
      'patch',
      'delete',
    ]);

    const got = await call('GET', '/repos/acme/gitops/git/ref/heads/main');
    sameHeaders(scenario('git-refs')[0], got.headers);
    expect(shape(got.body)).toEqual(shape(scenario('git-refs')[0].response[0]));

    const created = await call('POST', '/repos/acme/gitops/git/refs', {
      body: { ref: 'refs/heads/test', sha: src.main[4] },
    });
    expect(created.status).toBe(create.status);
    sameHeaders(create, created.headers);
    expect(shape(created.body)).toEqual(shape(create.response));
    expect(created.headers.location).toBe(
      `${double.url}/repos/acme/gitops/git/refs/heads/test`,
    );

    const updated = await call(
      'PATCH',
      '/repos/acme/gitops/git/refs/heads/test',
      {
        body: { sha: src.main[3], force: true },
      },
    );
    expect(updated.status).toBe(update.status);
    sameHeaders(update, updated.headers);
    expect(shape(updated.body)).toEqual(shape(update.response));

    const deleted = await call(
      'DELETE',
      '/repos/acme/gitops/git/refs/heads/test',
    );
    expect(deleted.status).toBe(204);
    sameHeaders(del, deleted.headers);
    expect(
      ['content-type', 'etag', 'cache-control'].filter(
        h => h in deleted.headers,
      ),
    ).toEqual([]);
  });

  it('contents: the directory listing and the raw media type as recorded', async () => {
    const [listing, raw] = scenario('get-content');
    const dir = await call('GET', '/repos/acme/gitops/contents/');
    sameHeaders(listing, dir.headers);
    const file = dir.body.find((e: any) => e.type === 'file');
    expect(shape(file)).toEqual(shape(listing.response[0]));

    const bytes = await call('GET', '/repos/acme/gitops/contents/README.md', {
      accept: raw.reqheaders.accept, // application/vnd.github.v3.raw
    });
    sameHeaders(raw, bytes.headers);
    expect(bytes.body).toBe('# gitops\n');
  });

  it('a validation failure: the same error structure and headers (no ETag)', async () => {
    const [recorded] = scenario('errors');
    const got = await call('POST', '/repos/acme/gitops/pulls', {
      body: { head: 'nope', base: 'main', title: 'x' },
    });
    expect(got.status).toBe(recorded.status);
    // Recorded on another endpoint (labels), whose accepted scopes differ.
    sameHeaders(recorded, got.headers, ['x-accepted-oauth-scopes']);
    expect(['etag', 'cache-control'].filter(h => h in got.headers)).toEqual([]);
    expect(shape(got.body).filter(k => k !== '.status')).toEqual(
      shape(recorded.response),
    );
  });

  it('pagination: the Link header lists prev, next, last, first as GitHub does, by repository id', async () => {
    const recorded = scenario('paginate-issues')[1].headers.link as string;
    const rels = (link: string) =>
      [...link.matchAll(/rel="(\w+)"/g)].map(m => m[1]);
    const page2 = await call(
      'GET',
      '/repos/acme/gitops/commits?per_page=2&page=2',
    );
    expect(rels(page2.headers.link)).toEqual(rels(recorded));
    expect(recorded).toMatch(
      /<https:\/\/api\.github\.com\/repositories\/\d+\/issues\?/,
    );
    expect(page2.headers.link).toContain(
      `<${double.url}/repositories/100001/commits?`,
    );
  });
});
