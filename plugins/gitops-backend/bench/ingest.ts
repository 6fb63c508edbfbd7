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
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import knexFactory, { Knex } from 'knex';
import { LedgerStore } from '../src/database/LedgerStore';
import { LocalGitSource } from '../src/git/LocalGitSource';
import { RepositoryIngester } from '../src/ingestion/RepositoryIngester';
import { createDefaultLocatorRegistry } from '../src/locators/VersionLocatorRegistry';

const argv = process.argv.slice(2);
const opt = (name: string, def: number) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? Number(argv[i + 1]) : def;
};
const SERVICES = opt('services', 50);
const COMMITS = opt('commits', 10_000);
const ENVS = ['dev', 'qa', 'staging', 'prod-us', 'prod-eu'];
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

function pipelineFile(): string {
  const services = Array.from(
    { length: SERVICES },
    (_, i) => `    svc-${i}:
      path: apps/svc-${i}/{environment}/kustomization.yaml
      locator:
        type: kustomize-image
        image: ghcr.io/acme/svc-${i}
`,
  ).join('');
  return `apiVersion: gitops2.io/v1alpha1
kind: Pipeline
metadata:
  name: bench
spec:
  stages:
    - name: dev
      environments: [dev]
    - name: qa
      environments: [qa]
    - name: staging
      environments: [staging]
    - name: prod
      environments: [prod-us, prod-eu]
  environments:
${ENVS.map(
  e => `    ${e}:\n      cluster: ${e}-cluster\n      namespace: bench\n`,
).join('')}  services:
${services}`;
}

const kustomization = (svc: number, tag: string) =>
  `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - ../base\nimages:\n  - name: ghcr.io/acme/svc-${svc}\n    newTag: ${tag}\n`;

/** Writes the history with git fast-import: seconds instead of minutes. */
function generateRepo(dir: string, commits: number): void {
  execFileSync('git', ['init', '-q', '-b', 'main', dir]);
  const lines: string[] = [];
  const data = (s: string) => `data ${Buffer.byteLength(s)}\n${s}`;
  let t = Date.parse('2025-01-01T00:00:00Z') / 1000;
  let mark = 0;
  const commit = (msg: string, files: Array<[string, string]>) => {
    mark++;
    t += 600;
    const from = mark > 1 ? `from :${mark - 1}\n` : '';
    const changes = files
      .map(([p, c]) => `M 100644 inline ${p}\n${data(c)}`)
      .join('\n');
    lines.push(
      `commit refs/heads/main\nmark :${mark}\ncommitter Bench Bot <bench@example.com> ${t} +0000\n${data(
        msg,
      )}\n${from}${changes}\n`,
    );
  };
  const initial: Array<[string, string]> = [
    ['gitops-pipeline.yaml', pipelineFile()],
  ];
  for (let s = 0; s < SERVICES; s++) {
    for (const e of ENVS)
      initial.push([
        `apps/svc-${s}/${e}/kustomization.yaml`,
        kustomization(s, 'v0'),
      ]);
  }
  commit('bootstrap', initial);
  // Deterministic pseudo-random walk: each commit bumps one service in one environment.
  let seed = 42;
  const rand = (n: number) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  const version = new Map<string, number>();
  for (let i = 1; i < commits; i++) {
    const s = rand(SERVICES);
    const e = ENVS[rand(ENVS.length)];
    const k = `${s}/${e}`;
    const v = (version.get(k) ?? 0) + 1;
    version.set(k, v);
    commit(`bump svc-${s} to v${v} in ${e}`, [
      [`apps/svc-${s}/${e}/kustomization.yaml`, kustomization(s, `v${v}`)],
    ]);
  }
  const r = spawnSync('git', ['fast-import', '--quiet'], {
    cwd: dir,
    input: lines.join(''),
  });
  if (r.status !== 0) throw new Error(`fast-import failed: ${r.stderr}`);
}

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
    generateRepo(dir, COMMITS);
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
