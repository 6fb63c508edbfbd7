/*
 * Query latency on PostgreSQL at scale: 1,000 services × 10 environments,
 * 1,000,000 rollouts, 10,000,000 change-set commit links (scale 1).
 *
 *   yarn bench:queries [--scale 0.1] [--runs 200] [--keep]
 *
 * Creates a throwaway database (GITOPS_BENCH_PG, default
 * postgresql://postgres@127.0.0.1:5432/postgres), migrates it with the
 * plugin's migrations (LedgerStore.fromKnex), generates the data with SQL
 * (INSERT … SELECT generate_series, in chunks), VACUUM ANALYZEs, then times the
 * queries through the real read paths (CorrelationService.lookupFeature,
 * GitopsService.getRollouts / listRollouts, CorrelationService.getChangeSet)
 * and prints p50 / p95 / max. The database is dropped at the end, also on
 * failure.
 *
 * The generated history: one GitOps repository, `scale × 1,000` services,
 * 10 environments in 7 stages, 100 rollouts per service and environment
 * (round i of every environment carries the same 10 commits of the service,
 * commit block i; ~3% of the rollouts are rollbacks that remove the 10
 * commits of the rollout before), evenly spread over the last 365 days, so
 * "yesterday" holds ~1/365 of the rollouts. Issue keys: each key is shared by
 * 3 consecutive commits of a service; every 20th commit also carries a key
 * shared by the 10 services of its project. Pull requests: 2 commits each.
 */
import os from 'node:os';
import knexFactory, { Knex } from 'knex';
import { ConfigReader } from '@backstage/config';
import type { Entity } from '@backstage/catalog-model';
import { readGitopsConfig } from '../src/config';
import { Correlator } from '../src/correlation/Correlator';
import { SourceRepositoryResolver } from '../src/correlation/sourceRepositories';
import { LedgerStore } from '../src/database/LedgerStore';
import { createDefaultLocatorRegistry } from '../src/locators/VersionLocatorRegistry';
import { parsePipeline } from '../src/pipeline/parsePipeline';
import { CorrelationService } from '../src/service/CorrelationService';
import { GitopsService } from '../src/service/GitopsService';

const argv = process.argv.slice(2);
const opt = (name: string, def: number) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? Number(argv[i + 1]) : def;
};
const SCALE = opt('scale', 1);
const RUNS = opt('runs', 200);
const WARMUP = 20;
const PG =
  process.env.GITOPS_BENCH_PG ??
  'postgresql://postgres@127.0.0.1:5432/postgres';

const ENVS = [
  'dev',
  'qa',
  'int',
  'staging',
  'perf',
  'preprod',
  'prod-us',
  'prod-eu',
  'prod-ap',
  'prod-sa',
];
const STAGES: string[][] = [
  ['dev'],
  ['qa'],
  ['int'],
  ['staging'],
  ['perf'],
  ['preprod'],
  ['prod-us', 'prod-eu', 'prod-ap', 'prod-sa'],
];
const SERVICES = Math.max(10, Math.round(1000 * SCALE));
const ROUNDS = 100;
const COMMITS_PER_ROLLOUT = 10;
const E = ENVS.length;
const ROLLOUTS = SERVICES * E * ROUNDS;
/** Seconds between two rollouts: the history spans the last 365 days. */
const STEP = (365 * 86400) / ROLLOUTS;

const silentLogger: any = {
  info() {},
  warn() {},
  error() {},
  debug() {},
  child() {
    return silentLogger;
  },
};

const svcName = (s: number) => `svc-${String(s).padStart(4, '0')}`;
/** Issue key project of a service: 10 services per project (ABA, ABB, …). */
const project = (s: number) =>
  `${String.fromCharCode(65 + Math.floor(s / 260))}${String.fromCharCode(
    65 + (Math.floor(s / 10) % 26),
  )}X`;

function pipelineYaml(): string {
  const services = Array.from(
    { length: SERVICES },
    (_, s) => `    ${svcName(s)}:
      path: apps/${svcName(s)}/{environment}/kustomization.yaml
      locator:
        type: kustomize-image
        image: ghcr.io/acme/${svcName(s)}
`,
  ).join('');
  return `apiVersion: gitops2.io/v1alpha1
kind: Pipeline
metadata:
  name: bench
spec:
  stages:
${STAGES.map(
  (envs, i) =>
    `    - name: stage-${i}\n      environments: [${envs.join(', ')}]\n`,
).join('')}  environments:
${ENVS.map(
  e => `    ${e}:\n      cluster: ${e}-cluster\n      namespace: bench\n`,
).join('')}  services:
${services}`;
}

// SQL expressions of the generator (s = service, k = commit, e = environment, i = round).
const SQL_SVC = (s: string) => `'svc-' || lpad((${s})::text, 4, '0')`;
const SQL_SRC = (s: string) => `'github:acme/' || ${SQL_SVC(s)}`;
const SQL_SHA = (s: string, k: string) =>
  `md5('c' || (${s}) || '/' || (${k})) || substr(md5('d' || (${s}) || '/' || (${k})), 1, 8)`;
const SQL_ENVS = `(ARRAY[${ENVS.map(e => `'${e}'`).join(',')}])`;
/** ~3% rollbacks, never in the first two rounds. */
const SQL_RB = `(i >= 2 AND ((s * 7919 + e * 104729 + i * 1299709) % 100) < 3)`;
/** The version deployed by round i: the short sha of the last commit of block i. */
const SQL_VER = (i: string) =>
  `substr(${SQL_SHA('s', `(${i}) * 10 + 9`)}, 1, 12)`;
const SQL_PROJ = (s: string) =>
  `chr(65 + (${s}) / 260) || chr(65 + ((${s}) / 10) % 26) || 'X'`;

async function generate(db: Knex, log: (m: string) => void) {
  const t0 = Date.now();
  await db.raw('SET synchronous_commit = off');
  const ledger = new LedgerStore(db);
  await ledger.ensureRepository('bench');
  const parsed = parsePipeline(
    pipelineYaml(),
    'gitops-pipeline.yaml',
    createDefaultLocatorRegistry(),
  );
  if (!parsed.definition) throw new Error(JSON.stringify(parsed.fileError));
  await ledger.finishRun({
    repositoryId: 'bench',
    at: new Date(),
    pipeline: {
      definition: parsed.definition,
      services: parsed.services,
      environmentErrors: parsed.environmentErrors,
    },
    pipelineError: null,
  });

  const S = SERVICES;
  const K = ROUNDS * COMMITS_PER_ROLLOUT;
  // Ids follow time: id = (i * E + e) * S + s + 1, desired_at = end - (N - id) × STEP.
  const end = `date_trunc('hour', now())`;
  const at = (id: string) =>
    `${end} - ((${ROLLOUTS} - (${id})) * ${STEP}) * interval '1 second'`;
  const timed = async (label: string, sql: string, bindings: any[] = []) => {
    const t = Date.now();
    await db.raw(sql, bindings);
    log(`  ${label}: ${((Date.now() - t) / 1000).toFixed(1)} s`);
  };

  await timed(
    'service sources',
    `INSERT INTO gitops_service_sources (repository_id, service, source_repository, entity_ref, updated_at)
     SELECT 'bench', ${SQL_SVC('s')}, ${SQL_SRC(
      's',
    )}, 'component:default/' || ${SQL_SVC('s')}, now()
     FROM generate_series(0, ${S - 1}) s`,
  );
  // A source commit is made a little before the dev rollout of its block.
  await timed(
    'source commits',
    `INSERT INTO gitops_source_commits (source_repository, sha, subject, author_name, author_email, committed_at, co_authors)
     SELECT ${SQL_SRC('s')}, ${SQL_SHA('s', 'k')},
            'feat: change ' || k || ' of ' || ${SQL_SVC(
              's',
            )} || ' (#' || (k / 2 + 1) || ')',
            'Dev ' || ((s * 31 + k) % 200), 'dev' || ((s * 31 + k) % 200) || '@acme.example',
            ${at(
              `(k / 10) * ${E * S} + s + 1`,
            )} - interval '1 hour' * (10 - k % 10),
            CASE WHEN k % 7 = 0 THEN '["Pair ' || (k % 13) || '"]' END
     FROM generate_series(0, ${S - 1}) s, generate_series(0, ${K - 1}) k`,
  );
  await timed(
    'pull requests',
    `INSERT INTO gitops_source_pull_requests (source_repository, number, title, branch, merge_sha)
     SELECT ${SQL_SRC('s')}, p + 1, 'Change ' || p || ' of ' || ${SQL_SVC('s')},
            ${SQL_PROJ(
              's',
            )} || '-' || ((s % 10) * 100000 + (2 * p) / 3 + 1) || '-change',
            ${SQL_SHA('s', '2 * p + 1')}
     FROM generate_series(0, ${S - 1}) s, generate_series(0, ${K / 2 - 1}) p`,
  );
  await timed(
    'feature refs',
    `INSERT INTO gitops_feature_refs (kind, value, source_repository, sha)
     SELECT 'issue', ${SQL_PROJ(
       's',
     )} || '-' || ((s % 10) * 100000 + k / 3 + 1), ${SQL_SRC('s')}, ${SQL_SHA(
      's',
      'k',
    )}
     FROM generate_series(0, ${S - 1}) s, generate_series(0, ${K - 1}) k
     UNION ALL
     SELECT 'issue', ${SQL_PROJ('s')} || '-' || (900000 + k / 20), ${SQL_SRC(
      's',
    )}, ${SQL_SHA('s', 'k')}
     FROM generate_series(0, ${S - 1}) s, generate_series(0, ${K - 1}, 20) k
     UNION ALL
     SELECT 'pr', (k / 2 + 1)::text, ${SQL_SRC('s')}, ${SQL_SHA('s', 'k')}
     FROM generate_series(0, ${S - 1}) s, generate_series(0, ${K - 1}) k`,
  );

  const CHUNK_ROUNDS = 10;
  const tr = Date.now();
  for (let i0 = 0; i0 < ROUNDS; i0 += CHUNK_ROUNDS) {
    const i1 = Math.min(ROUNDS, i0 + CHUNK_ROUNDS) - 1;
    const t = Date.now();
    const grid = `generate_series(${i0}, ${i1}) i, generate_series(0, ${
      E - 1
    }) e, generate_series(0, ${S - 1}) s`;
    const id = `(i * ${E} + e) * ${S} + s + 1`;
    await db.raw(
      `INSERT INTO gitops_rollouts (id, repository_id, service, environment, from_version, to_version, kind, outcome,
         commit_sha, author_name, author_email, subject, initiator, file, source_commit_sha, desired_at, observed_at, recorded_at)
       SELECT ${id}, 'bench', ${SQL_SVC('s')}, ${SQL_ENVS}[e + 1],
              CASE WHEN i = 0 THEN NULL ELSE ${SQL_VER('i - 1')} END,
              CASE WHEN ${SQL_RB} THEN ${SQL_VER('i - 2')} ELSE ${SQL_VER(
        'i',
      )} END,
              CASE WHEN ${SQL_RB} THEN 'rollback' WHEN e = 0 THEN 'direct' ELSE 'promotion' END,
              CASE WHEN ${SQL_RB} THEN 'succeeded' WHEN (s + i) % 50 = 0 THEN 'failed' ELSE 'succeeded' END,
              md5('g' || (${id})) || substr(md5('h' || (${id})), 1, 8),
              'Deployer ' || (s % 40), 'deployer' || (s % 40) || '@acme.example',
              CASE WHEN ${SQL_RB} THEN 'Rollback ' ELSE 'Bump ' END || ${SQL_SVC(
        's',
      )} || ' in ' || ${SQL_ENVS}[e + 1],
              'ci-bot', 'apps/' || ${SQL_SVC(
                's',
              )} || '/' || ${SQL_ENVS}[e + 1] || '/kustomization.yaml',
              NULL, ${at(id)}, ${at(id)} + interval '2 minutes', ${at(id)}
       FROM ${grid}`,
    );
    await db.raw(
      `INSERT INTO gitops_rollout_correlations (rollout_id, status, message, source_repository, from_commit, to_commit,
         from_strategy, to_strategy, added_count, removed_count, correlated_at)
       SELECT ${id}, 'resolved', NULL, ${SQL_SRC('s')},
              CASE WHEN i = 0 THEN NULL ELSE ${SQL_SHA(
                's',
                '(i - 1) * 10 + 9',
              )} END,
              CASE WHEN ${SQL_RB} THEN ${SQL_SHA(
        's',
        '(i - 2) * 10 + 9',
      )} ELSE ${SQL_SHA('s', 'i * 10 + 9')} END,
              CASE WHEN i = 0 THEN NULL ELSE 'image-tag-sha' END, 'image-tag-sha',
              CASE WHEN ${SQL_RB} THEN 0 ELSE 10 END, CASE WHEN ${SQL_RB} THEN 10 ELSE 0 END, ${at(
        id,
      )}
       FROM ${grid}`,
    );
    // 10 links per rollout: round i adds commit block i (the first round is
    // the baseline); a rollback removes the block of the round before.
    await db.raw(
      `INSERT INTO gitops_change_set_commits (rollout_id, direction, source_repository, sha, position)
       SELECT ${id}, CASE WHEN i = 0 THEN 'baseline' WHEN ${SQL_RB} THEN 'removed' ELSE 'added' END,
              ${SQL_SRC('s')},
              ${SQL_SHA(
                's',
                `(CASE WHEN ${SQL_RB} THEN i - 1 ELSE i END) * 10 + j`,
              )}, 9 - j
       FROM ${grid}, generate_series(0, 9) j`,
    );
    log(
      `  rollouts, correlations and commit links of rounds ${i0}-${i1}: ${(
        (Date.now() - t) /
        1000
      ).toFixed(1)} s`,
    );
  }
  log(`  rollouts + links total: ${((Date.now() - tr) / 1000).toFixed(1)} s`);
  await db.raw(
    `SELECT setval(pg_get_serial_sequence('gitops_rollouts', 'id'), (SELECT max(id) FROM gitops_rollouts))`,
  );
  await db.raw(
    `INSERT INTO gitops_desired_states (repository_id, service, environment, version, file, line, change_sha, change_at, change_author, change_subject)
     SELECT DISTINCT ON (service, environment) repository_id, service, environment, to_version, file, 7, commit_sha, desired_at, author_name, subject
     FROM gitops_rollouts ORDER BY service, environment, id DESC`,
  );
  const ta = Date.now();
  // VACUUM too: the visibility map autovacuum keeps (index-only scans).
  await db.raw('VACUUM ANALYZE');
  log(`  VACUUM ANALYZE: ${((Date.now() - ta) / 1000).toFixed(1)} s`);
  return Date.now() - t0;
}

function stats(ms: number[]) {
  const s = [...ms].sort((a, b) => a - b);
  const q = (p: number) =>
    s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
  return { p50: q(50), p95: q(95), max: s[s.length - 1] };
}

async function time(
  label: string,
  fn: (i: number) => Promise<unknown>,
  goal?: number,
) {
  for (let i = 0; i < WARMUP; i++) await fn(i + 100_000);
  const ms: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t = process.hrtime.bigint();
    await fn(i);
    ms.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  const { p50, p95, max } = stats(ms);
  let verdict = '';
  if (goal !== undefined) {
    verdict = `  (goal p95 ≤ ${goal} ms: ${p95 <= goal ? 'met' : 'MISSED'})`;
  }
  console.log(
    `${label.padEnd(58)} p50 ${p50.toFixed(2).padStart(7)} ms  p95 ${p95
      .toFixed(2)
      .padStart(7)} ms  max ${max.toFixed(2).padStart(7)} ms${verdict}`,
  );
}

/** Deterministic pseudo-random numbers, the same in every run. */
function rng(seed: number) {
  let x = seed;
  return (n: number) => {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    return x % n;
  };
}

async function measure(db: Knex) {
  const ledger = new LedgerStore(db);
  const store = ledger.correlationStore();
  const config = readGitopsConfig(
    new ConfigReader({
      gitops: {
        repositories: [
          { id: 'bench', provider: 'local', url: '/nonexistent/bench' },
        ],
      },
    }),
  );
  const resolver = new SourceRepositoryResolver([], process.cwd());
  const correlator = new Correlator({
    store,
    config: config.correlation,
    resolver,
    logger: silentLogger,
  });
  const gitops = new GitopsService(ledger, config.repositories, new Map());
  const service = new CorrelationService({
    ledger,
    store,
    resolver,
    correlator,
    config: config.correlation,
    gitops,
  });
  const entity = (s: number): Entity => ({
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: {
      name: svcName(s),
      annotations: { 'gitops2.io/gitops-repo': 'bench' },
    },
  });
  const K = ROUNDS * COMMITS_PER_ROLLOUT;
  const r = rng(7);
  const serviceKeys = Array.from({ length: RUNS + WARMUP }, () => {
    const s = r(SERVICES);
    return `${project(s)}-${(s % 10) * 100000 + Math.floor(r(K) / 3) + 1}`;
  });
  const sharedKeys = Array.from({ length: RUNS + WARMUP }, () => {
    const s = r(SERVICES);
    return `${project(s)}-${900000 + Math.floor(r(K) / 20)}`;
  });
  const pick = (list: string[], i: number) => list[i % list.length];

  // Sanity: what one lookup returns.
  const sample = await service.lookupFeature(serviceKeys[0]);
  const sampleShared = await service.lookupFeature(sharedKeys[0]);
  const envsOf = (f: typeof sample) =>
    f.services.map(
      sv =>
        `${sv.service}: ${sv.commits.length} commits, present in ${
          sv.environments.filter(e => e.present).length
        }/${sv.environments.length} environments${
          sv.environments.some(e => e.removedByRolloutId)
            ? ` (removed by a rollback in ${
                sv.environments.filter(e => e.removedByRolloutId).length
              })`
            : ''
        }`,
    );
  console.log(`sample lookup ${serviceKeys[0]}: ${envsOf(sample).join('; ')}`);
  console.log(
    `sample lookup ${sharedKeys[0]}: ${
      sampleShared.services.length
    } services, e.g. ${envsOf(sampleShared)[0]}`,
  );

  console.log(`\ntimings: ${WARMUP} warm-up + ${RUNS} timed calls each`);
  await time(
    'feature: which environments contain issue K (1 service)',
    i => service.lookupFeature(pick(serviceKeys, i)),
    20,
  );
  await time(
    'feature: issue K shared by 10 services',
    i => service.lookupFeature(pick(sharedKeys, i)),
    20,
  );
  // Part of every lookup: the stored pipeline (1.8 MB of JSON at scale 1),
  // parsed once per ingestion run by LedgerStore.getStoredPipeline.
  const pipelineKiB = Math.round(
    ((await ledger.getRepository('bench'))?.pipeline?.length ?? 0) / 1024,
  );
  await time(
    `  of which: getStoredPipeline (${pipelineKiB} KiB of JSON, cached per run)`,
    () => ledger.getStoredPipeline('bench'),
  );
  await time('  of which: findRefs (feature index lookup)', i =>
    store.findRefs('issue', pick(serviceKeys, i)),
  );
  // The other reads of a one-service lookup, each on its own.
  const refsOfKey = await Promise.all(
    serviceKeys.map(k => store.findRefs('issue', k)),
  );
  const target = (i: number) => {
    const refs = refsOfKey[i % refsOfKey.length];
    return {
      source: refs[0].source_repository,
      shas: refs.map(x => x.sha),
      service: refs[0].source_repository.replace('github:acme/', ''),
    };
  };
  await time('  of which: servicesOfSources', i =>
    store.servicesOfSources([target(i).source]),
  );
  await time('  of which: sourceCommits', i =>
    store.sourceCommits(target(i).source, target(i).shas),
  );
  await time('  of which: refsOf', i =>
    store.refsOf(target(i).source, target(i).shas),
  );
  await time('  of which: membershipEvents', i =>
    store.membershipEvents({
      repositoryId: 'bench',
      service: target(i).service,
      sourceRepository: target(i).source,
      shas: target(i).shas,
    }),
  );
  const page = await gitops.getRollouts(entity(0), { limit: 20 });
  console.log(
    `history page of ${svcName(0)}: ${page.items.length} of ${
      page.totalCount
    } rollouts`,
  );
  await time('history page: entity rollouts, first page (20)', i =>
    gitops.getRollouts(entity((i * 31) % SERVICES), { limit: 20 }),
  );
  // A deep page: the last but one page of the service's history.
  const deepCursor = async (s: number) => {
    const { rows } = await ledger.listRollouts({
      repositoryId: 'bench',
      service: svcName(s),
      limit: 1,
      before: undefined,
      since: undefined,
    });
    const newest = Number(rows[0].id);
    // Rollouts of one service are E*S ids apart per round, S apart per environment.
    return String(newest - (E * ROUNDS - 40) * SERVICES);
  };
  const deep = await Promise.all(
    Array.from({ length: 50 }, (_, j) => deepCursor((j * 37) % SERVICES)),
  );
  const deepPage = await gitops.getRollouts(entity(0), {
    limit: 20,
    before: await deepCursor(0),
  });
  console.log(
    `deep page of ${svcName(0)}: ${deepPage.items.length} rollouts before id ${
      deepPage.items[0]?.id
    }, next cursor ${deepPage.nextCursor ?? 'none'}`,
  );
  await time('history page: entity rollouts, deep page (before cursor)', i =>
    gitops.getRollouts(entity(((i % 50) * 37) % SERVICES), {
      limit: 20,
      before: deep[i % 50],
    }),
  );
  await time('history page: one environment (prod-eu), first page', i =>
    gitops.getRollouts(entity((i * 13) % SERVICES), {
      environment: 'prod-eu',
      limit: 20,
    }),
  );
  const today = new Date();
  today.setUTCHours(0, 0, 0, 0);
  const yesterday = new Date(today.getTime() - 86400_000);
  const window = { since: yesterday.toISOString(), until: today.toISOString() };
  const y = await gitops.listRollouts({ ...window, limit: 50 });
  console.log(
    `deployed yesterday (${window.since.slice(0, 10)}): ${
      y.totalCount
    } rollouts across services`,
  );
  await time('deployed yesterday: all services, first page (50)', () =>
    gitops.listRollouts({ ...window, limit: 50 }),
  );
  await time('deployed yesterday: environment prod-eu, first page (50)', () =>
    gitops.listRollouts({ ...window, environment: 'prod-eu', limit: 50 }),
  );
  const last2h = {
    since: new Date(Date.now() - 2 * 3600_000).toISOString(),
    until: new Date().toISOString(),
  };
  await time('deployed in the last 2 hours: all services (50)', () =>
    gitops.listRollouts({ ...last2h, limit: 50 }),
  );
  await time('change set of one rollout (10 commits)', i =>
    service.getChangeSet(String(1 + ((i * 7919) % ROLLOUTS))),
  );
}

async function main() {
  console.log(
    `machine: ${os.cpus().length} × ${os.cpus()[0]?.model}, ${Math.round(
      os.totalmem() / 2 ** 30,
    )} GiB, Node ${process.versions.node}`,
  );
  console.log(
    `scale ${SCALE}: ${SERVICES} services × ${E} environments × ${ROUNDS} rollouts = ${ROLLOUTS.toLocaleString(
      'en-US',
    )} rollouts, ${(ROLLOUTS * COMMITS_PER_ROLLOUT).toLocaleString(
      'en-US',
    )} commit links`,
  );
  const admin = knexFactory({ client: 'pg', connection: PG });
  const dbName = `gitops_bench_q_${process.pid}`;
  await admin.raw(`CREATE DATABASE ${dbName}`);
  const url = new URL(PG);
  url.pathname = `/${dbName}`;
  const db = knexFactory({
    client: 'pg',
    connection: url.toString(),
    pool: { min: 1, max: 4 },
  });
  const cleanup = async () => {
    await db.destroy().catch(() => undefined);
    if (!argv.includes('--keep')) {
      await admin.raw(`DROP DATABASE IF EXISTS ${dbName}`);
    } else console.log(`kept database ${dbName}`);
    await admin.destroy();
  };
  process.once('SIGINT', () => {
    cleanup().finally(() => process.exit(130));
  });
  try {
    const [{ version }] = (await db.raw('SELECT version()')).rows;
    console.log(`database: ${String(version).split(' on ')[0]}`);
    await LedgerStore.fromKnex(db);
    console.log('generating:');
    const genMs = await generate(db, m => console.log(m));
    console.log(
      `generation (incl. VACUUM ANALYZE): ${(genMs / 1000).toFixed(1)} s`,
    );
    const counts: Record<string, number> = {};
    for (const t of [
      'gitops_rollouts',
      'gitops_change_set_commits',
      'gitops_source_commits',
      'gitops_feature_refs',
      'gitops_source_pull_requests',
      'gitops_rollout_correlations',
      'gitops_service_sources',
    ]) {
      const [{ c }] = (await db.raw(`SELECT count(*)::bigint AS c FROM ${t}`))
        .rows;
      counts[t] = Number(c);
    }
    console.log(
      `rows: ${Object.entries(counts)
        .map(
          ([t, c]) =>
            `${t.replace('gitops_', '')} ${c.toLocaleString('en-US')}`,
        )
        .join(', ')}`,
    );
    const [{ size }] = (
      await db.raw(
        'SELECT pg_size_pretty(pg_database_size(current_database())) AS size',
      )
    ).rows;
    console.log(`database size: ${size}`);
    await measure(db);
  } finally {
    await cleanup();
  }
}

main().catch(e => {
  process.stderr.write(`${e instanceof Error ? e.stack : e}\n`);
  process.exit(1);
});
