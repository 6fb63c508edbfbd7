import type { LoggerService } from '@backstage/backend-plugin-api';
import type { Config } from '@backstage/config';
import {
  DefaultGithubCredentialsProvider,
  GithubCredentialsProvider,
  ScmIntegrations,
} from '@backstage/integration';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import { Octokit } from '@octokit/rest';
import type { ChecksSummary } from '@gitops2/plugin-gitops-common';
import {
  DEFAULT_MAX_FILE_BYTES,
  FileContent,
  GitCommit,
  GitSource,
  OversizedFile,
  StaleRefError,
} from './types';

/** A pull request GitHub associates with a commit. */
export interface HostedPullRequest {
  number: number;
  title?: string;
  body?: string;
  branch?: string;
}

type CheckConclusion = ChecksSummary['items'][number]['conclusion'];

/** Check runs and commit statuses (GraphQL statusCheckRollup) → ChecksSummary. */
export function summarizeChecks(nodes: any[]): ChecksSummary {
  const items: ChecksSummary['items'] = [];
  for (const n of nodes) {
    let name: string | undefined;
    let conclusion: CheckConclusion;
    let url: string | undefined;
    if (n?.__typename === 'CheckRun') {
      name = n.name;
      url = n.detailsUrl ?? undefined;
      const c = String(n.conclusion ?? '').toUpperCase();
      if (String(n.status ?? '').toUpperCase() !== 'COMPLETED')
        conclusion = 'pending';
      else if (c === 'SUCCESS') conclusion = 'success';
      else if (c === 'NEUTRAL' || c === 'STALE') conclusion = 'neutral';
      else if (c === 'SKIPPED') conclusion = 'skipped';
      else conclusion = 'failure';
    } else if (n?.__typename === 'StatusContext') {
      name = n.context;
      url = n.targetUrl ?? undefined;
      const st = String(n.state ?? '').toUpperCase();
      if (st === 'SUCCESS') conclusion = 'success';
      else if (st === 'PENDING' || st === 'EXPECTED') conclusion = 'pending';
      else conclusion = 'failure';
    } else {
      continue;
    }
    if (typeof name !== 'string') continue;
    items.push({
      name: name.slice(0, 255),
      conclusion,
      ...(url ? { url: String(url).slice(0, 1024) } : {}),
    });
  }
  return {
    total: items.length,
    passed: items.filter(i => i.conclusion === 'success').length,
    failed: items.filter(i => i.conclusion === 'failure').length,
    pending: items.filter(i => i.conclusion === 'pending').length,
    items,
  };
}

const ThrottledOctokit = Octokit.plugin(throttling, retry);
type GitHubClient = InstanceType<typeof ThrottledOctokit>;

/** Options of {@link GitHubGitSource}. */
export interface GitHubGitSourceOptions {
  /** `https://<host>/<owner>/<repo>` (an optional `.git` suffix is dropped). */
  url: string;
  branch: string;
  /** REST API base URL without trailing slash, e.g. `https://api.github.com`. */
  apiBaseUrl: string;
  /** Token or GitHub App credentials; none means anonymous access. */
  credentialsProvider?: GithubCredentialsProvider;
  logger: LoggerService;
  /** Retries on rate limits (primary and secondary). Default 3. */
  maxRetries?: number;
  /**
   * Longest wait, in seconds, accepted before a rate-limited retry; a later
   * reset fails the run instead of hanging it. Default 120.
   */
  maxRetryAfterSeconds?: number;
  /**
   * Milliseconds per second of `retry-after` / rate-limit reset, and the base
   * of the server-error backoff (1, 4, 9 × base). Default 1000; tests make it
   * small.
   */
  retryAfterBaseMs?: number;
  /** Parallel per-commit and per-file requests. Default 4. */
  concurrency?: number;
  /** File contents kept in memory (keyed by commit sha and path). Default 5000. */
  fileCacheSize?: number;
  /**
   * Files larger than this (GitHub's `size`) are not downloaded: readFiles
   * returns an OversizedFile. Default 1 MiB.
   */
  maxFileBytes?: number;
  /** Commits whose changed files are kept in memory. Default 20000. */
  commitCacheSize?: number;
}

/** A commit as the list and compare endpoints return it (the fields used). */
interface ApiCommit {
  sha: string;
  parents?: Array<{ sha: string }>;
  commit: {
    message: string;
    author?: { name?: string; email?: string; date?: string } | null;
    committer?: { name?: string; email?: string; date?: string } | null;
  };
  files?: ApiFile[];
}

interface ApiFile {
  filename: string;
  status?: string;
  previous_filename?: string;
}

interface ApiCompare {
  status: 'identical' | 'ahead' | 'behind' | 'diverged';
  ahead_by: number;
  behind_by: number;
  total_commits: number;
  commits: ApiCommit[];
  files?: ApiFile[];
}

/** The contents endpoint with the object media type (the fields used). */
interface ApiContent {
  type: 'file' | 'dir' | 'symlink' | 'submodule';
  size: number;
  /** `base64`, or `none` for files over 1 MB (content then empty). */
  encoding?: string;
  content?: string;
}

type CommitInfo = Omit<GitCommit, 'changedFiles'>;

/** Per-call bookkeeping shared with the throttling handlers. */
interface Track {
  rateLimit?: {
    kind: 'primary' | 'secondary';
    retryAfter: number;
    retries: number;
    reason: 'exhausted' | 'too-long';
    resetAt?: number;
  };
  /** Rate-limit retries made so far. */
  rateRetries?: number;
}

export interface Response {
  status: number;
  headers: Record<string, string | number | undefined>;
  data: unknown;
}

/** What a 404 / 422 means for one call. */
export interface CallContext {
  what: string;
  notFound?: () => Error;
  unprocessable?: (message: string) => Error;
  /** 409 (e.g. a merge whose head moved), instead of "repository is empty". */
  conflict?: (message: string) => Error;
  /** 405 (e.g. a pull request that cannot be merged, or is merged already). */
  notAllowed?: (message: string) => Error;
}

/**
 * GitHub caps the changed files of one commit at 3000 (300 per page) and of a
 * comparison at 300; a list this long may be truncated.
 */
const COMMIT_FILES_CAP = 3000;
const COMPARE_FILES_CAP = 300;
const PER_PAGE = 100;
/** How long pull-request associations and CI results of a commit are reused. */
const ASSOCIATIONS_TTL_MS = 10 * 60_000;
const ASSOCIATIONS_CACHE_SIZE = 20_000;

/** A bounded insertion-ordered cache: the oldest entry goes first. */
function remember<V>(cache: Map<string, V>, key: string, value: V): void {
  cache.delete(key);
  cache.set(key, value);
  if (cache.size > ASSOCIATIONS_CACHE_SIZE) {
    cache.delete(cache.keys().next().value as string);
  }
}
const SHA_RE = /^[0-9a-f]{40}$/;

/** Marks a 404 that means "no such file" rather than an error. */
const NOT_FOUND = new Error('not found');

/** A Map-based least-recently-used cache of bounded size. */
class LruCache<V> {
  private readonly map = new Map<string, V>();

  constructor(private readonly max: number) {}

  get(key: string): V | undefined {
    if (!this.map.has(key)) return undefined;
    const value = this.map.get(key)!;
    this.map.delete(key);
    this.map.set(key, value);
    return value;
  }

  set(key: string, value: V): void {
    this.map.delete(key);
    this.map.set(key, value);
    if (this.map.size > this.max)
      this.map.delete(this.map.keys().next().value as string);
  }
}

/**
 * A GitOps repository on github.com or GitHub Enterprise, read through the
 * REST API (Octokit with throttling and retries). Same semantics as
 * LocalGitSource: first-parent history, StaleRefError after a force-push.
 *
 * Requests are kept low: the branch head is a conditional request (a 304
 * does not count against the rate limit), and everything addressed by a
 * commit sha (history pages, changed files, file contents) is immutable and
 * cached in bounded in-memory LRUs.
 */
export class GitHubGitSource implements GitSource {
  readonly location: string;
  private readonly host: string;
  private readonly owner: string;
  private readonly repo: string;
  private readonly slug: string;
  private readonly branch: string;
  private readonly apiBaseUrl: string;
  private readonly logger: LoggerService;
  private readonly octokit: GitHubClient;
  private readonly credentialsProvider?: GithubCredentialsProvider;
  private readonly maxRetries: number;
  private readonly maxRetryAfterSeconds: number;
  private readonly concurrency: number;

  private head?: { etag: string; sha: string };
  private readonly listPages = new LruCache<{
    commits: CommitInfo[];
    next?: string;
  }>(2000);
  private readonly compares = new LruCache<ApiCompare>(200);
  private readonly resolvedRefs = new LruCache<string>(20_000);
  private readonly commitFiles: LruCache<string[] | null>;
  private readonly files: LruCache<string | null | OversizedFile>;
  private readonly inFlight = new Map<string, Promise<FileContent>>();
  private readonly maxFileBytes: number;
  private rateLimitedUntil?: { at: number; message: string };
  private lowRateLimitWarnedFor?: string;
  private anonymous = false;

  /**
   * Creates the source for a `github` repository of app-config: API base URL
   * and token (or GitHub App) from the `integrations.github` entry of the
   * repository's host.
   */
  static fromConfig(
    config: Config,
    options: { url: string; branch: string; logger: LoggerService } & Partial<
      Omit<GitHubGitSourceOptions, 'url' | 'branch' | 'logger'>
    >,
  ): GitHubGitSource {
    const { host } = parseGitHubUrl(options.url);
    const integrations = ScmIntegrations.fromConfig(config);
    const integration = integrations.github.byHost(host);
    if (!integration) {
      throw new Error(
        `no integrations.github entry for host ${host}; add one (with a token or a GitHub App) to read ${redactUrl(
          options.url,
        )}`,
      );
    }
    const apiBaseUrl =
      integration.config.apiBaseUrl ??
      (host === 'github.com'
        ? 'https://api.github.com'
        : `https://${host}/api/v3`);
    return new GitHubGitSource({
      credentialsProvider:
        DefaultGithubCredentialsProvider.fromIntegrations(integrations),
      ...options,
      apiBaseUrl: options.apiBaseUrl ?? apiBaseUrl,
    });
  }

  constructor(options: GitHubGitSourceOptions) {
    const { host, owner, repo } = parseGitHubUrl(options.url);
    this.host = host;
    this.owner = owner;
    this.repo = repo;
    this.slug = `${owner}/${repo}`;
    this.location = `https://${host}/${owner}/${repo}`;
    this.branch = options.branch;
    this.apiBaseUrl = options.apiBaseUrl.replace(/\/+$/, '');
    this.logger = options.logger;
    this.credentialsProvider = options.credentialsProvider;
    this.maxRetries = options.maxRetries ?? 3;
    this.maxRetryAfterSeconds = options.maxRetryAfterSeconds ?? 120;
    this.concurrency = Math.max(1, options.concurrency ?? 4);
    this.commitFiles = new LruCache(options.commitCacheSize ?? 20_000);
    this.files = new LruCache(options.fileCacheSize ?? 5000);
    this.maxFileBytes = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
    const base = options.retryAfterBaseMs ?? 1000;

    const log = this.logger;
    this.octokit = new ThrottledOctokit({
      baseUrl: this.apiBaseUrl,
      userAgent: 'backstage-plugin-gitops-backend',
      // Octokit logs every request at info level (and its options, headers
      // included, at debug): keep the message only, one level down.
      log: {
        debug: (m: string) => log.debug(m),
        info: (m: string) => log.debug(m),
        warn: (m: string) => log.warn(m),
        error: (m: string) => log.error(m),
      },
      throttle: {
        retryAfterBaseValue: base,
        onRateLimit: (
          retryAfter: number,
          opts: any,
          _o: unknown,
          retryCount: number,
        ) => this.onRateLimit('primary', retryAfter, opts, retryCount),
        onSecondaryRateLimit: (
          retryAfter: number,
          opts: any,
          _o: unknown,
          retryCount: number,
        ) => this.onRateLimit('secondary', retryAfter, opts, retryCount),
      },
      retry: {
        retryAfterBaseValue: base,
        retries: this.maxRetries,
        // Rate limits (403, 429) are handled by the throttling handlers below,
        // which respect retry-after; plugin-retry backs off on 5xx and network
        // errors only.
        doNotRetry: [400, 401, 403, 404, 409, 422, 429, 451],
      },
    });

    // plugin-throttling 8 only recognises 403s; GitHub also answers 429 for
    // both kinds of rate limit.
    this.octokit.hook.wrap('request', async (request, opts: any) => {
      for (;;) {
        try {
          return await request(opts);
        } catch (e: any) {
          if (e?.status !== 429 || !e.response) throw e;
          const headers = e.response.headers ?? {};
          const primary =
            headers['x-ratelimit-remaining'] === '0' &&
            !/secondary rate/i.test(e.message);
          const retryAfter =
            Number(headers['retry-after']) ||
            (primary ? secondsUntilReset(headers['x-ratelimit-reset']) : 60);
          if (
            !this.onRateLimit(
              primary ? 'primary' : 'secondary',
              retryAfter,
              opts,
              0,
            )
          )
            throw e;
          await sleep(retryAfter * base);
        }
      }
    });

    // Credentials per request: GitHub App installation tokens expire, the
    // provider caches and renews them.
    this.octokit.hook.before('request', async (opts: any) => {
      const blocked = this.rateLimitedUntil;
      if (blocked && blocked.at > Date.now()) throw new Error(blocked.message);
      if (!this.credentialsProvider) {
        this.anonymous = true;
        return;
      }
      let token: string | undefined;
      try {
        ({ token } = await this.credentialsProvider.getCredentials({
          url: this.location,
        }));
      } catch (e) {
        throw new Error(
          `could not get GitHub credentials for ${this.location}: ${
            e instanceof Error ? e.message : String(e)
          }`,
        );
      }
      this.anonymous = !token;
      if (token) opts.headers.authorization = `token ${token}`;
    });
  }

  async headCommit(): Promise<string> {
    const cached = this.head;
    const res = await this.call(
      `GET /repos/{owner}/{repo}/commits/heads/${encodePath(this.branch)}`,
      {
        headers: {
          accept: 'application/vnd.github.sha',
          ...(cached ? { 'if-none-match': cached.etag } : {}),
        },
      },
      {
        what: `the head of branch "${this.branch}"`,
        unprocessable: () =>
          new Error(
            `branch "${this.branch}" not found in GitHub repository ${this.slug} (422)`,
          ),
      },
    );
    if (res.status === 304 && cached) return cached.sha;
    const sha = toText(res.data).trim();
    if (!SHA_RE.test(sha)) {
      throw new Error(
        `GitHub returned no commit sha for branch "${this.branch}" of ${this.slug} (status ${res.status})`,
      );
    }
    const etag = res.headers.etag;
    this.head = typeof etag === 'string' ? { etag, sha } : undefined;
    return sha;
  }

  /**
   * Walks the commit list of `until` (newest first, 100 per page) along the
   * first-parent chain until `since`; the list endpoint returns every
   * ancestor, so commits merged in from other branches are skipped.
   */
  async listCommits(options: {
    since?: string;
    until: string;
    limit?: number;
  }): Promise<GitCommit[]> {
    const { since, until } = options;
    const seen = new Map<string, CommitInfo>();
    const chain: CommitInfo[] = [];
    let cursor: string | undefined = until;
    let next: string | undefined;
    let pages = 0;
    let compare: ApiCompare | undefined;

    for (;;) {
      if (since !== undefined && cursor === since) break;
      if (cursor === undefined) {
        // The root was reached without meeting `since`.
        if (since !== undefined) {
          return this.withChangedFiles(
            await this.notOnFirstParentChain(since, until, chain, compare),
          );
        }
        break;
      }
      const commit = seen.get(cursor);
      if (commit) {
        chain.push(commit);
        cursor = commit.parents[0];
        continue;
      }
      if (pages > 0 && !next) {
        if (since !== undefined) {
          return this.withChangedFiles(
            await this.notOnFirstParentChain(since, until, chain, compare),
          );
        }
        throw new Error(
          `GitHub's history of ${this.slug} at ${until.slice(
            0,
            12,
          )} is missing commit ${cursor.slice(0, 12)}`,
        );
      }
      if (since !== undefined && pages === 1 && !compare) {
        // `since` is not among the newest 100 commits: find out now whether
        // it is still in the history at all, rather than after walking all
        // of it (a force-push would otherwise cost the whole history twice).
        compare = await this.compare(since, until);
        if (
          !compare ||
          compare.status === 'diverged' ||
          compare.status === 'behind'
        ) {
          throw new StaleRefError(since);
        }
      }
      const page = await this.listPage(until, next);
      pages++;
      for (const c of page.commits) seen.set(c.sha, c);
      next = page.next;
    }
    return this.withChangedFiles(chain.reverse());
  }

  async readFiles(
    requests: Array<{ sha: string; path: string }>,
  ): Promise<FileContent[]> {
    const unique = new Map<string, { sha: string; path: string }>();
    for (const r of requests) unique.set(fileKey(r.sha, r.path), r);
    const results = new Map<string, FileContent>();
    await mapLimit(
      [...unique.entries()],
      this.concurrency,
      async ([key, r]) => {
        results.set(key, await this.readFile(key, r.sha, r.path));
      },
    );
    return requests.map(r => results.get(fileKey(r.sha, r.path)));
  }

  commitUrl(sha: string): string | undefined {
    return `${this.location}/commit/${sha}`;
  }

  // ---------------------------------------------------------------------------

  // --- source repositories (correlation) ------------------------------------

  /**
   * The full sha a revision (short or full sha) names, or undefined when the
   * repository has no such commit. One request (`application/vnd.github.sha`,
   * no body to speak of) per revision, cached.
   */
  async resolveCommit(ref: string): Promise<string | undefined> {
    const cached = this.resolvedRefs.get(ref);
    if (cached) return cached;
    const NONE = new Error('none');
    try {
      const res = await this.call(
        'GET /repos/{owner}/{repo}/commits/{ref}',
        { ref, headers: { accept: 'application/vnd.github.sha' } },
        {
          what: `commit ${ref.slice(0, 12)}`,
          notFound: () => NONE,
          unprocessable: () => NONE,
        },
      );
      const sha = toText(res.data).trim();
      if (!SHA_RE.test(sha)) return undefined;
      this.resolvedRefs.set(ref, sha);
      return sha;
    } catch (e) {
      if (e === NONE) return undefined;
      throw e;
    }
  }

  /**
   * Commits of `head` not in `base`, newest first, through every page of
   * GitHub's comparison (which lists at most 250 commits without paging),
   * up to `max`; `behindBy` counts the commits of `base` not in `head`.
   * Undefined when a sha is unknown.
   */
  async compareCommits(
    base: string,
    head: string,
    max = 10_000,
  ): Promise<
    { commits: CommitInfo[]; aheadBy: number; behindBy: number } | undefined
  > {
    const first = await this.compare(base, head, 1);
    if (!first) return undefined;
    const commits = [...first.commits];
    const want = Math.min(first.ahead_by, max);
    for (let page = 2; commits.length < want; page++) {
      const next = await this.compare(base, head, page);
      if (!next || next.commits.length === 0) break;
      commits.push(...next.commits);
    }
    return {
      commits: commits.slice(0, want).map(toCommitInfo).reverse(),
      aheadBy: first.ahead_by,
      behindBy: first.behind_by,
    };
  }

  /** Up to `max` commits reachable from `sha`, newest first. */
  async history(sha: string, max: number): Promise<CommitInfo[]> {
    const out: CommitInfo[] = [];
    let url: string | undefined;
    while (out.length < max) {
      const page = await this.listPage(sha, url);
      out.push(...page.commits);
      if (!page.next) break;
      url = page.next;
    }
    return out.slice(0, max);
  }

  /**
   * The pull requests GitHub associates with each commit, and the CI results
   * (check runs and commit statuses) of `checksOf`, in one GraphQL query per
   * 100 commits. Undefined when GraphQL is not available (no token): callers
   * fall back to what commit messages say.
   */
  /** Forgets the remembered CI results of a commit (CI reported anew). */
  forgetChecks(sha: string): void {
    this.checksCache.delete(sha);
  }

  async commitAssociations(
    shas: string[],
    checksOf?: string,
  ): Promise<
    | {
        pullRequests: Map<string, HostedPullRequest[]>;
        checks?: ChecksSummary;
      }
    | undefined
  > {
    const pullRequests = new Map<string, HostedPullRequest[]>();
    let checks: ChecksSummary | undefined;
    const now = Date.now();
    const fresh = (at: number) => now - at < ASSOCIATIONS_TTL_MS;
    // Repeat views (e.g. "pending for the next environment") are served from
    // memory: pull requests of a commit rarely change within minutes.
    const valid: string[] = [];
    for (const sha of new Set(shas)) {
      if (!SHA_RE.test(sha)) continue;
      const hit = this.associationCache.get(sha);
      if (hit && fresh(hit.at)) pullRequests.set(sha, hit.prs);
      else valid.push(sha);
    }
    let wantChecks = checksOf && SHA_RE.test(checksOf) ? checksOf : undefined;
    const cachedChecks = wantChecks
      ? this.checksCache.get(wantChecks)
      : undefined;
    if (cachedChecks && fresh(cachedChecks.at)) {
      checks = cachedChecks.checks;
      wantChecks = undefined;
    }
    const url = `${this.apiBaseUrl.replace(/\/api\/v3$/, '/api')}/graphql`;
    const chunks: string[][] = [];
    for (let i = 0; i < valid.length; i += 100)
      chunks.push(valid.slice(i, i + 100));
    if (chunks.length === 0 && wantChecks) chunks.push([]);
    for (const [index, chunk] of chunks.entries()) {
      const fields = chunk.map(
        (sha, j) =>
          `c${j}: object(oid: "${sha}") { ... on Commit { associatedPullRequests(first: 10) { nodes { number title body headRefName } } } }`,
      );
      if (index === 0 && wantChecks) {
        fields.push(
          `checks: object(oid: "${wantChecks}") { ... on Commit { statusCheckRollup { contexts(first: 100) { nodes { __typename ... on CheckRun { name status conclusion detailsUrl } ... on StatusContext { context state targetUrl } } } } } }`,
        );
      }
      let data: any;
      try {
        const res = await this.call(
          `POST ${url}`,
          {
            query: `query($owner: String!, $name: String!) { repository(owner: $owner, name: $name) { ${fields.join(
              ' ',
            )} } }`,
            variables: { owner: this.owner, name: this.repo },
          },
          { what: 'the pull requests of commits' },
        );
        data = (res.data as any)?.data?.repository;
      } catch (e) {
        const message = e instanceof Error ? e.message : String(e);
        // Without a usable token GraphQL is not available: fall back to
        // commit messages. Anything else (rate limits, outages) fails the
        // rollout, which stays pending for the next run.
        if (!this.anonymous && !/\(401\)|\(403\)/.test(message)) throw e;
        this.logger.debug(
          `no pull requests from GitHub GraphQL for ${this.slug}: ${message}`,
        );
        return undefined;
      }
      if (!data) return undefined;
      chunk.forEach((sha, j) => {
        const nodes: any[] = data[`c${j}`]?.associatedPullRequests?.nodes ?? [];
        const prs: HostedPullRequest[] = nodes
          .filter(n => typeof n?.number === 'number')
          .map(n => ({
            number: n.number,
            title: typeof n.title === 'string' ? n.title : undefined,
            body:
              typeof n.body === 'string' ? n.body.slice(0, 20_000) : undefined,
            branch:
              typeof n.headRefName === 'string' ? n.headRefName : undefined,
          }));
        pullRequests.set(sha, prs);
        remember(this.associationCache, sha, { prs, at: now });
      });
      if (index === 0 && wantChecks) {
        checks = summarizeChecks(
          data.checks?.statusCheckRollup?.contexts?.nodes ?? [],
        );
        remember(this.checksCache, wantChecks, { checks, at: now });
      }
    }
    return { pullRequests, checks };
  }

  private readonly associationCache = new Map<
    string,
    { prs: HostedPullRequest[]; at: number }
  >();
  private readonly checksCache = new Map<
    string,
    { checks: ChecksSummary; at: number }
  >();

  /** Web link to a pull request. */
  pullRequestUrl(n: number): string {
    return `${this.location}/pull/${n}`;
  }

  private readFile(
    key: string,
    sha: string,
    path: string,
  ): Promise<FileContent> {
    const cached = this.files.get(key);
    if (cached !== undefined) return Promise.resolve(cached ?? undefined);
    const running = this.inFlight.get(key);
    if (running) return running;
    const promise = (async (): Promise<FileContent> => {
      // The object media type gives the size with the content (base64, up
      // to GitHub's 1 MB; nothing above): a file over the limit is refused
      // before decoding, and above 1 MB without downloading it at all.
      const res = await this.call(
        `GET /repos/{owner}/{repo}/contents/${encodePath(path)}`,
        { ref: sha, headers: { accept: 'application/vnd.github.object+json' } },
        { what: `${path} at ${sha.slice(0, 12)}`, notFound: () => NOT_FOUND },
      ).catch(e => {
        if (e === NOT_FOUND) return undefined;
        throw e;
      });
      const data = res?.data as ApiContent | undefined;
      let content: FileContent;
      // A directory, a submodule or a symlink out of the repository: no file.
      if (data?.type !== 'file' || typeof data.size !== 'number') {
        content = undefined;
      } else if (data.size > this.maxFileBytes) {
        content = new OversizedFile(path, data.size, this.maxFileBytes);
      } else if (data.encoding === 'base64') {
        content = Buffer.from(data.content ?? '', 'base64').toString('utf8');
      } else {
        // Over GitHub's 1 MB the content is left out ("none"): ask for it raw.
        content = await this.readRaw(sha, path);
      }
      if (
        SHA_RE.test(sha) &&
        (typeof content !== 'string' || content.length <= 1024 * 1024)
      ) {
        this.files.set(key, content ?? null);
      }
      return content;
    })().finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, promise);
    return promise;
  }

  /** A file's content with the raw media type (files over GitHub's 1 MB). */
  private async readRaw(sha: string, path: string): Promise<FileContent> {
    const res = await this.call(
      `GET /repos/{owner}/{repo}/contents/${encodePath(path)}`,
      { ref: sha, headers: { accept: 'application/vnd.github.raw' } },
      { what: `${path} at ${sha.slice(0, 12)}`, notFound: () => NOT_FOUND },
    ).catch(e => {
      if (e === NOT_FOUND) return undefined;
      throw e;
    });
    if (!res) return undefined;
    const bytes =
      res.data instanceof ArrayBuffer
        ? res.data.byteLength
        : Buffer.byteLength(String(res.data ?? ''));
    // The size was checked already; this only guards a changing answer.
    if (bytes > this.maxFileBytes)
      return new OversizedFile(path, bytes, this.maxFileBytes);
    return toText(res.data);
  }

  private async listPage(
    until: string,
    url: string | undefined,
  ): Promise<{ commits: CommitInfo[]; next?: string }> {
    const key = url ?? `first:${until}`;
    const immutable = SHA_RE.test(until);
    const cached = immutable ? this.listPages.get(key) : undefined;
    if (cached) return cached;
    const res = url
      ? await this.call(
          `GET ${this.checkedNextUrl(url)}`,
          {},
          { what: `the history of ${until.slice(0, 12)}` },
        )
      : await this.call(
          'GET /repos/{owner}/{repo}/commits',
          { sha: until, per_page: PER_PAGE },
          {
            what: `the history of ${until.slice(0, 12)}`,
            unprocessable: () =>
              new Error(
                `commit ${until.slice(0, 12)} not found in GitHub repository ${
                  this.slug
                } (422)`,
              ),
          },
        );
    if (!Array.isArray(res.data)) {
      throw new Error(
        `GitHub returned an unexpected commit list for ${this.slug}`,
      );
    }
    const page = {
      commits: (res.data as ApiCommit[]).map(toCommitInfo),
      next: nextLink(res.headers.link),
    };
    if (immutable) this.listPages.set(key, page);
    return page;
  }

  private async compare(
    base: string,
    head: string,
    page = 1,
  ): Promise<ApiCompare | undefined> {
    const key = `${base}...${head}:${page}`;
    const cached = this.compares.get(key);
    if (cached) return cached;
    const NOT_FOUND_COMMIT = new Error('not found');
    try {
      const res = await this.call(
        `GET /repos/{owner}/{repo}/compare/${base}...${head}`,
        { per_page: PER_PAGE, page },
        {
          what: `${base.slice(0, 12)}...${head.slice(0, 12)}`,
          notFound: () => NOT_FOUND_COMMIT,
        },
      );
      const data = res.data as ApiCompare;
      if (SHA_RE.test(base) && SHA_RE.test(head)) this.compares.set(key, data);
      return data;
    } catch (e) {
      // An unknown sha: it was force-pushed away and garbage-collected.
      if (e === NOT_FOUND_COMMIT) return undefined;
      throw e;
    }
  }

  /**
   * `since` was not met on the first-parent chain of `until`. Either history
   * was rewritten (StaleRefError), or `since` is an ancestor reached only
   * through a merge's second parent; then, as `git log --first-parent
   * since..until`, the chain is cut where it reaches commits of `since`.
   */
  private async notOnFirstParentChain(
    since: string,
    until: string,
    chain: CommitInfo[],
    known?: ApiCompare,
  ): Promise<CommitInfo[]> {
    const first = known ?? (await this.compare(since, until));
    if (!first || first.status === 'diverged' || first.status === 'behind') {
      throw new StaleRefError(since);
    }
    if (first.status === 'identical') return [];
    // Commits reachable from `until` but not from `since`.
    const fresh = new Set(first.commits.map(c => c.sha));
    for (let page = 2; fresh.size < first.total_commits; page++) {
      const more = await this.compare(since, until, page);
      if (!more || more.commits.length === 0) break;
      for (const c of more.commits) fresh.add(c.sha);
    }
    const result: CommitInfo[] = [];
    for (const c of chain) {
      if (!fresh.has(c.sha)) break;
      result.push(c);
    }
    return result.reverse();
  }

  private async withChangedFiles(commits: CommitInfo[]): Promise<GitCommit[]> {
    return mapLimit(commits, this.concurrency, async c => {
      const files = await this.changedFiles(c);
      return files ? { ...c, changedFiles: files } : { ...c };
    });
  }

  /**
   * Paths changed against the first parent: the commit endpoint (up to 3000
   * files, 300 per page) for ordinary and root commits, the comparison with
   * the first parent for merges (whose diff GitHub would otherwise be free to
   * present against any parent). Null when the list may be truncated.
   */
  private async changedFiles(c: CommitInfo): Promise<string[] | undefined> {
    const cached = this.commitFiles.get(c.sha);
    if (cached !== undefined) return cached ?? undefined;
    let files: string[] | null;
    if (c.parents.length > 1) {
      const cmp = await this.compare(c.parents[0], c.sha);
      const list = cmp?.files ?? [];
      files = cmp && list.length < COMPARE_FILES_CAP ? fileNames(list) : null;
    } else {
      const all: ApiFile[] = [];
      let res = await this.call(
        `GET /repos/{owner}/{repo}/commits/${c.sha}`,
        {},
        { what: `commit ${c.sha.slice(0, 12)}` },
      );
      all.push(...((res.data as ApiCommit).files ?? []));
      let next = nextLink(res.headers.link);
      while (next && all.length < COMMIT_FILES_CAP) {
        res = await this.call(
          `GET ${this.checkedNextUrl(next)}`,
          {},
          { what: `commit ${c.sha.slice(0, 12)}` },
        );
        all.push(...((res.data as ApiCommit).files ?? []));
        next = nextLink(res.headers.link);
      }
      files = all.length < COMMIT_FILES_CAP ? fileNames(all) : null;
    }
    this.commitFiles.set(c.sha, files);
    return files ?? undefined;
  }

  /** Follows pagination links only to the configured API (the token goes with them). */
  private checkedNextUrl(url: string): string {
    const target = new URL(url);
    const api = new URL(this.apiBaseUrl);
    if (target.origin !== api.origin) {
      throw new Error(
        `GitHub returned a pagination link outside ${api.origin}; not following it`,
      );
    }
    return target.toString();
  }

  /**
   * Decides whether to retry a rate-limited request (plugin-throttling's
   * handlers and the 429 handler). Retries are counted per call across both,
   * so a call never retries more than `maxRetries` times in total.
   */
  private onRateLimit(
    kind: 'primary' | 'secondary',
    retryAfter: number,
    opts: any,
    retryCount: number,
  ): boolean {
    const track: Track | undefined = opts?.request?.gitops;
    const done = Math.max(retryCount, track?.rateRetries ?? 0);
    const route = `${opts?.method ?? 'GET'} ${
      String(opts?.url ?? '').split('?')[0]
    }`;
    const what = kind === 'primary' ? 'rate limit' : 'secondary rate limit';
    if (done < this.maxRetries && retryAfter <= this.maxRetryAfterSeconds) {
      if (track) track.rateRetries = done + 1;
      this.logger.warn(
        `GitHub ${what} hit for ${
          this.slug
        } (${route}); retrying in ${retryAfter}s (retry ${done + 1} of ${
          this.maxRetries
        })`,
      );
      return true;
    }
    if (track) {
      track.rateLimit = {
        kind,
        retryAfter,
        retries: done,
        reason:
          retryAfter > this.maxRetryAfterSeconds ? 'too-long' : 'exhausted',
        resetAt: Date.now() + retryAfter * 1000,
      };
    }
    return false;
  }

  /**
   * One GitHub API call through this source's throttled, retrying client,
   * with its precise errors (used by GitHubGitWriter for writes).
   */
  api(
    route: string,
    params: Record<string, unknown>,
    ctx: CallContext,
  ): Promise<Response> {
    return this.call(route, params, ctx);
  }

  /** `owner/name` of the repository. */
  get repositorySlug(): string {
    return this.slug;
  }

  private async call(
    route: string,
    params: Record<string, unknown>,
    ctx: CallContext,
  ): Promise<Response> {
    const track: Track = {};
    const withRepo = route.includes('{owner}')
      ? { owner: this.owner, repo: this.repo }
      : {};
    try {
      const res = (await this.octokit.request(route, {
        ...withRepo,
        ...params,
        request: { gitops: track },
      } as any)) as unknown as Response;
      this.noteRateLimit(res.headers);
      return res;
    } catch (e: any) {
      if (e?.status === 304 && e.response) {
        return {
          status: 304,
          headers: e.response.headers ?? {},
          data: undefined,
        };
      }
      throw this.toError(e, track, ctx);
    }
  }

  private toError(e: any, track: Track, ctx: CallContext): Error {
    if (e === NOT_FOUND || (e instanceof Error && e.name !== 'HttpError'))
      return e;
    const status: number | undefined = e?.status;
    const headers = e?.response?.headers ?? {};
    const data = e?.response?.data;
    const apiMessage = String(
      (data && typeof data === 'object' && data.message) ||
        e?.message ||
        'unknown error',
    ).slice(0, 300);
    const retries = e?.request?.request?.retryCount ?? 0;

    if (
      (status === 403 || status === 429) &&
      (track.rateLimit || isRateLimited(headers, apiMessage))
    ) {
      const rl = track.rateLimit;
      const kind =
        rl?.kind ??
        (headers['x-ratelimit-remaining'] === '0' ? 'primary' : 'secondary');
      const resetAt =
        kind === 'primary' && headers['x-ratelimit-reset']
          ? Number(headers['x-ratelimit-reset']) * 1000
          : rl?.resetAt ?? Date.now() + 60_000;
      const when = new Date(resetAt).toISOString();
      let message: string;
      if (kind === 'primary') {
        message =
          rl?.reason === 'too-long'
            ? `GitHub API rate limit exhausted for ${this.slug} (${status}): resets at ${when}, more than ${this.maxRetryAfterSeconds}s away`
            : `GitHub API rate limit exhausted for ${this.slug} after ${
                rl?.retries ?? retries
              } retries (${status}); resets at ${when}`;
      } else {
        message =
          rl?.reason === 'too-long'
            ? `GitHub secondary rate limit for ${this.slug} (${status}): asked to wait ${rl.retryAfter}s, more than ${this.maxRetryAfterSeconds}s`
            : `GitHub secondary rate limit for ${this.slug} still hit after ${
                rl?.retries ?? retries
              } retries (${status})`;
      }
      if (kind === 'primary' && resetAt > Date.now()) {
        this.rateLimitedUntil = {
          at: resetAt,
          message: `GitHub API rate limit exhausted for ${this.slug}; not calling GitHub until ${when}`,
        };
      }
      return new Error(message);
    }
    switch (status) {
      case 401:
        return new Error('GitHub rejected the token (401)');
      case 403:
        return new Error(
          `GitHub denied access to ${ctx.what} of ${this.slug} (403): ${apiMessage}`,
        );
      case 404:
        if (ctx.notFound) return ctx.notFound();
        return new Error(
          this.anonymous
            ? `GitHub repository ${this.slug} not found or not accessible without a token (404); configure integrations.github for ${this.host}`
            : `GitHub repository ${this.slug} not found or not accessible with the configured token (404)`,
        );
      case 405:
        if (ctx.notAllowed) return ctx.notAllowed(apiMessage);
        return new Error(
          `GitHub refused ${ctx.what} of ${this.slug} (405): ${apiMessage}`,
        );
      case 409:
        if (ctx.conflict) return ctx.conflict(apiMessage);
        return new Error(`GitHub repository ${this.slug} is empty (409)`);
      case 422:
        if (ctx.unprocessable) return ctx.unprocessable(apiMessage);
        return new Error(
          `GitHub could not read ${ctx.what} of ${this.slug} (422): ${apiMessage}`,
        );
      default:
        break;
    }
    if (status === 500 && !e?.response) {
      // A network error (Octokit reports it as a 500 without a response).
      return new Error(
        `GitHub API ${this.apiBaseUrl} unreachable after ${retries} retries: ${apiMessage}`,
      );
    }
    if (typeof status === 'number' && status >= 500) {
      return new Error(
        `GitHub API error reading ${ctx.what} of ${this.slug} (${status}) after ${retries} retries: ${apiMessage}`,
      );
    }
    return new Error(
      `GitHub API error reading ${ctx.what} of ${this.slug} (${
        status ?? 'no status'
      }): ${apiMessage}`,
    );
  }

  private noteRateLimit(
    headers: Record<string, string | number | undefined>,
  ): void {
    const remaining = Number(headers['x-ratelimit-remaining']);
    const limit = Number(headers['x-ratelimit-limit']);
    const reset = String(headers['x-ratelimit-reset'] ?? '');
    if (!Number.isFinite(remaining) || !Number.isFinite(limit) || limit <= 0)
      return;
    if (remaining < limit * 0.1 && this.lowRateLimitWarnedFor !== reset) {
      this.lowRateLimitWarnedFor = reset;
      this.logger.warn(
        `GitHub API rate limit for ${
          this.host
        } is low: ${remaining} of ${limit} requests left until ${new Date(
          Number(reset) * 1000,
        ).toISOString()}`,
      );
    }
  }
}

// -----------------------------------------------------------------------------

/** Splits `https://<host>/<owner>/<repo>[.git]`; credentials in the URL are dropped. */
export function parseGitHubUrl(url: string): {
  host: string;
  owner: string;
  repo: string;
} {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(
      `${redactUrl(url)} is not a URL; expected https://<host>/<owner>/<repo>`,
    );
  }
  const parts = parsed.pathname
    .replace(/\/+$/, '')
    .replace(/\.git$/, '')
    .split('/')
    .filter(Boolean);
  if (parsed.protocol !== 'https:' || parts.length !== 2) {
    throw new Error(`${redactUrl(url)} is not https://<host>/<owner>/<repo>`);
  }
  return { host: parsed.host, owner: parts[0], repo: parts[1] };
}

function redactUrl(url: string): string {
  return url.replace(/\/\/[^/@]*@/, '//');
}

function toCommitInfo(c: ApiCommit): CommitInfo {
  const date = c.commit.committer?.date ?? c.commit.author?.date;
  return {
    sha: c.sha,
    parents: (c.parents ?? []).map(p => p.sha),
    authorName: c.commit.author?.name ?? '',
    authorEmail: c.commit.author?.email ?? '',
    committedAt: date
      ? new Date(date).toISOString()
      : new Date(0).toISOString(),
    message: (c.commit.message ?? '').replace(/\n+$/, ''),
  };
}

function fileNames(files: ApiFile[]): string[] {
  const names = new Set<string>();
  for (const f of files) {
    names.add(f.filename);
    if (f.previous_filename) names.add(f.previous_filename);
  }
  return [...names];
}

function nextLink(link: unknown): string | undefined {
  if (typeof link !== 'string') return undefined;
  for (const part of link.split(',')) {
    const m = part.match(/<([^>]+)>\s*;\s*rel="?next"?/);
    if (m) return m[1];
  }
  return undefined;
}

function isRateLimited(
  headers: Record<string, unknown>,
  message: string,
): boolean {
  return (
    headers['x-ratelimit-remaining'] === '0' || /rate limit/i.test(message)
  );
}

function secondsUntilReset(reset: unknown): number {
  const at = Number(reset) * 1000;
  if (!Number.isFinite(at) || at <= 0) return 60;
  return Math.max(Math.ceil((at - Date.now()) / 1000) + 1, 0);
}

function encodePath(path: string): string {
  return path.split('/').map(encodeURIComponent).join('/');
}

function fileKey(sha: string, path: string): string {
  return `${sha}:${path}`;
}

function toText(data: unknown): string {
  if (typeof data === 'string') return data;
  if (data instanceof ArrayBuffer) return new TextDecoder().decode(data);
  return '';
}

function sleep(ms: number): Promise<void> {
  return new Promise(resolve => setTimeout(resolve, ms));
}

/** Runs `fn` over `items` with at most `limit` calls in flight; keeps order. */
async function mapLimit<T, R>(
  items: T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (!failed && next < items.length) {
      const i = next++;
      try {
        out[i] = await fn(items[i]);
      } catch (e) {
        failed = true;
        throw e;
      }
    }
  };
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, worker),
  );
  return out;
}
