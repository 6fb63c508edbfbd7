#!/usr/bin/env node
/*
 * Everything `npm test` runs, in order: type-check, lint, unit and backend
 * integration tests (SQLite and the real PostgreSQL), the demo generator's
 * tests, and the Playwright e2e suite in Debian's Chromium against the started
 * portal. Runs under the Node 22 that scripts/bootstrap.js provides.
 *
 * Options: --skip-e2e, --only-e2e, --no-lint (for quicker local loops).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const YARN = [path.join(ROOT, '.yarn/releases/yarn-4.13.0.cjs')];
const RESULTS = path.join(ROOT, 'node_modules/.cache/ci-results');
const args = new Set(process.argv.slice(2));
const PG_URL =
  process.env.BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING ??
  'postgresql://postgres@127.0.0.1:5432';

const totals = { passed: 0, failed: 0 };
const steps = [];

function log(msg) {
  process.stdout.write(`\n=== ${msg}\n`);
}

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

function yarn(name, yarnArgs, env) {
  return run(name, process.execPath, [...YARN, ...yarnArgs], env);
}

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
    process.stdout.write(`could not start PostgreSQL: ${e.message}\n`);
  }
  for (let i = 0; i < 30; i++) {
    if (await portOpen(5432)) return true;
    await new Promise(r => setTimeout(r, 500));
  }
  return false;
}

function ensureChromium() {
  if (fs.existsSync('/usr/bin/chromium')) return true;
  log("installing Debian's chromium for the e2e tests");
  const sudo = process.getuid && process.getuid() === 0 ? [] : ['sudo'];
  const apt = (...a) =>
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
    apt('install', '-y', '-qq', 'chromium') &&
    fs.existsSync('/usr/bin/chromium')
  );
}

function countJest(file) {
  try {
    const j = JSON.parse(fs.readFileSync(file, 'utf8'));
    totals.passed += j.numPassedTests;
    totals.failed += j.numFailedTests + (j.numRuntimeErrorTestSuites ?? 0);
    return j;
  } catch {
    totals.failed += 1;
    return undefined;
  }
}

function countPlaywright(file) {
  try {
    const j = JSON.parse(fs.readFileSync(file, 'utf8'));
    totals.passed += j.stats.expected + (j.stats.flaky ?? 0);
    totals.failed += j.stats.unexpected;
  } catch {
    totals.failed += 1;
  }
}

async function main() {
  fs.rmSync(RESULTS, { recursive: true, force: true });
  fs.mkdirSync(RESULTS, { recursive: true });

  if (!args.has('--only-e2e')) {
    yarn('type-check (tsc)', ['tsc', '--noEmit']);
    if (!args.has('--no-lint')) {
      yarn('lint', ['backstage-cli', 'repo', 'lint']);
    }

    const pgUp = await ensurePostgres();
    if (!pgUp) {
      process.stdout.write(
        'PostgreSQL is not reachable: its integration tests will fail\n',
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
      ],
      {
        BACKSTAGE_TEST_DISABLE_DOCKER: '1',
        BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING: PG_URL,
      },
    );
    const jest = countJest(jestFile);
    if (jest) {
      const names = jest.testResults.flatMap(f =>
        f.assertionResults.map(a => a.fullName),
      );
      const pg = names.filter(n => /POSTGRES_15/.test(n)).length;
      const sqlite = names.filter(n => /SQLITE_3/.test(n)).length;
      process.stdout.write(
        `\ndatabase integration tests: ${sqlite} on SQLITE_3, ${pg} on POSTGRES_15\n`,
      );
    }

    log('demo generator tests (node --test)');
    const demo = spawnSync(
      process.execPath,
      [
        '--test',
        '--test-reporter=spec',
        '--test-reporter-destination=stdout',
        '--test-reporter=tap',
        `--test-reporter-destination=${path.join(RESULTS, 'demo.tap')}`,
        'scripts/demo/*.test.mjs',
      ],
      { cwd: ROOT, stdio: 'inherit' },
    );
    steps.push({
      name: 'demo generator tests',
      ok: demo.status === 0,
      seconds: 0,
    });
    try {
      const tap = fs.readFileSync(path.join(RESULTS, 'demo.tap'), 'utf8');
      totals.passed += Number(/^# pass (\d+)/m.exec(tap)?.[1] ?? 0);
      totals.failed += Number(/^# fail (\d+)/m.exec(tap)?.[1] ?? 0);
    } catch {
      totals.failed += 1;
    }
  }

  if (!args.has('--skip-e2e')) {
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
  process.stdout.write(`\n${totals.passed} passed, ${totals.failed} failed\n`);
  process.exit(failedSteps > 0 || totals.failed > 0 ? 1 : 0);
}

main().catch(e => {
  process.stdout.write(`${e.stack ?? e}\n`);
  process.exit(1);
});
