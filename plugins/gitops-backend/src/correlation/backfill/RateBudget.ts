/**
 * The share of GitHub's hourly rate limit a correlation backfill may spend,
 * read from the `x-ratelimit-*` headers of every answer (the backfill's and
 * everyone else's with the same token): the backfill asks only while more
 * than `limit × (1 − share)` requests remain in the current window, and a
 * `retry-after` (secondary rate limit) holds it until then.
 */
export interface RateState {
  limit: number;
  remaining: number;
  /** Epoch ms of the window's reset. */
  resetAt: number;
}

export type BudgetCheck =
  | { ok: true }
  | { ok: false; until: number; reason: string };

export class RateBudget {
  private state?: RateState;
  private holdUntil = 0;
  /** Highest `x-ratelimit-used` seen, per window (for reports). */
  peakUsed = 0;

  constructor(
    readonly share: number,
    private readonly now: () => number = Date.now,
  ) {
    if (!(share > 0 && share <= 1)) {
      throw new Error(`rate-limit share must be in (0, 1], got ${share}`);
    }
  }

  /** Reads an answer's headers. */
  observe(headers: Record<string, unknown>): void {
    const limit = Number(headers['x-ratelimit-limit']);
    const remaining = Number(headers['x-ratelimit-remaining']);
    const reset = Number(headers['x-ratelimit-reset']);
    if (
      Number.isFinite(limit) &&
      limit > 0 &&
      Number.isFinite(remaining) &&
      Number.isFinite(reset)
    ) {
      const resetAt = reset * 1000;
      // Answers may arrive out of order: within a window, the lowest
      // remaining count is the latest.
      if (
        !this.state ||
        resetAt > this.state.resetAt ||
        remaining < this.state.remaining
      ) {
        this.state = { limit, remaining, resetAt };
      }
      const used = Number(headers['x-ratelimit-used']);
      if (Number.isFinite(used)) this.peakUsed = Math.max(this.peakUsed, used);
    }
    const retryAfter = Number(headers['retry-after']);
    if (Number.isFinite(retryAfter) && retryAfter > 0) {
      this.holdUntil = Math.max(this.holdUntil, this.now() + retryAfter * 1000);
    }
  }

  /** The last state seen (undefined before the first answer or after its reset). */
  get current(): RateState | undefined {
    return this.state && this.state.resetAt > this.now()
      ? this.state
      : undefined;
  }

  /** The floor the backfill keeps for others: `limit × (1 − share)`. */
  floor(limit: number): number {
    return Math.ceil(limit * (1 - this.share));
  }

  /** Whether the backfill may send a request costing `cost` now. */
  check(cost = 1): BudgetCheck {
    const t = this.now();
    if (this.holdUntil > t) {
      return {
        ok: false,
        until: this.holdUntil,
        reason: 'GitHub asked to retry later (secondary rate limit)',
      };
    }
    const s = this.current;
    if (!s) return { ok: true };
    const floor = this.floor(s.limit);
    if (s.remaining - cost < floor) {
      return {
        ok: false,
        until: s.resetAt,
        reason: `${s.remaining} of ${
          s.limit
        } GitHub requests left; the backfill keeps ${floor} (${Math.round(
          (1 - this.share) * 100,
        )}%) for everything else`,
      };
    }
    return { ok: true };
  }
}
