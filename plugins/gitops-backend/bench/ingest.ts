/*
 * Ingestion benchmark: a generated GitOps history of S services × E
 * environments × N commits, ingested from scratch and then incrementally
 * (1 new commit), on SQLite and on PostgreSQL when reachable.
 *
 *   yarn bench:ingest [--services 50] [--commits 10000] [--no-pg]
 *
 * Prints wall time, rows written and the ratio to a baseline measured in the
 * same run: the bare git walk (`git log --name-only` + `git cat-file --batch`
 * of every changed manifest), i.e. the cost of reading the history at all.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import knexFactory, { Knex } from 'knex';
import { LedgerStore } from '../src/database/LedgerStore';
import { LocalGitSource } from '../src/git/LocalGitSource';
import { RepositoryIngester } from '../src/ingestion/RepositoryIngester';
import { createDefaultLocatorRegistry } from '../src/locators/VersionLocatorRegistry';
import {
  BENCH_ENVS as ENVS,
  benchKustomization as kustomization,
  generateBenchRepo,
} from './benchRepo';

const argv = process.argv.slice(2);
const opt = (name: string, def: number) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? Number(argv[i + 1]) : def;
};
const SERVICES = opt('services', 50);
const COMMITS = opt('commits', 10_000);
const PG =
  process.env.GITOPS_BENCH_PG ??
  'postgresql://postgres@127.0.0.1:5432/postgres';

const silentLogger: any = {
  info() {},
  warn() {},
  error() {},
  debug() {},
  child() {
    return silentLogger;
  },
};

function addCommit(dir: string): void {
  execFileSync('git', ['-C', dir, 'read-tree', 'main']);
  const p = 'apps/svc-0/dev/kustomization.yaml';
  const blob = execFileSync(
    'git',
    ['-C', dir, 'hash-object', '-w', '--stdin'],
    { input: kustomization(0, 'v-new') },
  )
    .toString()
    .trim();
  execFileSync('git', [
    '-C',
    dir,
    'update-index',
    '--add',
    '--cacheinfo',
    `100644,${blob},${p}`,
  ]);
  const tree = execFileSync('git', ['-C', dir, 'write-tree']).toString().trim();
  const sha = execFileSync('git', [
    '-C',
    dir,
    '-c',
    'user.name=b',
    '-c',
    'user.email=b@x',
    'commit-tree',
    tree,
    '-p',
    'main',
    '-m',
    'bump svc-0 to v-new in dev',
  ])
    .toString()
    .trim();
  execFileSync('git', ['-C', dir, 'update-ref', 'refs/heads/main', sha]);
}

function baseline(dir: string): number {
  const start = process.hrtime.bigint();
  const log = execFileSync(
    'git',
    [
      '-C',
      dir,
      'log',
      '--first-parent',
      '--reverse',
      '--root',
      '--name-only',
      '--format=%x1e%H',
      'main',
    ],
    { maxBuffer: 1 << 30 },
  ).toString();
  const specs: string[] = [];
  for (const rec of log.split('\x1e')) {
    const [sha, ...files] = rec.trim().split('\n').filter(Boolean);
    for (const f of files) if (sha) specs.push(`${sha}:${f}`);
  }
  execFileSync('git', ['-C', dir, 'cat-file', '--batch'], {
    input: `${specs.join('\n')}\n`,
    maxBuffer: 1 << 30,
  });
  return Number(process.hrtime.bigint() - start) / 1e6;
}

async function countRows(knex: Knex) {
  const [r] = await knex('gitops_rollouts').count({ c: '*' });
  const [d] = await knex('gitops_desired_states').count({ c: '*' });
  return { rollouts: Number(r.c), desired: Number(d.c) };
}

async function run(label: string, knex: Knex, dir: string, base: number) {
  const store = await LedgerStore.fromKnex(knex);
  const ingester = () =>
    new RepositoryIngester({
      repositoryId: 'bench',
      pipelineFile: 'gitops-pipeline.yaml',
      source: new LocalGitSource(dir, 'main'),
      store,
      locators: createDefaultLocatorRegistry(),
      logger: silentLogger,
    });
  let t = process.hrtime.bigint();
  const full = await ingester().ingest();
  const fullMs = Number(process.hrtime.bigint() - t) / 1e6;
  const afterFull = await countRows(knex);
  const repeat = await ingester().ingest();
  addCommit(dir);
  t = process.hrtime.bigint();
  const inc = await ingester().ingest();
  const incMs = Number(process.hrtime.bigint() - t) / 1e6;
  const afterInc = await countRows(knex);
  execFileSync('git', ['-C', dir, 'update-ref', 'refs/heads/main', 'main~1']);
  console.log(
    `${label.padEnd(10)} from scratch: ${full.commits} commits in ${(
      fullMs / 1000
    ).toFixed(2)} s ` +
      `(${Math.round(full.commits / (fullMs / 1000))} commits/s, ${(
        fullMs / base
      ).toFixed(1)}× the bare git walk), ` +
      `rows: ${afterFull.rollouts} rollouts + ${afterFull.desired} desired states`,
  );
  console.log(
    `${''.padEnd(10)} re-run over the same history: ${
      repeat.commits
    } commits, ${repeat.rolloutsInserted} rows added`,
  );
  console.log(
    `${''.padEnd(10)} incremental (1 new commit): ${
      inc.commits
    } commit in ${incMs.toFixed(0)} ms, ` +
      `rows added: ${afterInc.rollouts - afterFull.rollouts} rollout(s)`,
  );
}

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gitops-bench-'));
  try {
    const t = Date.now();
    generateBenchRepo(dir, { services: SERVICES, commits: COMMITS });
    console.log(
      `generated ${SERVICES} services × ${
        ENVS.length
      } environments × ${COMMITS} commits in ${(
        (Date.now() - t) /
        1000
      ).toFixed(1)} s`,
    );
    const base = Math.min(baseline(dir), baseline(dir));
    console.log(
      `baseline: bare git walk of the history (log + cat-file of changed manifests): ${base.toFixed(
        0,
      )} ms`,
    );
    console.log(
      `machine: ${os.cpus().length} × ${os.cpus()[0]?.model}, ${Math.round(
        os.totalmem() / 2 ** 30,
      )} GiB, Node ${process.versions.node}`,
    );

    const sqlite = knexFactory({
      client: 'better-sqlite3',
      connection: { filename: path.join(dir, 'bench.sqlite') },
      useNullAsDefault: true,
    });
    await run('SQLite', sqlite, dir, base);
    await sqlite.destroy();

    if (!argv.includes('--no-pg')) {
      const admin = knexFactory({ client: 'pg', connection: PG });
      const db = `gitops_bench_${process.pid}`;
      try {
        await admin.raw(`CREATE DATABASE ${db}`);
      } catch (e) {
        console.log(`PostgreSQL: skipped (${(e as Error).message})`);
        await admin.destroy();
        return;
      }
      const url = new URL(PG);
      url.pathname = `/${db}`;
      const pg = knexFactory({ client: 'pg', connection: url.toString() });
      try {
        await run('PostgreSQL', pg, dir, base);
      } finally {
        await pg.destroy();
        await admin.raw(`DROP DATABASE ${db}`);
        await admin.destroy();
      }
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch(e => {
  console.error(e);
  process.exit(1);
});
