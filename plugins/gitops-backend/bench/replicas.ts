/*
 * Many repositories on three replicas (docs/benchmarks.md, issue #12): R
 * generated GitOps repositories (bench/benchRepo.ts) × S services × N
 * commits, ingested by P real backend processes of the portal
 * (packages/backend, started like `yarn start` through
 * @gitops2/fault-injection's Replica) on one throwaway set of PostgreSQL
 * databases. One replica is killed with SIGKILL while it is ingesting a
 * repository (an open run in its log and that repository's ledger partly
 * written), then started again.
 *
 *   yarn bench:replicas [--repos 20] [--services 50] [--commits 2000]
 *                       [--replicas 3] [--no-kill] [--frequency 2]
 *                       [--task-timeout 20] [--lease 10] [--max-runs 4]
 *                       [--max-minutes 40]
 *                       [--settle-minutes 10] [--keep]
 *
 * Prints the wall time, each replica's runs, the most replicas that worked on
 * one repository at the same time (from the start/end lines the
 * IngestionManager logs with its pid) and the rollouts expected vs recorded
 * (with duplicates by repository, commit, service and environment). Exits
 * non-zero when two replicas overlapped, a count differs or no replica could
 * be killed mid-run. PostgreSQL on 127.0.0.1:5432 (user postgres, trust) or
 * BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING.
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { Replica } from '@gitops2/fault-injection';
import knexFactory, { Knex } from 'knex';
import { BENCH_ENVS, expectedRollouts, generateBenchRepo } from './benchRepo';
import {
  maxConcurrency,
  openRuns,
  skipped,
  parseRuns,
  RunInterval,
} from './runIntervals';

const argv = process.argv.slice(2);
const opt = (name: string, def: number) => {
  const i = argv.indexOf(`--${name}`);
  if (i < 0) return def;
  const v = Number(argv[i + 1]);
  if (!Number.isFinite(v) || v < 0) throw new Error(`--${name}: not a number`);
  return v;
};
const REPOS = opt('repos', 20);
const SERVICES = opt('services', 50);
const COMMITS = opt('commits', 2000);
const REPLICAS = opt('replicas', 3);
const KILL = !argv.includes('--no-kill');
const FREQUENCY_S = opt('frequency', 2);
const TASK_TIMEOUT_S = opt('task-timeout', 20);
const LEASE_S = opt('lease', 10);
const MAX_RUNS = opt('max-runs', 4);
const MAX_MS = opt('max-minutes', 40) * 60_000;
const SETTLE_MS = opt('settle-minutes', 10) * 60_000;
const KEEP = argv.includes('--keep');
const PG_URL =
  process.env.BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING ??
  'postgresql://postgres@127.0.0.1:5432';
const ROOT = path.resolve(__dirname, '../../..');

interface Repo {
  id: string;
  dir: string;
  head: string;
  expected: number;
}

interface Kill {
  replica: Replica;
  pid: number;
  at: number;
  repositories: string[];
  ledger: Record<string, number>;
  restartedAt?: number;
}

const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));
const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function overlay(port: number, prefix: string, repos: Repo[]) {
  return {
    backend: {
      baseUrl: `http://localhost:${port}`,
      listen: { port },
      // knex's default pool (2 to 10 connections per plugin database, a
      // dozen plugins) takes three replicas past PostgreSQL's default
      // max_connections (100): "sorry, too many clients already".
      database: {
        client: 'pg',
        connection: PG_URL,
        prefix,
        knexConfig: { pool: { min: 0, max: 3 } },
        plugin: { gitops: { knexConfig: { pool: { min: 0, max: 10 } } } },
      },
      // The IngestionManager's start/end lines (debug) and nothing else more.
      logger: {
        overrides: [
          {
            matchers: {
              message: '/^ingestion run (started|ended|skipped):/',
            },
            level: 'debug',
          },
        ],
      },
    },
    catalog: { locations: [] },
    gitops: {
      repositories: repos.map(r => ({
        id: r.id,
        provider: 'local',
        url: r.dir,
        branch: 'main',
        pipelineFile: 'gitops-pipeline.yaml',
      })),
      sourceRoots: [],
      ingestion: {
        frequency: { seconds: FREQUENCY_S },
        // minutes: 0 replaces app-config.yaml's (config objects merge).
        timeout: { minutes: 0, seconds: TASK_TIMEOUT_S },
        leaseSeconds: LEASE_S,
        maxConcurrentRuns: MAX_RUNS,
      },
      demoCluster: { enabled: false },
      steps: { allowedTargets: [] },
    },
  };
}

async function replica(
  name: string,
  workDir: string,
  prefix: string,
  repos: Repo[],
): Promise<Replica> {
  const port = await freePort();
  const file = path.join(workDir, `${name}.yaml`);
  fs.writeFileSync(file, JSON.stringify(overlay(port, prefix, repos), null, 2));
  return new Replica(
    name,
    port,
    [path.join(ROOT, 'app-config.yaml'), file],
    workDir,
  );
}

async function ledgerCounts(db: Knex): Promise<Record<string, number>> {
  const rows: Array<{ repository_id: string; c: string | number }> = await db(
    'gitops_rollouts',
  )
    .select('repository_id')
    .count({ c: '*' })
    .groupBy('repository_id');
  return Object.fromEntries(rows.map(r => [r.repository_id, Number(r.c)]));
}

async function complete(db: Knex, repos: Repo[]): Promise<Set<string>> {
  const counts = await ledgerCounts(db);
  const cursors = new Map(
    (await db('gitops_repositories').select('id', 'last_commit_sha')).map(r => [
      r.id,
      r.last_commit_sha,
    ]),
  );
  return new Set(
    repos
      .filter(
        r => cursors.get(r.id) === r.head && (counts[r.id] ?? 0) >= r.expected,
      )
      .map(r => r.id),
  );
}

const readLog = (r: Replica) => {
  try {
    return fs.readFileSync(r.logFile, 'utf8');
  } catch {
    return '';
  }
};

/**
 * Kills the first replica caught ingesting: an open run in its log of a
 * repository whose ledger is partly written (a batch committed, more to
 * come). Restarts it at once.
 */
async function killMidRun(
  replicas: Replica[],
  db: Knex,
  repos: Repo[],
  until: () => boolean,
): Promise<Kill | undefined> {
  const expected = new Map(repos.map(r => [r.id, r.expected]));
  while (!until()) {
    const counts = await ledgerCounts(db).catch(
      (): Record<string, number> => ({}),
    );
    for (const r of replicas) {
      const pid = r.pid;
      if (!r.running || pid === undefined) continue;
      const open = openRuns(readLog(r), pid);
      const partial = open.filter(id => {
        const c = counts[id] ?? 0;
        return c > 0 && c < expected.get(id)!;
      });
      if (partial.length === 0) continue;
      await r.kill();
      const at = Date.now();
      return {
        replica: r,
        pid,
        at,
        repositories: open,
        ledger: Object.fromEntries(open.map(id => [id, counts[id] ?? 0])),
      };
    }
    await sleep(50);
  }
  return undefined;
}

async function dropDatabases(prefix: string): Promise<void> {
  const admin = knexFactory({ client: 'pg', connection: PG_URL });
  try {
    const { rows } = await admin.raw(
      'select datname from pg_database where datname like ?',
      [`${prefix}%`],
    );
    for (const { datname } of rows)
      await admin.raw(`drop database if exists "${datname}" with (force)`);
  } finally {
    await admin.destroy();
  }
}

async function main(): Promise<number> {
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gitops-replicas-'));
  const prefix = `grb${randomBytes(4).toString('hex')}_`;
  const all: Replica[] = [];
  const endOf = new Map<number, number>();
  let db: Knex | undefined;
  const cleanup = async () => {
    for (const r of all) {
      const pid = r.pid;
      await r.kill();
      if (pid !== undefined && !endOf.has(pid)) endOf.set(pid, Date.now());
    }
    await db?.destroy();
    await dropDatabases(prefix);
    if (!KEEP) fs.rmSync(workDir, { recursive: true, force: true });
  };
  const onSignal = () => {
    cleanup().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    return await run(workDir, prefix, all, endOf, d => {
      db = d;
    });
  } finally {
    await cleanup();
    if (KEEP) console.log(`kept ${workDir}`);
  }
}

async function run(
  workDir: string,
  prefix: string,
  all: Replica[],
  endOf: Map<number, number>,
  setDb: (db: Knex) => void,
): Promise<number> {
  console.log(
    `machine: ${os.cpus().length} × ${os.cpus()[0]?.model}, ${Math.round(
      os.totalmem() / 2 ** 30,
    )} GiB, Node ${process.versions.node}; load average ${os
      .loadavg()
      .map(l => l.toFixed(2))
      .join(' ')} (the CPU may be shared)`,
  );
  let t = Date.now();
  const repos: Repo[] = [];
  for (let i = 0; i < REPOS; i++) {
    const id = `bench-${String(i + 1).padStart(2, '0')}`;
    const dir = path.join(workDir, 'repos', id);
    const spec = { services: SERVICES, commits: COMMITS, seed: 42 + i };
    const head = generateBenchRepo(dir, spec);
    repos.push({ id, dir, head, expected: expectedRollouts(spec) });
  }
  const expectedTotal = repos.reduce((n, r) => n + r.expected, 0);
  console.log(
    `generated ${REPOS} repositories × ${SERVICES} services × ${
      BENCH_ENVS.length
    } environments × ${COMMITS} commits in ${s(
      Date.now() - t,
    )}: ${expectedTotal} rollouts expected (${
      SERVICES * BENCH_ENVS.length
    } initial + ${COMMITS - 1} changes per repository)`,
  );

  // Migrations first, by one backend without repositories: knex's migration
  // lock table is not safe to create twice at once, and a replica started
  // ahead of the others would claim every repository before they are up.
  t = Date.now();
  const prep = await replica('migrate', workDir, prefix, []);
  all.push(prep);
  await prep.start(600_000);
  await prep.stop();
  console.log(
    `databases ${prefix}* created and migrated by one backend in ${s(
      Date.now() - t,
    )}`,
  );
  const db = knexFactory({
    client: 'pg',
    connection: `${PG_URL}/${prefix}gitops`,
    pool: { min: 0, max: 2 },
  });
  setDb(db);

  const replicas: Replica[] = [];
  for (let i = 0; i < REPLICAS; i++) {
    const r = await replica(
      `replica-${String.fromCharCode(97 + i)}`,
      workDir,
      prefix,
      repos,
    );
    replicas.push(r);
    all.push(r);
  }
  const t0 = Date.now();
  const healthy: Record<string, number> = {};
  const starting = replicas.map(r =>
    r.start(600_000).then(() => {
      healthy[r.name] = Date.now() - t0;
    }),
  );
  let doneAt: number | undefined;
  let failure: Error | undefined;
  const startedAll = Promise.all(starting).catch(e => {
    failure = e;
  });

  const finished = (async () => {
    for (;;) {
      if (failure) throw failure;
      const done = await complete(db, repos);
      if (done.size === repos.length) {
        doneAt = Date.now();
        return;
      }
      if (Date.now() - t0 > MAX_MS)
        throw new Error(
          `not every repository ingested within ${s(MAX_MS)}: ${
            repos.length - done.size
          } missing\n${replicas
            .map(r => `--- ${r.name}\n${r.tail(20)}`)
            .join('\n')}`,
        );
      await sleep(500);
    }
  })().catch(e => {
    failure = failure ?? e;
  });

  let kill: Kill | undefined;
  let restarting: Promise<void> = Promise.resolve();
  if (KILL) {
    kill = await killMidRun(
      replicas,
      db,
      repos,
      () => doneAt !== undefined || failure !== undefined,
    );
    if (kill) {
      const k = kill;
      endOf.set(k.pid, k.at);
      console.log(
        `killed ${k.replica.name} (pid ${k.pid}, SIGKILL) at +${s(
          k.at - t0,
        )} while it ingested ${k.repositories
          .map(id => `${id} (${k.ledger[id]} rollouts written)`)
          .join(', ')}; starting it again`,
      );
      restarting = k.replica.start(600_000).then(
        () => {
          k.restartedAt = Date.now();
        },
        e => {
          failure = failure ?? e;
        },
      );
    }
  }
  await finished;
  await startedAll;
  await restarting;
  if (failure) throw failure;
  const wall = doneAt! - t0;
  const loadAfter = os.loadavg();
  // Runs started before the ledger was complete may still be writing their
  // last state: wait until each has ended, so every interval is measured
  // whole (later runs, every few seconds, are cut at the stop).
  let idleAt: number | undefined;
  const completeAt = doneAt!;
  while (Date.now() - completeAt < SETTLE_MS) {
    const open = replicas.filter(r =>
      parseRuns(r.name, readLog(r), () => Number.NaN).some(
        x => !x.ended && x.pid === r.pid && x.start <= completeAt,
      ),
    );
    if (open.length === 0) {
      idleAt = Date.now();
      break;
    }
    await sleep(200);
  }

  // Every replica stopped before its log is read: its last runs end there.
  for (const r of replicas) {
    const pid = r.pid;
    await r.stop();
    if (pid !== undefined && !endOf.has(pid)) endOf.set(pid, Date.now());
  }
  const runs: RunInterval[] = replicas.flatMap(r =>
    parseRuns(r.name, readLog(r), pid => endOf.get(pid) ?? Date.now()),
  );
  const { max, overlaps } = maxConcurrency(runs);

  // What the ledger holds.
  const counts = await ledgerCounts(db);
  const repoRows = new Map(
    (await db('gitops_repositories').select('id', 'commits_ingested')).map(
      r => [r.id, Number(r.commits_ingested)],
    ),
  );
  const duplicates = await db('gitops_rollouts')
    .select('repository_id', 'commit_sha', 'service', 'environment')
    .count({ c: '*' })
    .groupBy('repository_id', 'commit_sha', 'service', 'environment')
    .havingRaw('count(*) > 1');
  const [{ c: errorCount }] = await db('gitops_ingestion_errors').count({
    c: '*',
  });
  const actualTotal = Object.values(counts).reduce((a, b) => a + b, 0);
  const wrong = repos.filter(
    r => counts[r.id] !== r.expected || repoRows.get(r.id) !== COMMITS,
  );

  console.log('');
  console.log(
    `${REPLICAS} replica(s), ${REPOS} repositories × ${SERVICES} services × ${COMMITS} commits, PostgreSQL, ingestion every ${FREQUENCY_S} s (task timeout ${TASK_TIMEOUT_S} s, run lease ${LEASE_S} s, at most ${
      MAX_RUNS || 'unlimited'
    } runs at once per replica)`,
  );
  console.log(
    `replicas healthy at ${Object.entries(healthy)
      .map(([n, ms]) => `${n} +${s(ms)}`)
      .join(', ')}`,
  );
  const firstStart = Math.min(...runs.map(r => r.start));
  console.log(
    `total wall time: ${s(
      wall,
    )} from launching the replicas to every ledger complete (first run at +${s(
      firstStart - t0,
    )}, so ${s(doneAt! - firstStart)} of ingestion)`,
  );
  console.log(
    idleAt
      ? `every run started before then ended at +${s(idleAt - t0)}`
      : `runs still open ${s(SETTLE_MS)} after the ledger was complete`,
  );
  console.log(
    `load average after: ${loadAfter.map(l => l.toFixed(2)).join(' ')}`,
  );
  console.log('runs per replica (all processes of it):');
  for (const r of replicas) {
    const mine = runs.filter(x => x.replica === r.name);
    const working = mine.filter(x => x.commits > 0);
    const pids = [...new Set(mine.map(x => x.pid))];
    console.log(
      `  ${r.name} (pid ${pids.join(', ')}): ${mine.length} runs, ${
        working.length
      } that ingested commits (${working.reduce(
        (n, x) => n + x.commits,
        0,
      )} commits of ${
        new Set(working.map(x => x.repository)).size
      } repositories), ${
        mine.filter(x => !x.ended && x.pid === kill?.pid).length
      } cut by the SIGKILL, ${
        mine.filter(x => x.failed).length
      } failed; ${skipped(
        readLog(r),
      )} scheduled runs skipped (repository held by another replica or ${
        MAX_RUNS || '∞'
      } runs under way)`,
    );
  }
  console.log(
    `most replicas on one repository at the same time: ${max}${
      overlaps.length
        ? ` — OVERLAPS: ${overlaps
            .slice(0, 10)
            .map(
              o =>
                `${o.repository} at +${s(o.at - t0)} (pids ${o.pids.join(
                  ', ',
                )})`,
            )
            .join('; ')}`
        : ''
    }`,
  );
  if (kill) {
    const k = kill;
    for (const id of k.repositories) {
      const resumed = runs
        .filter(x => x.repository === id && x.start >= k.at && x.commits > 0)
        .sort((a, b) => a.start - b.start)[0];
      console.log(
        `  ${id} after the kill: ${
          resumed
            ? `resumed by ${resumed.replica} (pid ${resumed.pid}) ${s(
                resumed.start - k.at,
              )} after the kill (the scheduler's lease runs out after the task timeout; its janitor runs every minute), ${
                resumed.commits
              } commits, ${resumed.rollouts} rollouts`
            : 'not resumed by a run that ingested commits'
        }`,
      );
    }
    if (k.restartedAt)
      console.log(
        `  ${k.replica.name} healthy again ${s(
          k.restartedAt - k.at,
        )} after the kill`,
      );
  } else if (KILL) {
    console.log('NO replica was caught in the middle of a run');
  }
  console.log(
    `rollouts: ${expectedTotal} expected, ${actualTotal} recorded; ${
      duplicates.length
    } duplicated (repository, commit, service, environment); ${
      wrong.length
    } repositories off (count or commits_ingested); ${Number(
      errorCount,
    )} ingestion errors`,
  );
  for (const r of wrong.slice(0, 10))
    console.log(
      `  ${r.id}: ${counts[r.id] ?? 0} rollouts of ${r.expected}, ${
        repoRows.get(r.id) ?? 0
      } commits of ${COMMITS}`,
    );

  const failed =
    max > 1 ||
    duplicates.length > 0 ||
    wrong.length > 0 ||
    actualTotal !== expectedTotal ||
    (KILL && !kill);
  console.log(failed ? 'FAILED' : 'OK');
  return failed ? 1 : 0;
}

main().then(
  code => process.exit(code),
  e => {
    console.error(e);
    process.exit(1);
  },
);
