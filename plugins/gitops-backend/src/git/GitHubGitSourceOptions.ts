import type { LoggerService } from '@backstage/backend-plugin-api';
import type { GithubCredentialsProvider } from '@backstage/integration';

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
  /**
   * Told the rate-limit headers (`x-ratelimit-*`, `retry-after`) of every
   * answer, failures included (the correlation backfill's budget).
   */
  onRateLimitHeaders?: (headers: Record<string, unknown>) => void;
}
