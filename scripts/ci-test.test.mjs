// Tests of the checks scripts/ci-test.mjs makes on the Jest results.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  databaseTestCounts,
  jestFailures,
  noPostgresReason,
  playwrightFailures,
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
