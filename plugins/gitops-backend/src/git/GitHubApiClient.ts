import type { LoggerService } from '@backstage/backend-plugin-api';
import type { GithubCredentialsProvider } from '@backstage/integration';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import { Octokit } from '@octokit/rest';
import type { CallContext, Response, Track } from './githubApiTypes';
import { isRateLimited, secondsUntilReset, sleep } from './githubHelpers';

const ThrottledOctokit = Octokit.plugin(throttling, retry);
type GitHubClient = InstanceType<typeof ThrottledOctokit>;

/** Marks a 404 that means "no such file" rather than an error. */
export const NOT_FOUND = new Error('not found');

/** Options of {@link GitHubApiClient}. */
export interface GitHubApiClientOptions {
  host: string;
  owner: string;
  repo: string;
  /** `https://<host>/<owner>/<repo>`, for the credentials provider. */
  location: string;
  /** REST API base URL without trailing slash. */
  apiBaseUrl: string;
  credentialsProvider?: GithubCredentialsProvider;
  logger: LoggerService;
  maxRetries: number;
  maxRetryAfterSeconds: number;
  retryAfterBaseMs: number;
  onRateLimitHeaders?: (headers: Record<string, unknown>) => void;
}

/**
 * The Octokit client of one GitHub repository: throttling and retries
 * (rate limits, 429s, server errors), credentials per request, and the
 * mapping of API failures to precise errors.
 */
export class GitHubApiClient {
  readonly apiBaseUrl: string;
  private readonly host: string;
  private readonly owner: string;
  private readonly repo: string;
  private readonly slug: string;
  private readonly location: string;
  private readonly logger: LoggerService;
  private readonly octokit: GitHubClient;
  private readonly credentialsProvider?: GithubCredentialsProvider;
  private readonly maxRetries: number;
  private readonly maxRetryAfterSeconds: number;
  private rateLimitedUntil?: { at: number; message: string };
  private lowRateLimitWarnedFor?: string;
  private isAnonymous = false;
  private readonly onRateLimitHeaders?: (
    headers: Record<string, unknown>,
  ) => void;

  constructor(options: GitHubApiClientOptions) {
    this.host = options.host;
    this.owner = options.owner;
    this.repo = options.repo;
    this.slug = `${options.owner}/${options.repo}`;
    this.location = options.location;
    this.apiBaseUrl = options.apiBaseUrl;
    this.logger = options.logger;
    this.credentialsProvider = options.credentialsProvider;
    this.maxRetries = options.maxRetries;
    this.maxRetryAfterSeconds = options.maxRetryAfterSeconds;
    this.onRateLimitHeaders = options.onRateLimitHeaders;
    const base = options.retryAfterBaseMs;

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
        this.isAnonymous = true;
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
      this.isAnonymous = !token;
      if (token) opts.headers.authorization = `token ${token}`;
    });
  }

  /** The GraphQL endpoint (`/api/graphql` on GitHub Enterprise Server). */
  get graphqlUrl(): string {
    return `${this.apiBaseUrl.replace(/\/api\/v3$/, '/api')}/graphql`;
  }

  /** Whether the last request went without a token. */
  get anonymous(): boolean {
    return this.isAnonymous;
  }

  /** Follows pagination links only to the configured API (the token goes with them). */
  checkedNextUrl(url: string): string {
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

  /** One API call of this repository; failures become precise errors. */
  async call(
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
    if (e?.response) this.onRateLimitHeaders?.(headers);
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
    this.onRateLimitHeaders?.(headers);
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
