/* The public API of a running double: options, test controls, state access. */
import type { AppSpec, Installation, MintedToken } from './apps/Apps';
import type { AfterEffectHook } from './control/Hooks';
import type { Faults } from './control/Faults';
import type { PullRequestSummary, PushOptions } from './control/human';
import type { RequestInfo, RequestMatch } from './control/match';
import type { RateLimitState } from './control/RateLimit';
import type { SecondaryRateLimitOptions } from './control/SecondaryRateLimit';
import type { GitRepo } from './git/GitRepo';
import type { MergeMethod } from './pulls/PullRequests';
import type { RepoSpec } from './ServedRepo';
import type { DoubleUser } from './shapes/common';

/** Options of {@link start}. */
export interface StartOptions {
  /** Port (default 0: a free one). */
  port?: number;
  /** Interface (default 127.0.0.1). */
  host?: string;
  /** Repositories to serve. More with `addRepository`. */
  repos?: RepoSpec[];
  /** Where bare clones go (default: a new temporary directory, removed by `close()`). */
  workDir?: string;
  /**
   * The token requests must carry (`authorization: token <t>` or
   * `Bearer <t>`); default: any non-empty token. Without one: 401
   * "Requires authentication"; a different one: 401 "Bad credentials".
   * Installation tokens the double minted (`ghs_…`) are accepted besides,
   * until they expire.
   */
  token?: string;
  /**
   * GitHub Apps: their JWTs (RS256, checked with `publicKey`) open
   * `GET /app/installations`, `GET /repos/{owner}/{repo}/installation` and
   * `POST /app/installations/{id}/access_tokens`, which mints installation
   * tokens (`ghs_…`) accepted on REST and GraphQL until they expire (401
   * after), within their installation's repositories (404 outside) and
   * permissions (403 beyond).
   */
  apps?: AppSpec[];
  /** The account API calls act as (author of API commits, merger, PR author). */
  user?: Partial<DoubleUser>;
  /** The account of by-hand actions (`mergePullRequest`, `pushCommit`…). */
  humanUser?: Partial<DoubleUser>;
  /** Web base of `html_url`s (default `https://github.com`). */
  htmlBaseUrl?: string;
  /** Primary rate limit (default 5000 per 3600 s). */
  rateLimit?: { limit?: number; windowSeconds?: number };
  /** Secondary rate limit in points per window (default: none). */
  secondaryRateLimit?: SecondaryRateLimitOptions;
  /** Serves the `/__double/*` control surface (no auth, uncounted). Default false; the CLI turns it on. */
  controlApi?: boolean;
  /** Called when each request arrives (after it is logged). */
  onRequest?: (request: RequestInfo) => void;
  /** Clock in ms (default `Date.now`): timestamps of commits, pull requests, rate-limit windows. */
  now?: () => number;
}

/** A running double. */
export interface GitHubApiDouble {
  /** API base URL, e.g. `http://127.0.0.1:40123` (use as `integrations.github[].apiBaseUrl`). */
  readonly url: string;
  readonly port: number;
  /** Where the bare repositories are. */
  readonly workDir: string;
  /** Stops the server (open connections are destroyed) and removes a temporary work directory. */
  close(): Promise<void>;
  addRepository(spec: RepoSpec): Promise<void>;
  /** The bare repository of `owner/name` (plumbing access for tests). */
  git(slug: string): GitRepo;

  // --- request log ---
  /** Requests in arrival order (matching). */
  requests(match?: RequestMatch): RequestInfo[];
  /** Number of requests matching, e.g. `count('POST /repos/{owner}/{repo}/pulls')`. */
  count(match?: RequestMatch): number;
  /** Requests per route. */
  counts(): Record<string, number>;
  resetRequests(): void;
  /** Resolves once a matching request arriving from now on has been answered. */
  nextRequest(match?: RequestMatch): Promise<RequestInfo>;

  // --- faults and hooks ---
  faults: Faults;
  rateLimit: {
    state(): RateLimitState;
    /** Sets the remaining budget (0: every request gets 403 until the reset). */
    set(options: {
      remaining?: number;
      resetInSeconds?: number;
      limit?: number;
    }): void;
  };
  /** Requests refused by the secondary rate limit so far. */
  secondaryRefused(): number;
  apps: {
    /** The installations of an app, as `GET /app/installations` lists them. */
    installations(appId: number): Installation[];
    /** Installation tokens minted so far (count: `count('POST /app/installations/{installation_id}/access_tokens')`). */
    mintedTokens(): MintedToken[];
  };
  /**
   * Sets the CI results of a commit: GraphQL `statusCheckRollup.contexts`
   * nodes (`{__typename: 'CheckRun', name, status, conclusion, detailsUrl}`
   * or `{__typename: 'StatusContext', context, state, targetUrl}`).
   */
  setCommitChecks(slug: string, sha: string, contexts: unknown[]): void;
  /**
   * Runs `hook` after the side effect of each matching request is applied
   * and before its response is sent (the response waits for the hook's
   * promise). Only for 2xx answers unless `always`. Returns a remover.
   */
  afterEffect(
    match: RequestMatch | undefined,
    hook: AfterEffectHook,
    options?: { once?: boolean; always?: boolean },
  ): () => void;

  // --- state, and what a person does on github.com ---
  branchHead(slug: string, branch: string): Promise<string | undefined>;
  /** Branch name → sha. */
  branches(slug: string): Promise<Record<string, string>>;
  /** A file at a ref (branch, tag or sha), or undefined. */
  readFile(
    slug: string,
    ref: string,
    path: string,
  ): Promise<string | undefined>;
  /** A direct push of one commit on top of `branch` (or `options.parent`). Returns its sha. */
  pushCommit(
    slug: string,
    branch: string,
    options: PushOptions,
  ): Promise<string>;
  /** Force-moves a branch to `sha`, or deletes it (null). */
  setBranch(slug: string, branch: string, sha: string | null): Promise<void>;
  pullRequests(slug: string): Promise<PullRequestSummary[]>;
  pullRequest(slug: string, n: number): Promise<PullRequestSummary | undefined>;
  /** Merges by hand (the merge button): same checks, commit and state as the API. Returns the merge commit. */
  mergePullRequest(
    slug: string,
    n: number,
    options?: { method?: MergeMethod; sha?: string },
  ): Promise<string>;
  /** Closes by hand without merging. */
  closePullRequest(slug: string, n: number): Promise<void>;
}
