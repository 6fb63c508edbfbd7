// Tests of the checks scripts/ci-test.mjs makes on the Jest results.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { databaseTestCounts, noPostgresReason } from './ci-test.mjs';

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
