// Tests of the checks scripts/ci-test.mjs makes on the Jest results.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import {
  databaseTestCounts,
  jestFailures,
  noPostgresReason,
  playwrightFailures,
  runConcurrently,
} from './ci-test.mjs';

/**
 * @param {Array<[string, string]>} tests full name and status
 * @returns {import('./ci-test.mjs').JestResults}
 */
const results = tests => ({
  numPassedTests: tests.filter(([, s]) => s === 'passed').length,
  numFailedTests: tests.filter(([, s]) => s === 'failed').length,
  testResults: [
    {
      assertionResults: tests.map(([fullName, status]) => ({
        fullName,
        status,
      })),
    },
  ],
});

test('counts the tests that ran per database', () => {
  const counts = databaseTestCounts(
    results([
      ['LeaderElection on "SQLITE_3" one holder', 'passed'],
      ['LeaderElection on "POSTGRES_15" one holder', 'passed'],
      ['LeaseFence on "POSTGRES_15" stalled leader', 'failed'],
      ['LeaseFence on "POSTGRES_15" skipped one', 'pending'],
      ['computeStatus health', 'passed'],
    ]),
  );
  assert.deepEqual(counts, { sqlite: 1, postgres: 2 });
  assert.equal(noPostgresReason(counts), undefined);
});

test('a run in which no POSTGRES_15 test ran fails, and says why', () => {
  const counts = databaseTestCounts(
    results([
      ['LeaderElection on "SQLITE_3" one holder', 'passed'],
      ['LeaderElection on "POSTGRES_15" one holder', 'skipped'],
    ]),
  );
  assert.deepEqual(counts, { sqlite: 1, postgres: 0 });
  assert.match(
    noPostgresReason(counts) ?? '',
    /no test ran on POSTGRES_15.*BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING/,
  );
});

test('names each failed Jest test with the first line of its message, and a file that could not run', () => {
  const lines = jestFailures({
    numPassedTests: 1,
    numFailedTests: 1,
    testResults: [
      {
        name: `${process.cwd()}/plugins/a/src/x.test.ts`,
        status: 'failed',
        assertionResults: [
          { fullName: 'x passes', status: 'passed' },
          {
            fullName: 'x fails',
            status: 'failed',
            failureMessages: [
              '\u001b[31mError: expected 1\u001b[39m\n    at y',
            ],
          },
        ],
      },
      {
        name: `${process.cwd()}/plugins/a/src/broken.test.ts`,
        status: 'failed',
        message: '\n  Cannot find module ./gone',
        assertionResults: [],
      },
      { name: 'ok.test.ts', status: 'passed', assertionResults: [] },
    ],
  });
  assert.deepEqual(lines, [
    'plugins/a/src/x.test.ts: x fails: Error: expected 1',
    'plugins/a/src/broken.test.ts: did not run: Cannot find module ./gone',
  ]);
});

test('names each failed Playwright test, in nested suites', () => {
  const lines = playwrightFailures({
    suites: [
      {
        specs: [{ ok: true, file: 'a.test.ts', title: 'fine' }],
        suites: [
          {
            specs: [
              {
                ok: false,
                file: 'b.test.ts',
                title: 'the tab shows v2',
                tests: [
                  { results: [{ error: { message: 'Timed out 5000ms' } }] },
                ],
              },
            ],
          },
        ],
      },
    ],
  });
  assert.deepEqual(lines, ['b.test.ts: the tab shows v2: Timed out 5000ms']);
});

test("runs checks at once, prints each one's output whole, and fails when one fails", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ci-test-'));
  // Stands in for yarn: prints its arguments in two parts a while apart, exits with the last one.
  const fake = path.join(dir, 'fake-yarn.mjs');
  fs.writeFileSync(
    fake,
    `const [name, code] = process.argv.slice(2);
process.stdout.write(name + ' starts\\n');
setTimeout(() => { process.stdout.write(name + ' ends\\n'); process.exit(Number(code)); }, 1500);
`,
  );
  /** @type {string[]} */
  const printed = [];
  const started = Date.now();
  const ok = await runConcurrently(
    [
      { name: 'first', yarnArgs: ['a', '0'] },
      { name: 'second', yarnArgs: ['b', '3'] },
    ],
    { yarnPath: [fake], write: text => printed.push(text) },
  );
  const took = Date.now() - started;
  assert.equal(ok, false);
  // Both ran at once: one after the other they would take 3 s at least.
  assert.ok(took < 3000, `took ${took} ms`);
  const text = printed.join('');
  assert.match(text, /=== first\na starts\na ends\n/);
  assert.match(text, /=== second \(FAILED\)\nb starts\nb ends\n/);
  assert.ok(text.indexOf('=== first') < text.indexOf('=== second'));
  fs.rmSync(dir, { recursive: true, force: true });
});
