/*
 * Ingestion runs read back from the backends' logs (bench/replicas.ts): the
 * IngestionManager logs `ingestion run started: repository=<id> pid=<pid>`
 * and `ingestion run ended: repository=<id> pid=<pid> ms=… commits=…
 * rollouts=…` (or `failed`) at debug level, each line led by its ISO
 * timestamp.
 */

export interface RunInterval {
  replica: string;
  pid: number;
  repository: string;
  start: number;
  /** Epoch ms; for a run without an end line, when its process ended. */
  end: number;
  /** False when the process died (or was stopped) before the run ended. */
  ended: boolean;
  commits: number;
  rollouts: number;
  failed: boolean;
}

const LINE =
  /^(\d{4}-\d\d-\d\dT[\d:.]+Z)\s.*?ingestion run (started|ended): repository=(\S+) pid=(\d+)(.*)$/;

/** The log's lines without terminal colours (the development log format has them). */
function lines(log: string): string[] {
  // eslint-disable-next-line no-control-regex
  return log.replace(/\x1b\[[0-9;]*m/g, '').split('\n');
}

/**
 * The runs of one replica's log (all its processes). `endOf(pid)` is when a
 * process ended: the end of its runs that have no end line.
 */
export function parseRuns(
  replica: string,
  log: string,
  endOf: (pid: number) => number,
): RunInterval[] {
  const open = new Map<string, RunInterval>();
  const runs: RunInterval[] = [];
  for (const line of lines(log)) {
    const m = LINE.exec(line);
    if (!m) continue;
    const [, ts, what, repository, pidText, rest] = m;
    const at = Date.parse(ts);
    const pid = Number(pidText);
    const key = `${pid}/${repository}`;
    if (what === 'started') {
      const run: RunInterval = {
        replica,
        pid,
        repository,
        start: at,
        end: Number.NaN,
        ended: false,
        commits: 0,
        rollouts: 0,
        failed: false,
      };
      open.set(key, run);
      runs.push(run);
      continue;
    }
    const run = open.get(key);
    if (!run) continue;
    open.delete(key);
    run.end = at;
    run.ended = true;
    run.failed = /\bfailed\b/.test(rest);
    run.commits = Number(/commits=(\d+)/.exec(rest)?.[1] ?? 0);
    run.rollouts = Number(/rollouts=(\d+)/.exec(rest)?.[1] ?? 0);
  }
  for (const run of open.values()) run.end = endOf(run.pid);
  return runs;
}

/** The runs without an end line so far, by repository (one pid's). */
export function openRuns(log: string, pid: number): string[] {
  const open = new Set<string>();
  for (const line of lines(log)) {
    const m = LINE.exec(line);
    if (!m || Number(m[4]) !== pid) continue;
    if (m[2] === 'started') open.add(m[3]);
    else open.delete(m[3]);
  }
  return [...open];
}

export interface Overlap {
  repository: string;
  at: number;
  pids: number[];
}

/**
 * The most processes that worked on one repository at the same instant, over
 * all repositories, and every instant where more than one did. An end and a
 * start at the same millisecond do not overlap.
 */
export function maxConcurrency(runs: RunInterval[]): {
  max: number;
  overlaps: Overlap[];
} {
  const byRepo = new Map<string, RunInterval[]>();
  for (const r of runs)
    byRepo.set(r.repository, [...(byRepo.get(r.repository) ?? []), r]);
  let max = 0;
  const overlaps: Overlap[] = [];
  for (const [repository, list] of byRepo) {
    const events = list.flatMap(r => [
      { at: r.start, delta: 1, pid: r.pid },
      { at: r.end, delta: -1, pid: r.pid },
    ]);
    events.sort((a, b) => a.at - b.at || a.delta - b.delta);
    const active = new Map<number, number>();
    for (const e of events) {
      active.set(e.pid, (active.get(e.pid) ?? 0) + e.delta);
      if (active.get(e.pid) === 0) active.delete(e.pid);
      if (active.size > max) max = active.size;
      if (e.delta > 0 && active.size > 1)
        overlaps.push({ repository, at: e.at, pids: [...active.keys()] });
    }
  }
  return { max, overlaps };
}

/** How many scheduled runs the log says were skipped. */
export function skipped(log: string): number {
  return lines(log).filter(l => /ingestion run skipped:/.test(l)).length;
}
