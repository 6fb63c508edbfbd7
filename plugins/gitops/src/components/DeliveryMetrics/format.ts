import type {
  DeliveryMetrics,
  MetricsDay,
} from '@gitops2/plugin-gitops-common';
import { formatDuration } from '../shared';

/** Windows offered by the views, in days. */
export const METRICS_WINDOWS = [7, 30, 90] as const;

/** `since` of a window ending now. */
export function sinceDaysAgo(days: number, now: number = Date.now()): string {
  return new Date(now - days * 86_400_000).toISOString();
}

/** "1.25", "0.14", "12": deployments per day. */
export function formatPerDay(perDay: number): string {
  if (perDay === 0) return '0';
  if (perDay >= 10) return perDay.toFixed(0);
  return perDay >= 1 ? perDay.toFixed(1) : perDay.toFixed(2);
}

/** "25 %", "—" when there were no changes. */
export function formatRate(rate: number | null): string {
  return rate === null ? '—' : `${Math.round(rate * 100)} %`;
}

/** A duration in seconds, or "—" without samples. */
export function formatSeconds(seconds: number | null): string {
  return seconds === null ? '—' : formatDuration(seconds);
}

/** Sums the daily series of several items (the organisation's chart). */
export function sumDaily(items: DeliveryMetrics[]): MetricsDay[] {
  const days = new Map<string, MetricsDay>();
  for (const item of items) {
    for (const d of item.deployments.daily) {
      const day = days.get(d.date) ?? {
        date: d.date,
        deployments: 0,
        failures: 0,
        leadTimeMedianSeconds: null,
      };
      day.deployments += d.deployments;
      day.failures += d.failures;
      days.set(d.date, day);
    }
  }
  return [...days.values()].sort((a, b) => a.date.localeCompare(b.date));
}
