/*
 * Fault injection: the next N requests matching a route fail with a server
 * error, a secondary rate limit (403 or 429 with `retry-after`), a primary
 * rate limit, or a reset connection; either instead of the request
 * (`phase: 'before'`, nothing happens) or after its side effect was applied
 * (`phase: 'after'`: the write happened, the client sees the failure).
 * Also latency rules.
 */
import { matches, RequestInfo, RequestMatch } from './match';

export type FaultKind =
  | 'error'
  | 'secondary-rate-limit'
  | 'primary-rate-limit'
  | 'reset';

export interface FaultSpec {
  /** Which requests (default: all). */
  match?: RequestMatch;
  /** Default `error`. */
  kind?: FaultKind;
  /** `error`: 500 (default), 502, 503 …; rate limits: 403 (default) or 429. */
  status?: number;
  /** Overrides GitHub's message. */
  message?: string;
  /** Seconds in `retry-after` (secondary rate limit; default 60) or until the reset (primary; default 60). */
  retryAfter?: number;
  /** How many matching requests fail (default 1). */
  times?: number;
  /** `before` (default): instead of the request. `after`: once its side effect is applied. */
  phase?: 'before' | 'after';
}

interface Rule extends FaultSpec {
  remaining: number;
}

/** Resolved fault for one request. */
export interface Fault {
  kind: FaultKind;
  status: number;
  message?: string;
  retryAfter: number;
}

export class Faults {
  private rules: Rule[] = [];
  private latency: Array<{ ms: number; match?: RequestMatch }> = [];

  /** Adds a fault rule; rules are consumed in the order added. */
  inject(spec: FaultSpec): void {
    this.rules.push({ ...spec, remaining: spec.times ?? 1 });
  }

  /** The next `times` requests matching `match` fail with `status` (e.g. 500, 502, 503). */
  failNext(match: RequestMatch, status = 500, times = 1): void {
    this.inject({ match, status, times });
  }

  /** The next `times` matching requests hit a secondary rate limit (403 or 429 + `retry-after`). */
  secondaryRateLimit(
    match: RequestMatch,
    options: { status?: 403 | 429; retryAfter?: number; times?: number } = {},
  ): void {
    this.inject({ match, kind: 'secondary-rate-limit', ...options });
  }

  /** Delays every matching request by `ms` (0 removes the rule for that match). */
  setLatency(ms: number, match?: RequestMatch): void {
    const key = JSON.stringify(match ?? null);
    this.latency = this.latency.filter(
      l => JSON.stringify(l.match ?? null) !== key,
    );
    if (ms > 0) this.latency.unshift({ ms, match });
  }

  latencyFor(info: RequestInfo): number {
    return this.latency.find(l => matches(l.match, info))?.ms ?? 0;
  }

  /** Takes one fault for a request in a phase, if a rule matches. */
  take(info: RequestInfo, phase: 'before' | 'after'): Fault | undefined {
    const rule = this.rules.find(
      r =>
        r.remaining > 0 &&
        (r.phase ?? 'before') === phase &&
        matches(r.match, info),
    );
    if (!rule) return undefined;
    rule.remaining -= 1;
    this.rules = this.rules.filter(r => r.remaining > 0);
    const kind = rule.kind ?? 'error';
    return {
      kind,
      status: rule.status ?? (kind === 'error' ? 500 : 403),
      message: rule.message,
      retryAfter: rule.retryAfter ?? 60,
    };
  }

  /** Rules not used up yet. */
  pending(): FaultSpec[] {
    return this.rules.map(({ remaining, ...spec }) => ({
      ...spec,
      times: remaining,
    }));
  }

  reset(): void {
    this.rules = [];
    this.latency = [];
  }
}
