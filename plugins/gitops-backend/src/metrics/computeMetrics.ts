/**
 * Pure computation of the delivery metrics from ledger rows (definitions in
 * docs/architecture.md, "Delivery metrics"). The SQL side (MetricsStore)
 * selects and joins; this file only counts, groups and takes percentiles.
 */
import type {
  DeliveryMetrics,
  DurationStats,
  MetricsDay,
} from '@gitops2/plugin-gitops-common';

const DAY_MS = 86_400_000;

/** Outcomes that make a change a failure. */
export const FAILED_OUTCOMES = ['failed', 'degraded', 'rolled-back'];

/** One rollout of the window, in ledger order within its environment. */
export interface MetricsRollout {
  id: string;
  repository: string;
  service: string;
  environment: string;
  kind: string;
  outcome: string;
  /** ms since epoch */
  desiredAt: number;
  /** ms since epoch, when observed in a cluster */
  observedAt?: number;
}

/** One commit a rollout added, with its pull request (when known). */
export interface LeadTimeCommit {
  rolloutId: string;
  sha: string;
  /** ms since epoch */
  committedAt: number;
  pullRequest?: number;
  /** Commit time of the pull request's merge commit, when that commit is known. */
  mergedAt?: number;
}

/** Median (mean of the two middle values) and nearest-rank p90, in seconds. */
export function durationStats(samplesMs: number[]): DurationStats {
  const s = samplesMs.map(v => Math.max(0, v) / 1000).sort((a, b) => a - b);
  const n = s.length;
  if (n === 0) return { medianSeconds: null, p90Seconds: null, samples: 0 };
  const median = n % 2 === 1 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
  const p90 = s[Math.ceil(0.9 * n) - 1];
  return { medianSeconds: median, p90Seconds: p90, samples: n };
}

/** When a rollout reached its environment: observed in the cluster, else asked for in Git. */
export function deployedAt(r: MetricsRollout): number {
  return r.observedAt ?? r.desiredAt;
}

function dayOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

function daysOf(since: number, until: number): string[] {
  const out: string[] = [];
  let d = Date.UTC(
    new Date(since).getUTCFullYear(),
    new Date(since).getUTCMonth(),
    new Date(since).getUTCDate(),
  );
  for (; d < until; d += DAY_MS) out.push(dayOf(d));
  return out;
}

const key = (r: { repository: string; service: string; environment: string }) =>
  `${r.repository}\u0000${r.service}\u0000${r.environment}`;

/**
 * Lead-time samples of one rollout: one per change it added, a change being
 * a pull request (its commits grouped) or a commit without pull request.
 * first commit → environment: deployedAt − earliest commit time of the change;
 * merge → environment: deployedAt − merge commit time (the latest commit
 * time of the change when the merge commit is unknown, for a lone commit its
 * own time).
 */
export function leadTimeSamples(
  rollout: MetricsRollout,
  commits: LeadTimeCommit[],
): Array<{ firstCommitMs: number; mergeMs: number }> {
  const changes = new Map<
    string,
    { first: number; last: number; merged?: number }
  >();
  for (const c of commits) {
    const k =
      c.pullRequest !== undefined ? `pr:${c.pullRequest}` : `c:${c.sha}`;
    const ch = changes.get(k);
    if (!ch) {
      changes.set(k, {
        first: c.committedAt,
        last: c.committedAt,
        merged: c.mergedAt,
      });
    } else {
      ch.first = Math.min(ch.first, c.committedAt);
      ch.last = Math.max(ch.last, c.committedAt);
      ch.merged ??= c.mergedAt;
    }
  }
  const at = deployedAt(rollout);
  return [...changes.values()].map(ch => ({
    firstCommitMs: Math.max(0, at - ch.first),
    mergeMs: Math.max(0, at - (ch.merged ?? ch.last)),
  }));
}

/**
 * The metrics of every (repository, service, environment) having rollouts in
 * the window. `rollouts` must hold the rollouts desired in [since, until),
 * sorted by id (ledger order); `commits` the commits they added.
 */
export function computeMetrics(options: {
  since: string;
  until: string;
  rollouts: MetricsRollout[];
  commits: LeadTimeCommit[];
}): DeliveryMetrics[] {
  const since = Date.parse(options.since);
  const until = Date.parse(options.until);
  const windowDays = (until - since) / DAY_MS;
  const days = daysOf(since, until);

  const commitsByRollout = new Map<string, LeadTimeCommit[]>();
  for (const c of options.commits) {
    const list = commitsByRollout.get(c.rolloutId) ?? [];
    list.push(c);
    commitsByRollout.set(c.rolloutId, list);
  }

  const groups = new Map<string, MetricsRollout[]>();
  for (const r of options.rollouts) {
    const list = groups.get(key(r)) ?? [];
    list.push(r);
    groups.set(key(r), list);
  }

  const out: DeliveryMetrics[] = [];
  for (const list of groups.values()) {
    list.sort((a, b) => Number(a.id) - Number(b.id));
    const daily = new Map<
      string,
      { deployments: number; failures: number; lead: number[] }
    >(days.map(d => [d, { deployments: 0, failures: 0, lead: [] }]));
    const firstCommit: number[] = [];
    const merge: number[] = [];
    const restore: number[] = [];
    let changes = 0;
    let failures = 0;
    let rollbacks = 0;
    let unrestored = 0;

    list.forEach((r, i) => {
      const day = daily.get(dayOf(r.desiredAt));
      if (day) day.deployments++;
      if (r.kind === 'rollback') rollbacks++;

      const samples = leadTimeSamples(r, commitsByRollout.get(r.id) ?? []);
      for (const s of samples) {
        firstCommit.push(s.firstCommitMs);
        merge.push(s.mergeMs);
        day?.lead.push(s.firstCommitMs);
      }

      if (r.kind === 'rollback') return;
      changes++;
      const next = list[i + 1];
      const failed =
        FAILED_OUTCOMES.includes(r.outcome) || next?.kind === 'rollback';
      if (!failed) return;
      failures++;
      if (day) day.failures++;
      // Restored by the next rollout of the environment that did not fail
      // (a rollback or a fix forward).
      const good = list
        .slice(i + 1)
        .find(n => !FAILED_OUTCOMES.includes(n.outcome));
      if (good) restore.push(deployedAt(good) - deployedAt(r));
      else unrestored++;
    });

    const first = list[0];
    out.push({
      repository: first.repository,
      service: first.service,
      environment: first.environment,
      since: new Date(since).toISOString(),
      until: new Date(until).toISOString(),
      deployments: {
        count: list.length,
        perDay: windowDays > 0 ? list.length / windowDays : 0,
        daily: [...daily.entries()].map(
          ([date, d]): MetricsDay => ({
            date,
            deployments: d.deployments,
            failures: d.failures,
            leadTimeMedianSeconds: durationStats(d.lead).medianSeconds,
          }),
        ),
      },
      leadTime: {
        firstCommit: durationStats(firstCommit),
        merge: durationStats(merge),
      },
      changeFailure: {
        rate: changes > 0 ? failures / changes : null,
        changes,
        failures,
        rollbacks,
      },
      timeToRestore: { ...durationStats(restore), unrestored },
    });
  }
  return out.sort(
    (a, b) =>
      a.repository.localeCompare(b.repository) ||
      a.service.localeCompare(b.service) ||
      a.environment.localeCompare(b.environment),
  );
}
