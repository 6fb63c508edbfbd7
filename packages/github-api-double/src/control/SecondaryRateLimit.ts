/*
 * GitHub's secondary rate limit on points per minute: a GET, HEAD or
 * OPTIONS request (and a GraphQL query) costs 1 point, any other method (and
 * a GraphQL mutation) 5. Over the limit within the window, a request gets
 * 403 "You have exceeded a secondary rate limit" with `retry-after` (the
 * seconds until the window ends). Off unless configured.
 */

export interface SecondaryRateLimitOptions {
  /** Points allowed per window (GitHub: 900 for REST, 2000 for GraphQL). */
  pointsPerMinute: number;
  /** Window length in seconds (default 60). */
  windowSeconds?: number;
}

export class SecondaryRateLimit {
  private windowStart = 0;
  private points = 0;
  /** Requests refused so far. */
  refused = 0;

  constructor(
    private readonly options: SecondaryRateLimitOptions | undefined,
    private readonly now: () => number = Date.now,
  ) {}

  /** Points of a request. */
  static pointsOf(method: string, graphqlBody?: unknown): number {
    if (graphqlBody !== undefined) {
      const q = String((graphqlBody as { query?: unknown })?.query ?? '');
      return /^\s*mutation\b/.test(q) ? 5 : 1;
    }
    return ['GET', 'HEAD', 'OPTIONS'].includes(method) ? 1 : 5;
  }

  /** Takes the points of a request, or says how long to wait (seconds). */
  take(points: number): { ok: true } | { ok: false; retryAfter: number } {
    if (!this.options) return { ok: true };
    const windowMs = (this.options.windowSeconds ?? 60) * 1000;
    const t = this.now();
    if (t - this.windowStart >= windowMs) {
      this.windowStart = t;
      this.points = 0;
    }
    if (this.points + points > this.options.pointsPerMinute) {
      this.refused++;
      return {
        ok: false,
        retryAfter: Math.max(
          1,
          Math.ceil((this.windowStart + windowMs - t) / 1000),
        ),
      };
    }
    this.points += points;
    return { ok: true };
  }
}
