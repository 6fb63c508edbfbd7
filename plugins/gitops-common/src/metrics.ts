/**
 * Delivery metrics (DORA-style) per service and environment, computed from
 * the rollout ledger and the correlated source commits. Definitions: see
 * docs/architecture.md, "Delivery metrics".
 */
import { z } from 'zod';
import type { EntityRefParts } from './api';

const NAME = /^[a-zA-Z0-9]([a-zA-Z0-9._-]{0,61}[a-zA-Z0-9])?$/;
const name = z
  .string()
  .regex(NAME, 'must be 1-63 letters, digits, ".", "_" or "-"');

/** Default window of the metrics: the last 30 days. @public */
export const METRICS_DEFAULT_WINDOW_DAYS = 30;
/** Longest window of the metrics. @public */
export const METRICS_MAX_WINDOW_DAYS = 365;

const DAY_MS = 86_400_000;

/**
 * Query of GET …/metrics and GET /v1/metrics. `until` defaults to now,
 * `since` to `until` − 30 days; the window is at most 365 days.
 * @public
 */
export const metricsQuerySchema = z
  .object({
    environment: name.optional(),
    /** Org-wide view only: one service. */
    service: name.optional(),
    since: z.iso.datetime({ offset: true }).optional(),
    until: z.iso.datetime({ offset: true }).optional(),
  })
  .strict()
  .superRefine((q, ctx) => {
    const until = q.until ? Date.parse(q.until) : undefined;
    const since = q.since ? Date.parse(q.since) : undefined;
    const end = until ?? Date.now();
    const start = since ?? end - METRICS_DEFAULT_WINDOW_DAYS * DAY_MS;
    if (start >= end) {
      ctx.addIssue({
        code: 'custom',
        path: ['since'],
        message: 'must be before until',
      });
    } else if (end - start > METRICS_MAX_WINDOW_DAYS * DAY_MS) {
      ctx.addIssue({
        code: 'custom',
        path: ['since'],
        message: `the window must be at most ${METRICS_MAX_WINDOW_DAYS} days`,
      });
    }
  });

/** @public */
export type MetricsQuery = z.input<typeof metricsQuerySchema>;

/** The window a query means, resolved (`until` defaults to `now`). @public */
export function resolveMetricsWindow(
  query: { since?: string; until?: string },
  now: number = Date.now(),
): { since: string; until: string } {
  const end = query.until ? Date.parse(query.until) : now;
  const start = query.since
    ? Date.parse(query.since)
    : end - METRICS_DEFAULT_WINDOW_DAYS * DAY_MS;
  return {
    since: new Date(start).toISOString(),
    until: new Date(end).toISOString(),
  };
}

/** Median and 90th percentile of durations, in seconds. @public */
export interface DurationStats {
  /** Median (mean of the two middle values for an even count); null without samples. */
  medianSeconds: number | null;
  /** 90th percentile, nearest rank; null without samples. */
  p90Seconds: number | null;
  samples: number;
}

/** One UTC day of the window. @public */
export interface MetricsDay {
  /** YYYY-MM-DD (UTC). */
  date: string;
  deployments: number;
  /** Failed changes deployed that day. */
  failures: number;
  /** Median "first commit → environment" of the changes deployed that day. */
  leadTimeMedianSeconds: number | null;
}

/** Delivery metrics of one service in one environment over a window. @public */
export interface DeliveryMetrics {
  repository: string;
  service: string;
  environment: string;
  since: string;
  until: string;
  deployments: {
    /** Rollouts of every kind (promotion, direct, rollback) desired in the window. */
    count: number;
    /** count / window length in days. */
    perDay: number;
    daily: MetricsDay[];
  };
  leadTime: {
    /** Per change (pull request, or commit without one): earliest commit → environment. */
    firstCommit: DurationStats;
    /** Per change: merge commit (or the commit itself) → environment. */
    merge: DurationStats;
  };
  changeFailure: {
    /** failures / changes; null without changes. */
    rate: number | null;
    /** Changes (promotion and direct rollouts) deployed in the window. */
    changes: number;
    /** Of those: failed, degraded or rolled back, or followed by a rollback. */
    failures: number;
    /** Rollback rollouts in the window. */
    rollbacks: number;
  };
  /** Failed change → next rollout of the environment that did not fail. */
  timeToRestore: DurationStats & {
    /** Failures with no later good rollout in the window. */
    unrestored: number;
  };
}

/** @public */
export interface MetricsResponse {
  since: string;
  until: string;
  items: DeliveryMetrics[];
}

/** Delivery metrics endpoints; implemented by `GitopsClient`. @public */
export interface GitopsMetricsApi {
  /** Metrics of one entity's service, one item per environment. */
  getMetrics(
    entity: EntityRefParts,
    query?: MetricsQuery,
  ): Promise<MetricsResponse>;
  /** Organisation-wide: one item per (service, environment). */
  getOrgMetrics(query?: MetricsQuery): Promise<MetricsResponse>;
}
