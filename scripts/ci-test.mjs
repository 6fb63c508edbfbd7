#!/usr/bin/env node
/*
 * Everything `npm test` runs, in order: formatting (`prettier --check .`),
 * type-check (`tsc`: packages, plugins with their bench/ and the e2e tests;
 * `tsc -p tsconfig.scripts.json`: the scripts), lint, unit and backend
 * integration tests (SQLite and the real PostgreSQL; a run in which no
 * POSTGRES_15 test ran fails; Debian's prometheus is installed for the
 * `prometheus` step's tests when missing), the demo generator's and this script's tests,
 * and the Playwright e2e suite in Debian's Chromium against the started
 * portal. Runs under the Node 22 that scripts/bootstrap.js provides.
 *
 * Options: --skip-e2e, --only-e2e, --no-lint, --checks-only (formatting,
 * type-checks and lint, no tests) for quicker local loops.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const YARN = [path.join(ROOT, '.yarn/releases/yarn-4.13.0.cjs')];
const RESULTS = path.join(ROOT, 'node_modules/.cache/ci-results');
const args = new Set(process.argv.slice(2));
const PG_URL =
  process.env.BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING ??
  'postgresql://postgres@127.0.0.1:5432';

const totals = { passed: 0, failed: 0 };
/** Names of the failed tests, printed last so that a log's tail shows them. */
/** @type {string[]} */
const failures = [];
/** @type {Array<{ name: string, ok: boolean, seconds: number }>} */
const steps = [];

/** @param {string} msg */
function log(msg) {
  process.stdout.write(`\n=== ${msg}\n`);
}

/**
 * Runs one step; its result and duration go to the summary.
 * @param {string} name
 * @param {string} cmd
 * @param {string[]} cmdArgs
 * @param {Record<string, string>} [env]
 */
function run(name, cmd, cmdArgs, env = {}) {
  log(name);
  const started = Date.now();
  const r = spawnSync(cmd, cmdArgs, {
    cwd: ROOT,
    stdio: 'inherit',
    env: { ...process.env, CI: 'true', ...env },
  });
  const ok = r.status === 0;
  steps.push({ name, ok, seconds: Math.round((Date.now() - started) / 1000) });
  return ok;
}

/**
 * @param {string} name
 * @param {string[]} yarnArgs
 * @param {Record<string, string>} [env]
 */
function yarn(name, yarnArgs, env) {
  return run(name, process.execPath, [...YARN, ...yarnArgs], env);
}

/**
 * Runs independent steps at once (the checks use one core each), each
 * with its output kept and printed whole when it ends, so that the log
 * reads like a sequential run. Results and durations go to the summary.
 * @param {Array<{ name: string, yarnArgs: string[] }>} list
 * @param {{ yarnPath?: string[], write?: (text: string) => void }} [io]
 *   what runs as yarn, and where the output goes (tests)
 */
export async function runConcurrently(
  list,
  { yarnPath = YARN, write = text => process.stdout.write(text) } = {},
) {
  const results = await Promise.all(
    list.map(
      ({ name, yarnArgs }) =>
        new Promise(resolve => {
          const started = Date.now();
          /** @type {Buffer[]} */
          const out = [];
          const child = spawn(process.execPath, [...yarnPath, ...yarnArgs], {
            cwd: ROOT,
            env: { ...process.env, CI: 'true' },
          });
          child.stdout.on('data', d => out.push(d));
          child.stderr.on('data', d => out.push(d));
          const done = (/** @type {boolean} */ ok) =>
            resolve({
              name,
              ok,
              seconds: Math.round((Date.now() - started) / 1000),
              output: Buffer.concat(out).toString(),
            });
          child.once('error', e => {
            out.push(Buffer.from(`${e.message}\n`));
            done(false);
          });
          child.once('close', code => done(code === 0));
        }),
    ),
  );
  for (const r of results) {
    write(`\n=== ${r.name}${r.ok ? '' : ' (FAILED)'}\n`);
    write(r.output);
    steps.push({ name: r.name, ok: r.ok, seconds: r.seconds });
  }
  return results.every(r => r.ok);
}

/** @param {number} port */
function portOpen(port) {
  return new Promise(resolve => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

async function ensurePostgres() {
  if (await portOpen(5432)) return true;
  log('PostgreSQL is down on 127.0.0.1:5432; starting it');
  try {
    const versions = fs.readdirSync('/etc/postgresql');
    execFileSync(
      'pg_ctlcluster',
      ['--skip-systemctl-redirect', versions[0], 'main', 'start'],
      {
        stdio: 'inherit',
      },
    );
  } catch (e) {
    process.stdout.write(
      `could not start PostgreSQL: ${e instanceof Error ? e.message : e}\n`,
    );
  }
  for (let i = 0; i < 30; i++) {
    if (await portOpen(5432)) return true;
    await new Promise(r => setTimeout(r, 500));
  }
  return false;
}

/**
 * Installs a Debian package (root, or sudo) unless `binary` is there.
 * @param {string} pkg
 * @param {string} binary
 * @param {string} why
 * @param {string[]} [extra] more apt-get install arguments
 */
function aptInstall(pkg, binary, why, extra = []) {
  if (fs.existsSync(binary)) return true;
  log(`installing Debian's ${pkg} for ${why}`);
  const sudo = process.getuid && process.getuid() === 0 ? [] : ['sudo'];
  const apt = (/** @type {string[]} */ ...a) =>
    spawnSync(
      sudo.length ? 'sudo' : 'apt-get',
      [...(sudo.length ? ['apt-get'] : []), ...a],
      {
        stdio: 'inherit',
        env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
      },
    ).status === 0;
  return (
    apt('update', '-qq') &&
    apt('install', '-y', '-qq', ...extra, pkg) &&
    fs.existsSync(binary)
  );
}

function ensureChromium() {
  return aptInstall('chromium', '/usr/bin/chromium', 'the e2e tests');
}

/**
 * The `prometheus` step's tests start their own server (config, temporary
 * storage, free port) from this binary.
 */
function ensurePrometheus() {
  return aptInstall(
    'prometheus',
    '/usr/bin/prometheus',
    'the prometheus step tests',
    ['--no-install-recommends'],
  );
}

/**
 * The parts of Jest's --json output read here.
 * @typedef {{ numPassedTests: number, numFailedTests: number,
 *   numRuntimeErrorTestSuites?: number,
 *   testResults: Array<{ name?: string, status?: string, message?: string,
 *     assertionResults: Array<{ fullName: string, status: string, failureMessages?: string[] }> }> }} JestResults
 */

/**
 * The failed tests of a Jest run, one line each (file, full name, the first
 * line of the message), and the files that could not run at all.
 * @param {JestResults} jest
 * @returns {string[]}
 */
export function jestFailures(jest) {
  return jest.testResults.flatMap(f => {
    const file = path.relative(ROOT, f.name ?? '');
    const failed = f.assertionResults
      .filter(a => a.status === 'failed')
      .map(
        a =>
          `${file}: ${a.fullName}: ${firstLine(
            (a.failureMessages ?? []).join('\n'),
          )}`,
      );
    if (failed.length === 0 && f.status === 'failed')
      return [`${file}: did not run: ${firstLine(f.message ?? '')}`];
    return failed;
  });
}

/** @param {string} text */
function firstLine(text) {
  // eslint-disable-next-line no-control-regex
  const plain = text.replace(/\u001b\[[0-9;]*m/g, '');
  const line = plain.split('\n').find(l => l.trim()) ?? '';
  return line.trim().slice(0, 200);
}

/**
 * Tests that ran (passed or failed, not skipped) per database of TestDatabases.
 * @param {JestResults} jest
 */
export function databaseTestCounts(jest) {
  const ran = jest.testResults.flatMap(f =>
    f.assertionResults
      .filter(a => a.status === 'passed' || a.status === 'failed')
      .map(a => a.fullName),
  );
  return {
    sqlite: ran.filter(n => /SQLITE_3/.test(n)).length,
    postgres: ran.filter(n => /POSTGRES_15/.test(n)).length,
  };
}

/**
 * Why the run must fail for lack of PostgreSQL tests, or undefined when some ran.
 * @param {{ sqlite: number, postgres: number }} counts
 */
export function noPostgresReason(counts) {
  if (counts.postgres > 0) return undefined;
  return (
    'no test ran on POSTGRES_15: the PostgreSQL integration tests were skipped, so this run ' +
    'proves nothing about PostgreSQL. TestDatabases only runs them when ' +
    'BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING is set (this script sets it to ' +
    `${PG_URL}) or Docker is allowed; check that variable and that the tests use ` +
    "TestDatabases.create({ ids: [..., 'POSTGRES_15'] })."
  );
}

/**
 * @param {string} file
 * @returns {JestResults | undefined}
 */
function countJest(file) {
  try {
    const j = JSON.parse(fs.readFileSync(file, 'utf8'));
    totals.passed += j.numPassedTests;
    totals.failed += j.numFailedTests + (j.numRuntimeErrorTestSuites ?? 0);
    failures.push(...jestFailures(j));
    return j;
  } catch {
    totals.failed += 1;
    failures.push(`${path.relative(ROOT, file)}: no results (the run crashed)`);
    return undefined;
  }
}

/** @param {string} file */
function countPlaywright(file) {
  try {
    const j = JSON.parse(fs.readFileSync(file, 'utf8'));
    totals.passed += j.stats.expected + (j.stats.flaky ?? 0);
    totals.failed += j.stats.unexpected;
    failures.push(...playwrightFailures(j));
  } catch {
    totals.failed += 1;
    failures.push(`${path.relative(ROOT, file)}: no results (the run crashed)`);
  }
}

/**
 * The failed e2e tests of a Playwright JSON report, one line each.
 * @param {any} report
 * @returns {string[]}
 */
export function playwrightFailures(report) {
  /** @type {string[]} */
  const out = [];
  /** @param {any} suite */
  const walk = suite => {
    for (const spec of suite.specs ?? []) {
      if (spec.ok) continue;
      const error = spec.tests?.[0]?.results?.at(-1)?.error?.message ?? '';
      out.push(`${spec.file}: ${spec.title}: ${firstLine(error)}`);
    }
    for (const child of suite.suites ?? []) walk(child);
  };
  for (const suite of report.suites ?? []) walk(suite);
  return out;
}

async function main() {
  fs.rmSync(RESULTS, { recursive: true, force: true });
  fs.mkdirSync(RESULTS, { recursive: true });

  if (!args.has('--only-e2e')) {
    // The checks are single-threaded: two at a time use both cores.
    await runConcurrently([
      {
        name: 'type-check (tsc: packages, plugins, bench, e2e tests)',
        yarnArgs: ['tsc', '--noEmit'],
      },
      // --cache: unchanged files are not re-read (node_modules/.cache/prettier).
      {
        name: 'formatting (prettier --check .)',
        yarnArgs: ['prettier', '--check', '--cache', '.'],
      },
    ]);
    await runConcurrently([
      ...(args.has('--no-lint')
        ? []
        : [{ name: 'lint', yarnArgs: ['backstage-cli', 'repo', 'lint'] }]),
      {
        name: 'type-check (tsc -p tsconfig.scripts.json: scripts)',
        yarnArgs: ['tsc', '-p', 'tsconfig.scripts.json'],
      },
    ]);

    if (!args.has('--checks-only')) {
      const pgUp = await ensurePostgres();
      if (!pgUp) {
        process.stdout.write(
          'PostgreSQL is not reachable: its integration tests will fail\n',
        );
      }
      if (!ensurePrometheus()) {
        process.stdout.write(
          'prometheus could not be installed: the prometheus step tests will fail\n',
        );
      }
      const jestFile = path.join(RESULTS, 'jest.json');
      yarn(
        'unit and integration tests (SQLite and PostgreSQL 15 at 127.0.0.1:5432)',
        [
          'backstage-cli',
          'repo',
          'test',
          '--verbose',
          '--json',
          `--outputFile=${jestFile}`,
          // Runs alone below: two backend processes would starve the other
          // suites' timeouts on a 2-core machine.
          '--testPathIgnorePatterns=/packages/fault-injection/',
        ],
        {
          BACKSTAGE_TEST_DISABLE_DOCKER: '1',
          BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING: PG_URL,
        },
      );
      const faultsFile = path.join(RESULTS, 'faults.json');
      yarn(
        'write path fault injection (two backend processes, one PostgreSQL)',
        [
          'workspace',
          '@gitops2/fault-injection',
          'backstage-cli',
          'package',
          'test',
          '--verbose',
          '--json',
          `--outputFile=${faultsFile}`,
        ],
        {
          BACKSTAGE_TEST_DISABLE_DOCKER: '1',
          BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING: PG_URL,
        },
      );
      countJest(faultsFile);
      const jest = countJest(jestFile);
      if (jest) {
        const counts = databaseTestCounts(jest);
        process.stdout.write(
          `\ndatabase integration tests: ${counts.sqlite} on SQLITE_3, ${counts.postgres} on POSTGRES_15\n`,
        );
        const reason = noPostgresReason(counts);
        if (reason) process.stdout.write(`\nFAIL: ${reason}\n`);
        steps.push({
          name: `PostgreSQL integration tests ran (${counts.postgres})`,
          ok: !reason,
          seconds: 0,
        });
      }

      log('demo generator and CI script tests (node --test)');
      const demoStarted = Date.now();
      const demo = spawnSync(
        process.execPath,
        [
          '--test',
          '--test-reporter=spec',
          '--test-reporter-destination=stdout',
          '--test-reporter=tap',
          `--test-reporter-destination=${path.join(RESULTS, 'demo.tap')}`,
          'scripts/demo/*.test.mjs',
          'scripts/*.test.mjs',
        ],
        { cwd: ROOT, stdio: 'inherit' },
      );
      steps.push({
        name: 'demo generator and CI script tests',
        ok: demo.status === 0,
        seconds: Math.round((Date.now() - demoStarted) / 1000),
      });
      try {
        const tap = fs.readFileSync(path.join(RESULTS, 'demo.tap'), 'utf8');
        totals.passed += Number(/^# pass (\d+)/m.exec(tap)?.[1] ?? 0);
        totals.failed += Number(/^# fail (\d+)/m.exec(tap)?.[1] ?? 0);
        failures.push(
          ...tap
            .split('\n')
            .filter(l => /^\s*not ok /.test(l))
            .map(l => `scripts (node --test): ${l.trim()}`),
        );
      } catch {
        totals.failed += 1;
      }
    }
  }

  if (!args.has('--skip-e2e') && !args.has('--checks-only')) {
    if (ensureChromium()) {
      const pwFile = path.join(RESULTS, 'playwright.json');
      yarn(
        'e2e tests (Playwright, Debian Chromium, started portal)',
        ['playwright', 'test'],
        {
          PLAYWRIGHT_JSON_OUTPUT_NAME: pwFile,
        },
      );
      countPlaywright(pwFile);
    } else {
      steps.push({
        name: 'e2e tests: chromium could not be installed',
        ok: false,
        seconds: 0,
      });
      totals.failed += 1;
    }
  }

  log('summary');
  for (const s of steps) {
    process.stdout.write(
      `${s.ok ? 'ok  ' : 'FAIL'} ${s.name} (${s.seconds}s)\n`,
    );
  }
  const failedSteps = steps.filter(s => !s.ok).length;
  if (failures.length) {
    process.stdout.write(`\nfailed tests:\n`);
    for (const f of failures) process.stdout.write(`  ${f}\n`);
  }
  process.stdout.write(`\n${totals.passed} passed, ${totals.failed} failed\n`);
  process.exit(failedSteps > 0 || totals.failed > 0 ? 1 : 0);
}

// Run only as a script: scripts/ci-test.test.mjs imports the helpers above.
if (
  process.argv[1] &&
  import.meta.url === pathToFileURL(process.argv[1]).href
) {
  main().catch(e => {
    process.stdout.write(`${e.stack ?? e}\n`);
    process.exit(1);
  });
}
