/*
 * The primary rate limit ("core"): a budget per hour window, spent by every
 * answered request except 304s (GitHub does not charge conditional requests
 * that hit). When spent: 403 with `x-ratelimit-remaining: 0` until the reset.
 */

export interface RateLimitState {
  limit: number;
  remaining: number;
  /** Epoch seconds. */
  reset: number;
  used: number;
}

export class RateLimit {
  private used = 0;
  private resetAt = 0;

  constructor(
    private limit = 5000,
    private readonly windowSeconds = 3600,
    private readonly now: () => number = Date.now,
  ) {}

  private roll(): void {
    const nowS = Math.floor(this.now() / 1000);
    if (nowS >= this.resetAt) {
      this.used = 0;
      this.resetAt = nowS + this.windowSeconds;
    }
  }

  state(): RateLimitState {
    this.roll();
    return {
      limit: this.limit,
      remaining: Math.max(this.limit - this.used, 0),
      reset: this.resetAt,
      used: this.used,
    };
  }

  exhausted(): boolean {
    return this.state().remaining === 0;
  }

  /** Spends `points` (1 per REST request; a GraphQL query its cost). */
  spend(points = 1): void {
    this.roll();
    this.used += points;
  }

  /** Sets the budget: `remaining` now (0 exhausts it), `resetInSeconds` from now, `limit`. */
  set(options: {
    remaining?: number;
    resetInSeconds?: number;
    limit?: number;
  }): void {
    this.roll();
    if (options.limit !== undefined) this.limit = options.limit;
    if (options.resetInSeconds !== undefined) {
      this.resetAt =
        Math.floor(this.now() / 1000) + Math.max(options.resetInSeconds, 1);
    }
    if (options.remaining !== undefined) {
      this.used = Math.max(this.limit - options.remaining, 0);
    }
  }
}
