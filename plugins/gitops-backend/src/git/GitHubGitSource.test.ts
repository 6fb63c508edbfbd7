import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import type { LoggerService } from '@backstage/backend-plugin-api';
import {
  registerMswTestHooks,
  TestDatabases,
} from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { LedgerStore } from '../database/LedgerStore';
import { RepositoryIngester } from '../ingestion/RepositoryIngester';
import { createDefaultLocatorRegistry } from '../locators/VersionLocatorRegistry';
import {
  GitRepoFixture,
  kustomization,
  TWO_STAGE_PIPELINE,
} from '../testing/GitRepoFixture';
import { createGitSource } from './createGitSource';
import { GitHubGitSource, GitHubGitSourceOptions } from './GitHubGitSource';
import { LocalGitSource } from './LocalGitSource';
import { OversizedFile, StaleRefError } from './types';

jest.setTimeout(60_000);

const MiB = 1024 * 1024;

/** A file of exactly `bytes` bytes (a YAML comment line padded with `#`). */
function fileOf(bytes: number): string {
  return `${'#'.repeat(bytes - 1)}\n`;
}

const TOKEN = 'ghp_TESTtoken0123456789SECRETabcdefXYZ';
const API = 'https://api.github.com';

// -----------------------------------------------------------------------------
// A GitHub REST API double backed by a real Git repository (GitRepoFixture):
// same endpoints, headers, pagination and error shapes as api.github.com, and
// a log of every request so tests can count them.

type Route = 'head' | 'list' | 'commit' | 'compare' | 'contents' | 'other';

interface Fault {
  route: Route;
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

interface DoubleOptions {
  apiBase?: string;
  owner?: string;
  repo?: string;
  /** Accepted token; requests without it get 404 (private repository). */
  token?: string;
}

const DOCS = 'https://docs.github.com/rest';
/** GitHub's "1 MB" of the contents API (files above come without content). */
const ONE_MB = 1_000_000;
const SECONDARY_MESSAGE =
  'You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID 0400:1E2F:3A4B5C:6D7E8F:12345678.';

class GitHubDouble {
  readonly calls: Array<{
    route: Route;
    status: number;
    url: string;
    accept: string;
  }> = [];
  readonly rate = {
    limit: 5000,
    remaining: 5000,
    reset: Math.floor(Date.now() / 1000) + 3600,
  };
  private faults: Fault[] = [];
  private readonly apiBase: string;
  private readonly owner: string;
  private readonly repoName: string;
  private readonly token?: string;
  private readonly logCache = new Map<string, DoubleCommit[]>();
  private readonly bySha = new Map<string, DoubleCommit>();

  constructor(readonly repo: GitRepoFixture, options: DoubleOptions = {}) {
    this.apiBase = options.apiBase ?? API;
    this.owner = options.owner ?? 'acme';
    this.repoName = options.repo ?? 'gitops';
    this.token = 'token' in options ? options.token : TOKEN;
  }

  handler() {
    return http.all(`${this.apiBase}/*`, ({ request }) => this.handle(request));
  }

  /** Requests per route (and status). */
  count(route?: Route, status?: number): number {
    return this.calls.filter(
      c =>
        (!route || c.route === route) &&
        (status === undefined || c.status === status),
    ).length;
  }

  countsByRoute(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const c of this.calls) out[c.route] = (out[c.route] ?? 0) + 1;
    return out;
  }

  resetCounts(): void {
    this.calls.length = 0;
  }

  /** The next `times` requests to `route` get this answer. */
  fail(fault: Fault, times = 1): void {
    for (let i = 0; i < times; i++) this.faults.push(fault);
  }

  private git(...args: string[]): string {
    return execFileSync('git', ['-c', 'core.quotepath=off', ...args], {
      cwd: this.repo.dir,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      maxBuffer: 64 * 1024 * 1024,
    });
  }

  private resolve(rev: string): string | undefined {
    if (this.bySha.has(rev)) return rev;
    try {
      return this.git(
        'rev-parse',
        '--verify',
        '--quiet',
        `${rev}^{commit}`,
      ).trim();
    } catch {
      return undefined;
    }
  }

  private async handle(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const path = url.pathname.slice(
      new URL(this.apiBase).pathname.replace(/\/$/, '').length,
    );
    const prefix = `/repos/${this.owner}/${this.repoName}`;
    let route: Route = 'other';
    let rest = '';
    const m = path.match(/^\/repos\/([^/]+)\/([^/]+)(\/.*)?$/);
    if (m) {
      rest = m[3] ?? '';
      if (/^\/commits\/heads\//.test(rest)) route = 'head';
      else if (rest === '/commits') route = 'list';
      else if (/^\/commits\/[^/]+$/.test(rest)) route = 'commit';
      else if (/^\/compare\//.test(rest)) route = 'compare';
      else if (/^\/contents\//.test(rest)) route = 'contents';
    }
    const res = this.answer(request, url, path, prefix, route, rest);
    this.calls.push({
      route,
      status: res.status,
      url: request.url,
      accept: request.headers.get('accept') ?? '',
    });
    return res;
  }

  private answer(
    request: Request,
    url: URL,
    path: string,
    prefix: string,
    route: Route,
    rest: string,
  ): Response {
    const auth = request.headers.get('authorization');
    if (
      this.token !== undefined &&
      auth &&
      auth !== `token ${this.token}` &&
      auth !== `Bearer ${this.token}`
    ) {
      return this.json(401, {
        message: 'Bad credentials',
        documentation_url: DOCS,
        status: '401',
      });
    }
    const authorized = this.token === undefined || !!auth;
    if (route === 'other' || !path.startsWith(`${prefix}/`) || !authorized) {
      return this.json(404, {
        message: 'Not Found',
        documentation_url: DOCS,
        status: '404',
      });
    }
    const fault = this.faults.findIndex(f => f.route === route);
    if (fault >= 0) {
      const [f] = this.faults.splice(fault, 1);
      const headers: Record<string, string> = {
        ...this.rateHeaders(),
        ...f.headers,
      };
      return HttpResponse.json(f.body ?? { message: 'fault' }, {
        status: f.status,
        headers,
      });
    }
    const accept = request.headers.get('accept') ?? '';
    switch (route) {
      case 'head':
        return this.head(
          request,
          decodeURIComponent(rest.slice('/commits/heads/'.length)),
          accept,
        );
      case 'list':
        return this.list(url);
      case 'commit':
        return this.commit(
          url,
          decodeURIComponent(rest.slice('/commits/'.length)),
        );
      case 'compare':
        return this.compare(
          url,
          decodeURIComponent(rest.slice('/compare/'.length)),
        );
      default:
        return this.contents(
          url,
          rest
            .slice('/contents/'.length)
            .split('/')
            .map(decodeURIComponent)
            .join('/'),
          accept,
        );
    }
  }

  private rateHeaders(countIt = true): Record<string, string> {
    if (countIt) this.rate.remaining = Math.max(0, this.rate.remaining - 1);
    return {
      'x-ratelimit-limit': String(this.rate.limit),
      'x-ratelimit-remaining': String(this.rate.remaining),
      'x-ratelimit-used': String(this.rate.limit - this.rate.remaining),
      'x-ratelimit-reset': String(this.rate.reset),
      'x-ratelimit-resource': 'core',
      'x-github-api-version-selected': '2022-11-28',
    };
  }

  private json(
    status: number,
    body: unknown,
    headers: Record<string, string> = {},
  ): Response {
    return HttpResponse.json(body as any, {
      status,
      headers: { ...this.rateHeaders(), ...headers },
    });
  }

  private head(request: Request, branch: string, accept: string): Response {
    const sha = this.resolve(`refs/heads/${branch}`);
    if (!sha) {
      return this.json(422, {
        message: `No commit found for SHA: heads/${branch}`,
        documentation_url: DOCS,
        status: '422',
      });
    }
    const etag = `"${createHash('sha256')
      .update(`${sha}:${accept}`)
      .digest('hex')}"`;
    if (request.headers.get('if-none-match') === etag) {
      // Conditional requests answered 304 do not count against the limit.
      return new HttpResponse(null, {
        status: 304,
        headers: { etag, ...this.rateHeaders(false) },
      });
    }
    if (accept.includes('application/vnd.github.sha')) {
      return new HttpResponse(sha, {
        status: 200,
        headers: {
          'content-type': 'application/vnd.github.sha; charset=utf-8',
          etag,
          ...this.rateHeaders(),
        },
      });
    }
    return this.json(200, this.apiCommit(this.commitOf(sha)), { etag });
  }

  private list(url: URL): Response {
    const sha = this.resolve(url.searchParams.get('sha') ?? 'refs/heads/main');
    if (!sha)
      return this.json(404, {
        message: 'Not Found',
        documentation_url: DOCS,
        status: '404',
      });
    const perPage = Math.min(
      Number(url.searchParams.get('per_page') ?? 30),
      100,
    );
    const page = Number(url.searchParams.get('page') ?? 1);
    const all = this.commitsOf(sha);
    const body = all
      .slice((page - 1) * perPage, page * perPage)
      .map(c => this.apiCommit(c));
    return this.json(
      200,
      body,
      this.link(url, page, Math.ceil(all.length / perPage)),
    );
  }

  private commit(url: URL, ref: string): Response {
    const sha = this.resolve(ref);
    if (!sha)
      return this.json(422, {
        message: `No commit found for SHA: ${ref}`,
        documentation_url: DOCS,
        status: '422',
      });
    const c = this.commitOf(sha);
    // GitHub: at most 3000 files, 300 per page, pages linked.
    const files = this.diff(c.parents[0] ?? null, sha).slice(0, 3000);
    const page = Number(url.searchParams.get('page') ?? 1);
    const body = {
      ...this.apiCommit(c),
      stats: { total: files.length, additions: 0, deletions: 0 },
      files: files.slice((page - 1) * 300, page * 300),
    };
    return this.json(200, body, {
      etag: `"${sha}"`,
      ...this.link(url, page, Math.ceil(files.length / 300)),
    });
  }

  private compare(url: URL, basehead: string): Response {
    const [baseRef, headRef] = basehead.split('...');
    const base = this.resolve(baseRef);
    const head = this.resolve(headRef);
    if (!base || !head)
      return this.json(404, {
        message: 'Not Found',
        documentation_url: DOCS,
        status: '404',
      });
    let mergeBase = '';
    try {
      mergeBase = this.git('merge-base', base, head).trim();
    } catch {
      // unrelated histories
    }
    let status = 'diverged';
    if (base === head) status = 'identical';
    else if (mergeBase === base) status = 'ahead';
    else if (mergeBase === head) status = 'behind';
    const fresh = this.git(
      'log',
      '--format=%H',
      '--reverse',
      `${base}..${head}`,
    )
      .split('\n')
      .filter(Boolean);
    const paged =
      url.searchParams.has('page') || url.searchParams.has('per_page');
    const perPage = paged
      ? Math.min(Number(url.searchParams.get('per_page') ?? 30), 100)
      : 250;
    const page = Number(url.searchParams.get('page') ?? 1);
    const commits = (
      paged
        ? fresh.slice((page - 1) * perPage, page * perPage)
        : fresh.slice(-250)
    ).map(sha => this.apiCommit(this.commitOf(sha)));
    const body = {
      url: url.toString(),
      status,
      ahead_by: fresh.length,
      behind_by: Number(
        this.git('rev-list', '--count', `${head}..${base}`).trim(),
      ),
      total_commits: fresh.length,
      merge_base_commit: mergeBase
        ? this.apiCommit(this.commitOf(mergeBase))
        : null,
      commits,
      // Files of the whole comparison, first page only, at most 300.
      files:
        page === 1 && mergeBase ? this.diff(mergeBase, head).slice(0, 300) : [],
    };
    return this.json(
      200,
      body,
      paged ? this.link(url, page, Math.ceil(fresh.length / perPage)) : {},
    );
  }

  private contents(url: URL, path: string, accept: string): Response {
    const ref = this.resolve(url.searchParams.get('ref') ?? 'refs/heads/main');
    let type: string | undefined;
    try {
      type = ref
        ? this.git('cat-file', '-t', `${ref}:${path}`).trim()
        : undefined;
    } catch {
      type = undefined;
    }
    if (!type)
      return this.json(404, {
        message: 'Not Found',
        documentation_url: DOCS,
        status: '404',
      });
    const object = accept.includes('application/vnd.github.object');
    const name = path.split('/').pop()!;
    const sha = this.git('rev-parse', `${ref}:${path}`).trim();
    const self = `${this.apiBase}/repos/${this.owner}/${this.repoName}/contents/${path}?ref=${ref}`;
    const html = `https://github.com/${this.owner}/${this.repoName}/${
      type === 'tree' ? 'tree' : 'blob'
    }/${ref}/${path}`;
    const git = `${this.apiBase}/repos/${this.owner}/${this.repoName}/git/${
      type === 'tree' ? 'trees' : 'blobs'
    }/${sha}`;
    // The content-file / content-directory shapes of GitHub's OpenAPI description.
    const meta = (t: string, size: number) => ({
      type: t,
      size,
      name,
      path,
      sha,
      url: self,
      git_url: git,
      html_url: html,
      download_url:
        t === 'file'
          ? `https://raw.githubusercontent.com/${this.owner}/${this.repoName}/${ref}/${path}`
          : null,
      _links: { self, git, html },
    });
    if (type === 'tree') {
      const entries = this.git('ls-tree', '--name-only', `${ref}:${path}`)
        .split('\n')
        .filter(Boolean)
        .map(n => ({ name: n, path: `${path}/${n}`, type: 'file' }));
      // A directory is a list, or with the object media type one object.
      return this.json(200, object ? { ...meta('dir', 0), entries } : entries);
    }
    const content = execFileSync(
      'git',
      ['cat-file', 'blob', `${ref}:${path}`],
      {
        cwd: this.repo.dir,
        maxBuffer: 256 * 1024 * 1024,
      },
    );
    if (accept.includes('application/vnd.github.raw')) {
      return new HttpResponse(content, {
        status: 200,
        headers: {
          'content-type': 'text/plain; charset=utf-8',
          ...this.rateHeaders(),
        },
      });
    }
    // Files over 1 MB come without content (encoding "none"): only the raw
    // media type returns them (and nothing above 100 MB).
    const inline = content.length <= ONE_MB;
    return this.json(200, {
      ...meta('file', content.length),
      encoding: inline ? 'base64' : 'none',
      // GitHub wraps the base64 text every 60 characters.
      content: inline
        ? content.toString('base64').replace(/.{60}/g, '$&\n')
        : '',
    });
  }

  private link(url: URL, page: number, last: number): Record<string, string> {
    const at = (p: number) => {
      const u = new URL(url);
      u.searchParams.set('page', String(p));
      return u.toString();
    };
    const parts: string[] = [];
    if (page > 1) parts.push(`<${at(page - 1)}>; rel="prev"`);
    if (page < last)
      parts.push(`<${at(page + 1)}>; rel="next"`, `<${at(last)}>; rel="last"`);
    if (page > 1) parts.push(`<${at(1)}>; rel="first"`);
    return parts.length ? { link: parts.join(', ') } : {};
  }

  /** `git log <sha>` order (all ancestors, newest first), as the list endpoint. */
  private commitsOf(sha: string): DoubleCommit[] {
    const cached = this.logCache.get(sha);
    if (cached) return cached;
    const out = this.git(
      'log',
      '--format=%H%x1f%P%x1f%T%x1f%an%x1f%ae%x1f%aI%x1f%cn%x1f%ce%x1f%cI%x1f%B%x1e',
      sha,
    );
    const commits = out
      .split('\x1e')
      .filter(r => r.trim())
      .map(r => {
        const [h, p, tree, an, ae, ad, cn, ce, cd, msg] = r
          .replace(/^\n/, '')
          .split('\x1f');
        return {
          sha: h,
          parents: p ? p.split(' ') : [],
          tree,
          an,
          ae,
          ad,
          cn,
          ce,
          cd,
          message: msg.replace(/\n+$/, ''),
        };
      });
    this.logCache.set(sha, commits);
    for (const c of commits) this.bySha.set(c.sha, c);
    return commits;
  }

  /** One commit (from any log read before, else `git log -1`). */
  private commitOf(sha: string): DoubleCommit {
    const known = this.bySha.get(sha);
    if (known) return known;
    const out = this.git(
      'log',
      '-1',
      '--format=%H%x1f%P%x1f%T%x1f%an%x1f%ae%x1f%aI%x1f%cn%x1f%ce%x1f%cI%x1f%B%x1e',
      sha,
    );
    const [h, p, tree, an, ae, ad, cn, ce, cd, msg] = out
      .split('\x1e')[0]
      .split('\x1f');
    const c = {
      sha: h,
      parents: p ? p.split(' ') : [],
      tree,
      an,
      ae,
      ad,
      cn,
      ce,
      cd,
      message: msg.replace(/\n+$/, ''),
    };
    this.bySha.set(sha, c);
    return c;
  }

  private apiCommit(c: DoubleCommit) {
    const html = `https://github.com/${this.owner}/${this.repoName}`;
    const iso = (d: string) => new Date(d).toISOString().replace('.000Z', 'Z');
    return {
      sha: c.sha,
      node_id: `C_${c.sha.slice(0, 20)}`,
      commit: {
        author: { name: c.an, email: c.ae, date: iso(c.ad) },
        committer: { name: c.cn, email: c.ce, date: iso(c.cd) },
        message: c.message,
        tree: {
          sha: c.tree,
          url: `${this.apiBase}/repos/${this.owner}/${this.repoName}/git/trees/${c.tree}`,
        },
        url: `${this.apiBase}/repos/${this.owner}/${this.repoName}/git/commits/${c.sha}`,
        comment_count: 0,
        verification: {
          verified: false,
          reason: 'unsigned',
          signature: null,
          payload: null,
        },
      },
      url: `${this.apiBase}/repos/${this.owner}/${this.repoName}/commits/${c.sha}`,
      html_url: `${html}/commit/${c.sha}`,
      author: null,
      committer: null,
      parents: c.parents.map(p => ({
        sha: p,
        url: `${this.apiBase}/repos/${this.owner}/${this.repoName}/commits/${p}`,
        html_url: `${html}/commit/${p}`,
      })),
    };
  }

  /** Changed files from `from` (null: root, every file added) to `to`. */
  private diff(from: string | null, to: string) {
    const out = from
      ? this.git('diff-tree', '-r', '-M', '--name-status', from, to)
      : this.git(
          'diff-tree',
          '-r',
          '-M',
          '--root',
          '--no-commit-id',
          '--name-status',
          to,
        );
    const status: Record<string, string> = {
      A: 'added',
      M: 'modified',
      D: 'removed',
      R: 'renamed',
      T: 'changed',
      C: 'copied',
    };
    return out
      .split('\n')
      .filter(l => l.includes('\t'))
      .map(l => {
        const [s, a, b] = l.split('\t');
        const renamed = s.startsWith('R') || s.startsWith('C');
        return {
          sha: '0'.repeat(40),
          filename: renamed ? b : a,
          status: status[s[0]] ?? 'modified',
          additions: 0,
          deletions: 0,
          changes: 0,
          ...(renamed ? { previous_filename: a } : {}),
        };
      });
  }
}

interface DoubleCommit {
  sha: string;
  parents: string[];
  tree: string;
  an: string;
  ae: string;
  ad: string;
  cn: string;
  ce: string;
  cd: string;
  message: string;
}

// -----------------------------------------------------------------------------

/** A logger that keeps every line (message and metadata) for assertions. */
function recordingLogger(): LoggerService & { lines: string[] } {
  const lines: string[] = [];
  const log = (level: string) => (message: string, meta?: unknown) => {
    lines.push(`${level} ${message} ${meta ? JSON.stringify(meta) : ''}`);
  };
  const logger: any = {
    lines,
    error: log('error'),
    warn: log('warn'),
    info: log('info'),
    debug: log('debug'),
    child: () => logger,
  };
  return logger;
}

const server = setupServer();
registerMswTestHooks(server);

function source(overrides: Partial<GitHubGitSourceOptions> = {}) {
  const logger = recordingLogger();
  const credentialsProvider = {
    getCredentials: async () => ({
      type: 'token' as const,
      token: TOKEN,
      headers: { Authorization: `Bearer ${TOKEN}` },
    }),
  };
  const src = new GitHubGitSource({
    url: 'https://github.com/acme/gitops',
    branch: 'main',
    apiBaseUrl: API,
    credentialsProvider,
    logger,
    retryAfterBaseMs: 1,
    ...overrides,
  });
  return { src, logger };
}

function setup(repo: GitRepoFixture, options?: DoubleOptions) {
  const gh = new GitHubDouble(repo, options);
  server.use(gh.handler());
  return gh;
}

/** A history with a merge (feature branch), a rename, a deletion and a docs-only commit. */
function buildMixedHistory(repo: GitRepoFixture): string[] {
  const shas: string[] = [];
  repo.write('gitops-pipeline.yaml', TWO_STAGE_PIPELINE);
  repo.write('apps/cart/dev/kustomization.yaml', kustomization('v1'));
  repo.write('apps/cart/staging/kustomization.yaml', kustomization('v1'));
  repo.write('old/notes.md', 'notes\n');
  shas.push(repo.commit('bootstrap'));
  repo.write('apps/cart/dev/kustomization.yaml', kustomization('v2'));
  shas.push(
    repo.commit('bump cart to v2 in dev', {
      name: 'CI Bot',
      email: 'ci@example.com',
    }),
  );
  repo.git('checkout', '-q', '-b', 'feature');
  repo.write('apps/cart/staging/kustomization.yaml', kustomization('v2'));
  shas.push(repo.commit('promote cart v2 to staging (on a branch)'));
  repo.write('docs/feature.md', 'x\n');
  shas.push(repo.commit('docs on the branch'));
  repo.git('checkout', '-q', 'main');
  repo.write('README.md', '# readme\n');
  shas.push(repo.commit('docs: readme'));
  repo.git(
    'merge',
    '-q',
    '--no-ff',
    '-m',
    'Merge pull request #7 from acme/feature\n\nPromote cart',
    'feature',
  );
  shas.push(repo.head());
  repo.git('mv', 'old/notes.md', 'docs/notes.md');
  shas.push(repo.commit('move notes'));
  repo.remove('README.md');
  repo.write('apps/cart/dev/kustomization.yaml', kustomization('v3'));
  shas.push(repo.commit('bump cart to v3 in dev\n\nGitops-Kind: direct\n'));
  return shas;
}

/**
 * Adds `n` commits on main (one `git fast-import`), each changing one file,
 * one hour apart; returns their shas, oldest first.
 */
function addCommits(repo: GitRepoFixture, n: number, label: string): string[] {
  let parent: string | undefined;
  let clock = Date.parse('2026-10-01T09:00:00Z') / 1000;
  try {
    parent = repo.git('rev-parse', '--verify', '--quiet', 'HEAD');
    clock = Number(repo.git('log', '-1', '--format=%ct', 'HEAD'));
  } catch {
    parent = undefined;
  }
  const data = (text: string) => `data ${Buffer.byteLength(text)}\n${text}\n`;
  let stream = '';
  for (let i = 0; i < n; i++) {
    clock += 3600;
    stream += 'commit refs/heads/main\n';
    stream += `author Ada Lovelace <ada@example.com> ${clock} +0000\n`;
    stream += `committer Ada Lovelace <ada@example.com> ${clock} +0000\n`;
    stream += data(`${label} ${i}`);
    if (i === 0 && parent) stream += `from ${parent}\n`;
    stream += `M 100644 inline apps/load/${i % 7}.txt\n${data(
      `${label} ${i}\n`,
    )}`;
  }
  execFileSync('git', ['fast-import', '--quiet', '--force'], {
    cwd: repo.dir,
    input: stream,
  });
  repo.git('reset', '-q', '--hard', 'main');
  return repo
    .git('rev-list', '--reverse', `--max-count=${n}`, 'main')
    .split('\n');
}

describe('GitHubGitSource', () => {
  let repo: GitRepoFixture;

  beforeEach(() => {
    repo = new GitRepoFixture();
  });
  afterEach(() => repo.cleanup());

  it('reads the same first-parent history, changed files and contents as LocalGitSource', async () => {
    const shas = buildMixedHistory(repo);
    const gh = setup(repo);
    const { src } = source();
    const local = new LocalGitSource(repo.dir, 'main');

    expect(src.location).toBe('https://github.com/acme/gitops');
    expect(src.commitUrl(shas[0])).toBe(
      `https://github.com/acme/gitops/commit/${shas[0]}`,
    );
    const head = await src.headCommit();
    expect(head).toBe(await local.headCommit());

    const strip = (cs: any[]) => cs.map(({ changedFiles, ...rest }) => rest);
    for (const since of [undefined, shas[0], shas[1], shas[4], shas[5]]) {
      const expected = await local.listCommits({ since, until: head });
      const actual = await src.listCommits({ since, until: head });
      expect(strip(actual)).toEqual(strip(expected));
      // Both name the old and the new path of a rename (LocalGitSource
      // reads with --no-renames), so ingestion never misses a deletion.
      actual.forEach((c, i) => {
        expect([...c.changedFiles!].sort()).toEqual(
          [...expected[i].changedFiles!].sort(),
        );
      });
      const renamed = actual.find(c => c.sha === shas[6]);
      expect([...renamed!.changedFiles!].sort()).toEqual([
        'docs/notes.md',
        'old/notes.md',
      ]);
    }
    // Branch commits are not on the first-parent chain.
    const all = await src.listCommits({ until: head });
    expect(all.map(c => c.sha)).toEqual([
      shas[0],
      shas[1],
      shas[4],
      shas[5],
      shas[6],
      shas[7],
    ]);
    expect(all[3]).toMatchObject({
      parents: [shas[4], shas[3]],
      message: 'Merge pull request #7 from acme/feature\n\nPromote cart',
      changedFiles: expect.arrayContaining([
        'apps/cart/staging/kustomization.yaml',
        'docs/feature.md',
      ]),
    });
    expect(all[1]).toMatchObject({
      authorName: 'CI Bot',
      authorEmail: 'ci@example.com',
      committedAt: '2026-10-01T11:00:00.000Z',
    });

    const reads = [
      { sha: shas[0], path: 'gitops-pipeline.yaml' },
      { sha: shas[1], path: 'apps/cart/dev/kustomization.yaml' },
      { sha: shas[7], path: 'README.md' },
      { sha: shas[7], path: 'apps/cart' },
      { sha: shas[2], path: 'docs/feature.md' },
    ];
    expect(await src.readFiles(reads)).toEqual(await local.readFiles(reads));
    expect(gh.count('other')).toBe(0);
  });

  it('asks for the head with a conditional request: an unchanged branch is a 304', async () => {
    addCommits(repo, 2, 'c');
    const gh = setup(repo);
    const { src } = source();
    const first = await src.headCommit();
    const remaining = gh.rate.remaining;
    expect(await src.headCommit()).toBe(first);
    expect(gh.calls.map(c => `${c.route} ${c.status}`)).toEqual([
      'head 200',
      'head 304',
    ]);
    expect(gh.rate.remaining).toBe(remaining); // a 304 is free

    const [next] = addCommits(repo, 1, 'd');
    expect(await src.headCommit()).toBe(next);
    expect(gh.calls.map(c => `${c.route} ${c.status}`)).toEqual([
      'head 200',
      'head 304',
      'head 200',
    ]);
  });

  it('pages through more than 100 commits with Link headers and stops as soon as `since` is met', async () => {
    const shas = addCommits(repo, 230, 'load');
    const head = shas[229];
    const gh = setup(repo);

    const full = source().src;
    const all = await full.listCommits({ until: head });
    expect(all.map(c => c.sha)).toEqual(shas);
    expect(all[0].changedFiles).toEqual(['apps/load/0.txt']);
    // 3 pages (100 + 100 + 30), one commit request each for the files.
    expect(gh.countsByRoute()).toEqual({ list: 3, commit: 230 });
    expect(
      gh.calls
        .filter(c => c.route === 'list')
        .map(c => new URL(c.url).searchParams.get('page')),
    ).toEqual([null, '2', '3']);

    // Everything addressed by sha is cached: the same walk again is free.
    gh.resetCounts();
    expect((await full.listCommits({ until: head })).length).toBe(230);
    expect(gh.count()).toBe(0);

    // A fresh source (empty caches), `since` on the first page: 1 list request.
    gh.resetCounts();
    const recent = await source().src.listCommits({
      since: shas[219],
      until: head,
    });
    expect(recent.map(c => c.sha)).toEqual(shas.slice(220));
    expect(gh.countsByRoute()).toEqual({ list: 1, commit: 10 });

    // `since` on the second page: 2 list pages and one comparison that
    // confirms `since` is still an ancestor before walking further.
    gh.resetCounts();
    const older = await source().src.listCommits({
      since: shas[49],
      until: head,
    });
    expect(older.map(c => c.sha)).toEqual(shas.slice(50));
    expect(gh.countsByRoute()).toEqual({ list: 2, compare: 1, commit: 180 });
  });

  it('throws StaleRefError after a force-push, without walking the whole history', async () => {
    const shas = addCommits(repo, 150, 'load');
    const oldHead = shas[149];
    repo.git('reset', '-q', '--hard', shas[145]);
    const rewritten = addCommits(repo, 3, 'rewritten');
    const newHead = rewritten[2];
    const gh = setup(repo);
    const { src } = source();

    expect(await src.headCommit()).toBe(newHead);
    const error = await src
      .listCommits({ since: oldHead, until: newHead })
      .catch(e => e);
    expect(error).toBeInstanceOf(StaleRefError);
    expect(error.sha).toBe(oldHead);
    // One page of history, then the comparison says "diverged".
    expect(gh.countsByRoute()).toEqual({ head: 1, list: 1, compare: 1 });

    // A sha GitHub does not know at all (garbage-collected): stale too.
    const unknown = 'f'.repeat(40);
    await expect(
      src.listCommits({ since: unknown, until: newHead }),
    ).rejects.toMatchObject({
      name: 'StaleRefError',
      sha: unknown,
    });

    // The ingester then re-reads from the root; the pages are cached.
    gh.resetCounts();
    const again = await src.listCommits({ until: newHead });
    expect(again.map(c => c.sha)).toEqual([
      ...shas.slice(0, 146),
      ...rewritten,
    ]);
    expect(gh.count('list')).toBe(1); // page 1 is cached, page 2 is new
    expect(gh.count('compare')).toBe(0);
  });

  it('treats an ancestor reached only through a merge like git log --first-parent', async () => {
    repo.write('a.txt', 'a\n');
    const a = repo.commit('A');
    repo.git('checkout', '-q', '-b', 'feature');
    repo.write('b.txt', 'b\n');
    const b = repo.commit('B on feature');
    repo.git('checkout', '-q', 'main');
    repo.write('c.txt', 'c\n');
    const c = repo.commit('C on main');
    repo.git('checkout', '-q', 'feature');
    repo.git('merge', '-q', '--no-ff', '-m', 'merge main into feature', 'main');
    const m = repo.head();
    repo.git('checkout', '-q', 'main');
    repo.git('merge', '-q', '--ff-only', 'feature');
    setup(repo);
    const local = new LocalGitSource(repo.dir, 'main');
    const { src } = source();

    const expected = await local.listCommits({ since: c, until: m });
    expect(expected.map(x => x.sha)).toEqual([b, m]);
    expect(
      (await src.listCommits({ since: c, until: m })).map(x => x.sha),
    ).toEqual([b, m]);
    expect(
      (await src.listCommits({ since: a, until: m })).map(x => x.sha),
    ).toEqual([b, m]);
  });

  it('reads each file once: duplicates in one call are fetched once, re-reads are free, 404 is undefined', async () => {
    const [sha] = buildMixedHistory(repo);
    const gh = setup(repo);
    const { src } = source();
    const requests = [
      { sha, path: 'gitops-pipeline.yaml' },
      { sha, path: 'apps/cart/dev/kustomization.yaml' },
      { sha, path: 'gitops-pipeline.yaml' },
      { sha, path: 'apps/cart/prod-eu/kustomization.yaml' },
      { sha, path: 'apps/cart/dev/kustomization.yaml' },
    ];
    const first = await src.readFiles(requests);
    expect(first).toEqual([
      TWO_STAGE_PIPELINE,
      kustomization('v1'),
      TWO_STAGE_PIPELINE,
      undefined,
      kustomization('v1'),
    ]);
    expect(gh.calls.map(c => `${c.route} ${c.status}`).sort()).toEqual([
      'contents 200',
      'contents 200',
      'contents 404',
    ]);
    gh.resetCounts();
    expect(await src.readFiles(requests)).toEqual(first);
    expect(gh.count()).toBe(0);
    // Decoded from the base64 content of the object media type.
    expect(first[0]).toContain('kind: Pipeline');
  });

  it('refuses a file over the size limit from its size, without downloading or caching its content', async () => {
    const big = Math.round(3.2 * MiB);
    repo.write('small.yaml', 'a: 1\n');
    repo.write('between.yaml', fileOf(1_500_000));
    repo.write('big.yaml', fileOf(big));
    const sha = repo.commit('files');
    const gh = setup(repo);
    const { src } = source();
    const requests = [
      { sha, path: 'small.yaml' },
      { sha, path: 'big.yaml' },
      { sha, path: 'missing.yaml' },
    ];
    expect(await src.readFiles(requests)).toEqual([
      'a: 1\n',
      new OversizedFile('big.yaml', big, MiB),
      undefined,
    ]);
    // One metadata request per file: the size came before any content.
    const OBJECT = 'application/vnd.github.object+json';
    expect(gh.calls.map(c => `${c.route} ${c.status} ${c.accept}`)).toEqual(
      expect.arrayContaining([
        `contents 200 ${OBJECT}`,
        `contents 200 ${OBJECT}`,
        `contents 404 ${OBJECT}`,
      ]),
    );
    expect(gh.count()).toBe(3);
    gh.resetCounts();
    expect(await src.readFiles(requests)).toEqual([
      'a: 1\n',
      new OversizedFile('big.yaml', big, MiB),
      undefined,
    ]);
    expect(gh.count('contents', 200)).toBe(0);

    // Over GitHub's 1 MB (no inline content) but under a 2 MiB limit: the
    // content comes with a second, raw request.
    gh.resetCounts();
    const { src: roomy } = source({ maxFileBytes: 2 * MiB });
    const [between, stillBig] = await roomy.readFiles([
      { sha, path: 'between.yaml' },
      { sha, path: 'big.yaml' },
    ]);
    expect(between).toBe(fileOf(1_500_000));
    expect(stillBig).toEqual(new OversizedFile('big.yaml', big, 2 * MiB));
    expect(
      gh.calls
        .map(c => `${c.url.split('/contents/')[1].split('?')[0]} ${c.accept}`)
        .sort(),
    ).toEqual([
      `between.yaml ${OBJECT}`,
      'between.yaml application/vnd.github.raw',
      `big.yaml ${OBJECT}`,
    ]);
  });

  it('leaves changedFiles undefined when GitHub may have truncated the file list', async () => {
    repo.write('seed.txt', 'x\n');
    repo.commit('seed');
    for (let i = 0; i < 320; i++) repo.write(`many/f${i}.txt`, `${i}\n`);
    const medium = repo.commit('320 files');
    for (let i = 0; i < 3001; i++) repo.write(`huge/f${i}.txt`, `${i}\n`);
    const huge = repo.commit('3001 files');
    const gh = setup(repo);
    const { src } = source();

    const [m, h] = await src.listCommits({
      since: repo.git('rev-parse', `${medium}^`),
      until: huge,
    });
    expect(m.sha).toBe(medium);
    expect(m.changedFiles).toHaveLength(320);
    expect(h.sha).toBe(huge);
    expect(h.changedFiles).toBeUndefined();
    // 320 files: 2 pages of 300; 3001 files: capped at 3000, 10 pages.
    expect(gh.countsByRoute()).toEqual({ list: 1, commit: 12 });
  });

  describe('rate limits and errors', () => {
    it('retries a secondary rate limit (403, retry-after: 1) and then succeeds', async () => {
      addCommits(repo, 1, 'c');
      const gh = setup(repo);
      gh.fail({
        route: 'head',
        status: 403,
        headers: { 'retry-after': '1' },
        body: { message: SECONDARY_MESSAGE, documentation_url: DOCS },
      });
      const { src, logger } = source();
      expect(await src.headCommit()).toBe(repo.head());
      expect(gh.calls.map(c => `${c.route} ${c.status}`)).toEqual([
        'head 403',
        'head 200',
      ]);
      expect(logger.lines.join('\n')).toMatch(
        /warn GitHub secondary rate limit hit for acme\/gitops .*retrying in 1s \(retry 1 of 3\)/,
      );
    });

    it('retries a 429 with retry-after and a primary limit after x-ratelimit-reset', async () => {
      const [sha] = addCommits(repo, 1, 'c');
      const gh = setup(repo);
      gh.fail({
        route: 'contents',
        status: 429,
        headers: { 'retry-after': '1' },
        body: { message: SECONDARY_MESSAGE },
      });
      gh.fail({
        route: 'contents',
        status: 403,
        headers: {
          'x-ratelimit-remaining': '0',
          'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 1),
        },
        body: {
          message: 'API rate limit exceeded for user ID 1.',
          documentation_url: DOCS,
        },
      });
      gh.fail({
        route: 'list',
        status: 429,
        headers: {
          'x-ratelimit-remaining': '0',
          'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 1),
        },
        body: { message: 'API rate limit exceeded for user ID 1.' },
      });
      const { src, logger } = source();
      expect(await src.readFiles([{ sha, path: 'apps/load/0.txt' }])).toEqual([
        'c 0\n',
      ]);
      expect(gh.calls.map(c => `${c.route} ${c.status}`)).toEqual([
        'contents 429',
        'contents 403',
        'contents 200',
      ]);
      expect((await src.listCommits({ until: sha })).map(c => c.sha)).toEqual([
        sha,
      ]);
      expect(gh.count('list')).toBe(2);
      const warnings = logger.lines.filter(l => l.startsWith('warn'));
      expect(warnings).toEqual([
        expect.stringMatching(/secondary rate limit hit .*retry 1 of 3/),
        expect.stringMatching(/GitHub rate limit hit .*retry 2 of 3/),
        expect.stringMatching(/GitHub rate limit hit .*retry 1 of 3/),
      ]);
    });

    it('gives up after the bounded number of retries with a precise error', async () => {
      addCommits(repo, 1, 'c');
      const gh = setup(repo);
      gh.fail(
        {
          route: 'head',
          status: 403,
          headers: { 'retry-after': '1' },
          body: { message: SECONDARY_MESSAGE },
        },
        4,
      );
      const { src } = source();
      await expect(src.headCommit()).rejects.toThrow(
        'GitHub secondary rate limit for acme/gitops still hit after 3 retries (403)',
      );
      expect(gh.count('head')).toBe(4);
    });

    it('fails fast on an exhausted primary limit that resets later, and stops calling until then', async () => {
      addCommits(repo, 1, 'c');
      const gh = setup(repo);
      const reset = Math.floor(Date.now() / 1000) + 3600;
      gh.fail({
        route: 'head',
        status: 403,
        headers: {
          'x-ratelimit-remaining': '0',
          'x-ratelimit-reset': String(reset),
        },
        body: { message: 'API rate limit exceeded for user ID 1.' },
      });
      const { src } = source();
      const when = new Date(reset * 1000).toISOString();
      await expect(src.headCommit()).rejects.toThrow(
        `GitHub API rate limit exhausted for acme/gitops (403): resets at ${when}, more than 120s away`,
      );
      await expect(src.headCommit()).rejects.toThrow(
        `GitHub API rate limit exhausted for acme/gitops; not calling GitHub until ${when}`,
      );
      expect(gh.count()).toBe(1);
    });

    it('retries server errors (502) with backoff', async () => {
      addCommits(repo, 1, 'c');
      const gh = setup(repo);
      gh.fail(
        { route: 'head', status: 502, body: { message: 'Server Error' } },
        2,
      );
      const { src } = source();
      expect(await src.headCommit()).toBe(repo.head());
      expect(gh.count('head')).toBe(3);

      gh.fail(
        {
          route: 'head',
          status: 503,
          body: { message: 'Service Unavailable' },
        },
        4,
      );
      await expect(src.headCommit()).rejects.toThrow(
        'GitHub API error reading the head of branch "main" of acme/gitops (503) after 3 retries: Service Unavailable',
      );
    });

    it('reports an unreachable API after retrying', async () => {
      let attempts = 0;
      server.use(
        http.all(`${API}/*`, () => {
          attempts++;
          return HttpResponse.error();
        }),
      );
      const { src } = source();
      await expect(src.headCommit()).rejects.toThrow(
        /^GitHub API https:\/\/api\.github\.com unreachable after 3 retries: /,
      );
      expect(attempts).toBe(4);
    });

    it('names the problem: unknown repository, rejected token, missing branch, no token', async () => {
      addCommits(repo, 1, 'c');
      setup(repo);
      const logger = recordingLogger();
      const missing = new GitHubGitSource({
        url: 'https://github.com/acme/nope',
        branch: 'main',
        apiBaseUrl: API,
        credentialsProvider: {
          getCredentials: async () => ({ type: 'token', token: TOKEN }),
        },
        logger,
      });
      const notFound = await missing.headCommit().catch(e => e);
      expect(notFound.message).toBe(
        'GitHub repository acme/nope not found or not accessible with the configured token (404)',
      );

      const badToken = `${TOKEN}-revoked`;
      const rejected = await source({
        credentialsProvider: {
          getCredentials: async () => ({ type: 'token', token: badToken }),
        },
      })
        .src.headCommit()
        .catch(e => e);
      expect(rejected.message).toBe('GitHub rejected the token (401)');

      const noBranch = await source({ branch: 'release/2026' })
        .src.headCommit()
        .catch(e => e);
      expect(noBranch.message).toBe(
        'branch "release/2026" not found in GitHub repository acme/gitops (422)',
      );

      const anonymous = await source({ credentialsProvider: undefined })
        .src.headCommit()
        .catch(e => e);
      expect(anonymous.message).toBe(
        'GitHub repository acme/gitops not found or not accessible without a token (404); configure integrations.github for github.com',
      );

      const appError = await source({
        credentialsProvider: {
          getCredentials: async () => {
            throw new Error('No app installation found for acme');
          },
        },
      })
        .src.headCommit()
        .catch(e => e);
      expect(appError.message).toBe(
        'could not get GitHub credentials for https://github.com/acme/gitops: No app installation found for acme',
      );

      for (const e of [notFound, rejected, noBranch, anonymous]) {
        expect(`${e.message} ${e.stack} ${JSON.stringify(e)}`).not.toContain(
          TOKEN.slice(4),
        );
      }
      expect(logger.lines.join('\n')).not.toContain(TOKEN.slice(4));
    });

    it('keeps the token out of location, logs and errors', async () => {
      addCommits(repo, 1, 'c');
      const gh = setup(repo);
      gh.fail(
        {
          route: 'head',
          status: 403,
          headers: { 'retry-after': '1' },
          body: { message: SECONDARY_MESSAGE },
        },
        4,
      );
      const { src, logger } = source({
        url: `https://x-access-token:${TOKEN}@github.com/acme/gitops.git`,
      });
      expect(src.location).toBe('https://github.com/acme/gitops');
      const error = await src.headCommit().catch(e => e);
      expect(error.message).toMatch(/still hit after 3 retries/);
      const everything = [
        src.location,
        error.message,
        error.stack,
        JSON.stringify(error),
        ...logger.lines,
      ].join('\n');
      expect(everything).not.toContain(TOKEN.slice(4));
      expect(logger.lines.filter(l => l.startsWith('warn'))).toHaveLength(3);
    });
  });

  describe('configuration', () => {
    it('takes the token from integrations.github (github.com) through createGitSource', async () => {
      addCommits(repo, 1, 'c');
      const gh = setup(repo);
      const config = new ConfigReader({
        integrations: { github: [{ host: 'github.com', token: TOKEN }] },
      });
      const src = createGitSource(
        {
          id: 'prod',
          provider: 'github',
          url: 'https://github.com/acme/gitops',
          branch: 'main',
          pipelineFile: 'gitops-pipeline.yaml',
        },
        config,
        recordingLogger(),
      );
      expect(await src.headCommit()).toBe(repo.head());
      expect(src.location).toBe('https://github.com/acme/gitops');
      expect(gh.count('head', 200)).toBe(1);
    });

    it('uses the API base URL of a GitHub Enterprise host', async () => {
      addCommits(repo, 1, 'c');
      const gh = setup(repo, {
        apiBase: 'https://ghe.example.com/api/v3',
        owner: 'platform',
        repo: 'deploy',
      });
      const config = new ConfigReader({
        integrations: {
          github: [
            {
              host: 'ghe.example.com',
              apiBaseUrl: 'https://ghe.example.com/api/v3',
              token: TOKEN,
            },
          ],
        },
      });
      const src = GitHubGitSource.fromConfig(config, {
        url: 'https://ghe.example.com/platform/deploy',
        branch: 'main',
        logger: recordingLogger(),
      });
      const head = await src.headCommit();
      expect(head).toBe(repo.head());
      expect(src.commitUrl(head)).toBe(
        `https://ghe.example.com/platform/deploy/commit/${head}`,
      );
      expect(gh.calls[0].url).toBe(
        'https://ghe.example.com/api/v3/repos/platform/deploy/commits/heads/main',
      );
    });

    it('fails at startup for a host without an integrations.github entry', () => {
      expect(() =>
        createGitSource(
          {
            id: 'x',
            provider: 'github',
            url: 'https://git.corp.example/acme/gitops',
            branch: 'main',
            pipelineFile: 'p.yaml',
          },
          new ConfigReader({}),
          recordingLogger(),
        ),
      ).toThrow(
        'gitops.repositories x: no integrations.github entry for host git.corp.example; add one (with a token or a GitHub App) to read https://git.corp.example/acme/gitops',
      );
    });
  });
});

// -----------------------------------------------------------------------------

describe('RepositoryIngester over GitHub', () => {
  const databases = TestDatabases.create({ ids: ['SQLITE_3'] });
  const ENVS = ['dev', 'staging', 'prod-us', 'prod-eu'];
  let repo: GitRepoFixture;

  beforeEach(() => {
    repo = new GitRepoFixture();
  });
  afterEach(() => repo.cleanup());

  it('records the rollouts of a GitOps history and reads only what changed on the next run', async () => {
    repo.write('gitops-pipeline.yaml', TWO_STAGE_PIPELINE);
    for (const env of ENVS)
      repo.write(`apps/cart/${env}/kustomization.yaml`, kustomization('v1'));
    repo.commit('bootstrap cart in every environment');
    repo.write('apps/cart/dev/kustomization.yaml', kustomization('v2'));
    repo.commit('bump cart to v2 in dev', {
      name: 'CI Bot',
      email: 'ci@example.com',
    });
    repo.write('apps/cart/staging/kustomization.yaml', kustomization('v2'));
    repo.commit('promote cart v2 from dev to staging', {
      name: 'Grace Hopper',
      email: 'grace@example.com',
    });
    repo.write('README.md', '# config only\n');
    repo.commit('docs: explain the layout');
    repo.write('apps/cart/prod-us/kustomization.yaml', kustomization('v2'));
    repo.write('apps/cart/prod-eu/kustomization.yaml', kustomization('v2'));
    repo.commit('release cart v2 to prod\n\nGitops-Kind: promotion');
    repo.write('apps/cart/prod-eu/kustomization.yaml', kustomization('v1'));
    repo.commit('rollback cart in prod-eu to v1');

    const gh = setup(repo);
    const knex = await databases.init('SQLITE_3');
    const store = await LedgerStore.fromKnex(knex);
    const { src } = source();
    const ingester = new RepositoryIngester({
      repositoryId: 'shop',
      pipelineFile: 'gitops-pipeline.yaml',
      source: src,
      store,
      locators: createDefaultLocatorRegistry(),
      logger: recordingLogger(),
    });

    expect(await ingester.ingest()).toMatchObject({
      commits: 6,
      rolloutsInserted: 9,
    });
    const { rows } = await store.listRollouts({
      repositoryId: 'shop',
      service: 'cart',
      limit: 100,
    });
    expect(
      rows
        .reverse()
        .map(
          r =>
            `${r.environment} ${r.from_version ?? '-'}→${r.to_version} ${
              r.kind
            } ${r.author_name}`,
        ),
    ).toEqual([
      'dev -→v1 initial Ada Lovelace',
      'staging -→v1 initial Ada Lovelace',
      'prod-us -→v1 initial Ada Lovelace',
      'prod-eu -→v1 initial Ada Lovelace',
      'dev v1→v2 direct CI Bot',
      'staging v1→v2 promotion Grace Hopper',
      'prod-us v1→v2 promotion Grace Hopper',
      'prod-eu v1→v2 promotion Grace Hopper',
      'prod-eu v2→v1 rollback Grace Hopper',
    ]);
    // head + 1 page + 6 commits + the 5 files of the bootstrap commit + one
    // per later manifest change (dev, staging, prod-us, prod-eu, prod-eu).
    expect(gh.countsByRoute()).toEqual({
      head: 1,
      list: 1,
      commit: 6,
      contents: 10,
    });

    // Nothing new: a single conditional request.
    gh.resetCounts();
    expect(await ingester.ingest()).toMatchObject({
      commits: 0,
      rolloutsInserted: 0,
    });
    expect(gh.calls.map(c => `${c.route} ${c.status}`)).toEqual(['head 304']);

    // One new commit: head, one page, its files, the one manifest it changed.
    repo.write('apps/cart/dev/kustomization.yaml', kustomization('v3'));
    repo.commit('bump cart to v3 in dev', {
      name: 'CI Bot',
      email: 'ci@example.com',
    });
    gh.resetCounts();
    expect(await ingester.ingest()).toMatchObject({
      commits: 1,
      rolloutsInserted: 1,
    });
    expect(gh.countsByRoute()).toEqual({
      head: 1,
      list: 1,
      commit: 1,
      contents: 1,
    });
    const states = await store.getDesiredStates('shop', 'cart');
    expect(
      Object.fromEntries(states.map(s => [s.environment, s.version])),
    ).toEqual({
      dev: 'v3',
      staging: 'v2',
      'prod-us': 'v2',
      'prod-eu': 'v1',
    });
  });
});
