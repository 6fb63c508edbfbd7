/*
 * Deployment steps: how long the steps' engine adds to a promotion beyond
 * the steps' own time, on SQLite and on PostgreSQL when reachable.
 *
 *   yarn bench:steps [--promotions 30] [--no-pg]
 *
 * A local Git repository (dev → staging → prod), staging and prod-us
 * written directly; staging has one `before` step and two `after` steps,
 * prod-us the two `after` steps, of a stub type that answers at once (so
 * every millisecond measured is the engine's), the second asking to be
 * tried again 1 s later once (as an `http` step does between its
 * requests). The engine is wired as the plugin wires it (createStepRunner,
 * PromotionService with `stepsPlanned: runner.wake`, ingestion after each
 * merge, and the `gitops-steps` round every 2 s). N times, one after the
 * other: a new version in dev, promoted to staging (merged by the before
 * step's engine round), then to prod-us (merged by the request itself).
 * Printed (p50 / p95 / max):
 * - the merge recorded (the action's state update to `merged`) → the first
 *   `after` step starting (goal: under 1 s), for both;
 * - a `before` step planned (its row inserted) → its start;
 * - a step that asked to be tried again in 1 s → how late that attempt
 *   started;
 * - the request → the action `succeeded` (the whole promotion).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import knexFactory, { Knex } from 'knex';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { mockCredentials } from '@backstage/backend-test-utils';
import type { GitopsAction } from '@gitops2/plugin-gitops-common';
import { LedgerStore } from '../src/database/LedgerStore';
import { LocalGitSource } from '../src/git/LocalGitSource';
import { LocalGitWriter } from '../src/git/LocalGitWriter';
import { RepositoryIngester } from '../src/ingestion/RepositoryIngester';
import { createDefaultLocatorRegistry } from '../src/locators/VersionLocatorRegistry';
import { createDefaultGateRegistry } from '../src/promotion/gates/GateRegistry';
import { WritablePipeline } from '../src/promotion/planning/WritablePipeline';
import { PromotionService } from '../src/promotion/PromotionService';
import { createPromotionStores } from '../src/promotion/store';
import type { Caller } from '../src/promotion/types';
import { createStepRunner } from '../src/steps/engine/createStepRunner';
import type { StepType } from '../src/steps/types';
import {
  GitRepoFixture,
  kustomization,
  TWO_STAGE_PIPELINE,
} from '../src/testing/GitRepoFixture';

const argv = process.argv.slice(2);
const opt = (name: string, def: number) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? Number(argv[i + 1]) : def;
};
const PROMOTIONS = opt('promotions', 30);
const STEPS_ROUND_MS = 2000;
const RETRY_MS = 1000;
const GOAL_MS = 1000;
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

const PIPELINE = TWO_STAGE_PIPELINE.replace(
  '    staging:\n      cluster: staging-cluster\n',
  `    staging:
      cluster: staging-cluster
      promotion:
        mode: direct
      steps:
        before:
          - type: stub
            name: gate
        after:
          - type: stub
            name: smoke
          - type: stub
            name: again
`,
).replace(
  '    prod-us:\n      cluster: prod-us-cluster\n',
  `    prod-us:
      cluster: prod-us-cluster
      promotion:
        mode: direct
      steps:
        after:
          - type: stub
            name: smoke
          - type: stub
            name: again
`,
);

const caller: Caller = {
  credentials: mockCredentials.user('user:default/alice'),
  initiator: 'user:default/alice',
  door: 'http',
};

/** When each step attempt started (performance.now()). */
interface Start {
  actionId: string;
  name: string;
  attempt: number;
  at: number;
}

function stats(ms: number[]) {
  const s = [...ms].sort((a, b) => a - b);
  const q = (p: number) =>
    s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
  return { p50: q(50), p95: q(95), max: s[s.length - 1] };
}

function print(label: string, ms: number[], goal?: number) {
  const { p50, p95, max } = stats(ms);
  const verdict =
    goal === undefined
      ? ''
      : `  (goal < ${goal} ms: ${max < goal ? 'met' : 'MISSED'})`;
  console.log(
    `  ${label.padEnd(78)} p50 ${p50.toFixed(1).padStart(7)} ms  p95 ${p95
      .toFixed(1)
      .padStart(7)} ms  max ${max.toFixed(1).padStart(7)} ms${verdict}`,
  );
}

async function run(label: string, knex: Knex): Promise<void> {
  const repo = new GitRepoFixture('gitops-bench-steps-');
  const starts: Start[] = [];
  const mergedAt = new Map<string, number>();
  const beforePlannedAt = new Map<string, number>();
  const retryAskedAt = new Map<string, number>();
  const timer: { round?: ReturnType<typeof setInterval> } = {};
  try {
    repo.write('gitops-pipeline.yaml', PIPELINE);
    for (const env of ['dev', 'staging', 'prod-us', 'prod-eu'])
      repo.write(`apps/cart/${env}/kustomization.yaml`, kustomization('v0'));
    repo.commit('bootstrap');

    const stub: StepType = {
      type: 'stub',
      validateOptions: () => undefined,
      async run(step, ctx) {
        const at = performance.now();
        starts.push({
          actionId: ctx.action.id,
          name: step.name,
          attempt: ctx.attempt,
          at,
        });
        if (step.name === 'again' && ctx.attempt === 1) {
          retryAskedAt.set(ctx.action.id, performance.now() + RETRY_MS);
          return {
            status: 'running',
            message: 'not yet',
            retryAfterMs: RETRY_MS,
          };
        }
        return { status: 'passed', message: 'ok' };
      },
    };
    const stepTypes = {
      get: (type: string) => (type === 'stub' ? stub : undefined),
      types: () => ['stub'],
    };

    const ledger = await LedgerStore.fromKnex(knex);
    const source = new LocalGitSource(repo.dir, 'main');
    const locators = createDefaultLocatorRegistry();
    const ingester = new RepositoryIngester({
      repositoryId: 'demo',
      pipelineFile: 'gitops-pipeline.yaml',
      source,
      store: ledger,
      locators,
      stepTypes,
      logger: silentLogger,
    });
    await ingester.ingest();
    const stores = createPromotionStores(knex);

    // What is measured: the merge recorded, a before step planned.
    const update = stores.actions.update.bind(stores.actions);
    stores.actions.update = async (id, patch, ...rest) => {
      const moved = await update(id, patch, ...rest);
      if (moved && patch.state === 'merged')
        mergedAt.set(String(id), performance.now());
      return moved;
    };
    const plan = stores.steps.plan.bind(stores.steps);
    stores.steps.plan = async (actionId, environment, phase, steps) => {
      await plan(actionId, environment, phase, steps);
      if (phase === 'before' && !beforePlannedAt.has(String(actionId)))
        beforePlannedAt.set(String(actionId), performance.now());
    };

    const allow = async (r: any[]) =>
      r.map(() => ({ result: AuthorizeResult.ALLOW })) as any;
    const permissions: any = {
      authorize: allow,
      authorizeConditional: allow,
    };
    const writable = {
      id: 'demo',
      branch: 'main',
      pipelineFile: 'gitops-pipeline.yaml',
      source,
      writer: new LocalGitWriter(repo.dir),
    };
    const runner: { current?: ReturnType<typeof createStepRunner> } = {};
    const promotions = new PromotionService({
      ledger,
      stores,
      stepTypes,
      stepsPlanned: () => runner.current?.wake(),
      repositories: new Map([['demo', writable]]),
      locators,
      gates: createDefaultGateRegistry(permissions),
      permissions,
      logger: silentLogger,
      recordPortalCommit: (r, sha, id) => ledger.recordPortalCommit(r, sha, id),
      afterMerge: async () => {
        await ingester.ingest();
      },
    });
    runner.current = createStepRunner({
      store: stores.steps,
      stepTypes,
      promotions,
      // As the plugin does: the environment from the pipeline at the head.
      environmentOf: async (_action, environment) =>
        (
          await WritablePipeline.at(
            writable,
            await source.headCommit(),
            locators,
            stepTypes,
          )
        ).environment(environment),
      observed: async () => undefined,
      checksOf: async () => undefined,
      notifications: { send: async () => undefined } as any,
      fetch: async () => {
        throw new Error('no network in this benchmark');
      },
      secrets: {},
      logger: silentLogger,
      owner: `bench:${process.pid}`,
      leaseTtlMs: 30_000,
    });
    // The `gitops-steps` task (PromotionScheduler): a round every 2 s.
    timer.round = setInterval(() => {
      runner.current!.tick().catch(() => undefined);
    }, STEPS_ROUND_MS);

    /** Waits until the action succeeded (polling the database every 10 ms). */
    const settled = async (id: string, what: string) => {
      let current: GitopsAction | undefined = await stores.actions.get(id);
      const until = Date.now() + 60_000;
      while (
        current &&
        !['succeeded', 'failed', 'refused'].includes(current.state)
      ) {
        if (Date.now() > until)
          throw new Error(`promotion ${what} stuck in ${current.state}`);
        await new Promise(r => setTimeout(r, 10));
        current = await stores.actions.get(id);
      }
      if (current?.state !== 'succeeded')
        throw new Error(
          `promotion ${what} ended ${current?.state}: ${current?.error}`,
        );
    };
    const total: number[] = [];
    const ids: string[] = [];
    const totalDirect: number[] = [];
    const directIds: string[] = [];
    for (let i = 1; i <= PROMOTIONS; i++) {
      repo.write('apps/cart/dev/kustomization.yaml', kustomization(`v${i}`));
      repo.commit(`cart v${i} in dev`);
      await ingester.ingest();
      const t0 = performance.now();
      const { action } = await promotions.request(
        {
          kind: 'promotion',
          repositoryId: 'demo',
          service: 'cart',
          body: { sourceEnvironment: 'dev' },
        },
        caller,
        `bench-steps-${i}`,
      );
      await settled(action.id, `staging ${i}`);
      total.push(performance.now() - t0);
      ids.push(action.id);
      // The same version to prod-us: no before step, merged by the request.
      const t1 = performance.now();
      const direct = await promotions.request(
        {
          kind: 'promotion',
          repositoryId: 'demo',
          service: 'cart',
          body: { version: `v${i}`, environments: ['prod-us'] },
        },
        caller,
        `bench-steps-prod-${i}`,
      );
      await settled(direct.action.id, `prod-us ${i}`);
      totalDirect.push(performance.now() - t1);
      directIds.push(direct.action.id);
    }

    const startOf = (id: string, name: string, attempt = 1) =>
      starts.find(
        s => s.actionId === id && s.name === name && s.attempt === attempt,
      )!.at;
    console.log(
      `${label}: ${PROMOTIONS} × (dev → staging with 1 before step and 2 after steps, then the version to prod-us with 2 after steps), steps round every ${
        STEPS_ROUND_MS / 1000
      } s`,
    );
    print(
      'merge recorded → first after step starts (prod-us, merged by the request)',
      directIds.map(id => startOf(id, 'smoke') - mergedAt.get(id)!),
      GOAL_MS,
    );
    print(
      'merge recorded → first after step starts (staging, merged by the before step)',
      ids.map(id => startOf(id, 'smoke') - mergedAt.get(id)!),
      GOAL_MS,
    );
    print(
      'before step planned → starts (staging)',
      ids.map(id => startOf(id, 'gate') - beforePlannedAt.get(id)!),
    );
    print(
      `retry asked for ${RETRY_MS} ms after an attempt → next one late by`,
      [...ids, ...directIds].map(
        id => startOf(id, 'again', 2) - retryAskedAt.get(id)!,
      ),
    );
    print('staging: requested → succeeded (steps included)', total);
    print('prod-us: requested → succeeded (steps included)', totalDirect);
  } finally {
    clearInterval(timer.round);
    repo.cleanup();
  }
}

async function main() {
  console.log(
    `machine: ${os.cpus().length} × ${os.cpus()[0]?.model}, ${Math.round(
      os.totalmem() / 2 ** 30,
    )} GiB, Node ${process.versions.node}, load ${os
      .loadavg()
      .map(l => l.toFixed(1))
      .join(' ')}`,
  );
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gitops-bench-steps-db-'));
  try {
    const sqlite = knexFactory({
      client: 'better-sqlite3',
      connection: { filename: path.join(dir, 'bench.sqlite') },
      useNullAsDefault: true,
    });
    try {
      await run('SQLite', sqlite);
    } finally {
      await sqlite.destroy();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }

  if (argv.includes('--no-pg')) return;
  const admin = knexFactory({ client: 'pg', connection: PG });
  const db = `gitops_bench_steps_${process.pid}`;
  try {
    await admin.raw(`CREATE DATABASE ${db}`);
  } catch (e) {
    console.log(`PostgreSQL: skipped (${(e as Error).message})`);
    await admin.destroy();
    return;
  }
  const url = new URL(PG);
  url.pathname = `/${db}`;
  const pg = knexFactory({
    client: 'pg',
    connection: url.toString(),
    pool: { min: 1, max: 4 },
  });
  try {
    await run('PostgreSQL', pg);
  } finally {
    await pg.destroy();
    await admin.raw(`DROP DATABASE ${db}`);
    await admin.destroy();
  }
}

main().catch(e => {
  process.stderr.write(`${e instanceof Error ? e.stack : e}\n`);
  process.exit(1);
});
