import type { ChecksSummary } from '@gitops2/plugin-gitops-common';
import { ChecksStep } from './ChecksStep';
import { stepContext, stepDefinition } from './__testUtils__/stepContext';

const step = new ChecksStep();

function summary(
  items: Array<[string, ChecksSummary['items'][number]['conclusion']]>,
): ChecksSummary {
  return {
    total: items.length,
    passed: items.filter(i => i[1] === 'success').length,
    failed: items.filter(i => i[1] === 'failure').length,
    pending: items.filter(i => i[1] === 'pending').length,
    items: items.map(([name, conclusion]) => ({ name, conclusion })),
  };
}

function run(
  checks: ChecksSummary | undefined,
  options: Record<string, unknown> = {},
  startedAgoMs = 0,
) {
  return step.run(
    stepDefinition('checks', options as any, { timeoutSeconds: 600 }),
    stepContext({
      startedAtMs: Date.now() - startedAgoMs,
      checks: async () => checks,
    }),
  );
}

describe('ChecksStep', () => {
  const ci = summary([
    ['unit-tests', 'success'],
    ['lint', 'neutral'],
    ['e2e', 'skipped'],
    ['trivy-scan', 'success'],
  ]);

  it('passes when every check is green (neutral and skipped included)', async () => {
    expect(await run(ci)).toMatchObject({
      status: 'passed',
      message: 'all 4 checks passed on 1.4.2',
    });
  });

  it('passes on the named checks only', async () => {
    const withFailure = summary([
      ['unit-tests', 'success'],
      ['flaky-e2e', 'failure'],
    ]);
    expect(await run(withFailure, { names: ['unit-tests'] })).toMatchObject({
      status: 'passed',
      message: 'unit-tests passed on 1.4.2',
    });
  });

  it('fails at once on a failed check, even when it was re-run', async () => {
    const result = await run(
      summary([
        ['unit-tests', 'success'],
        ['trivy-scan', 'failure'],
        ['trivy-scan', 'success'],
      ]),
    );
    expect(result).toMatchObject({
      status: 'failed',
      message: 'trivy-scan failed on 1.4.2',
      output: { failed: ['trivy-scan'], pending: [] },
    });
  });

  it('waits for pending checks, and fails on them at the timeout', async () => {
    const pending = summary([
      ['unit-tests', 'success'],
      ['e2e', 'pending'],
    ]);
    expect(await run(pending, { interval: '20s' })).toMatchObject({
      status: 'running',
      message: 'waiting for e2e',
      retryAfterMs: 20000,
    });
    expect(await run(pending, {}, 601_000)).toMatchObject({
      status: 'failed',
      message: 'timed out after 600s: waiting for e2e',
    });
  });

  it('fails on a named check that is not there, naming those that are', async () => {
    expect(await run(ci, { names: ['unit-tests', 'sonar'] })).toMatchObject({
      status: 'failed',
      message:
        '"sonar" is not among the checks of 1.4.2 (found: e2e, lint, trivy-scan, unit-tests)',
    });
  });

  it('fails when the commit has no checks at all (never a silent pass)', async () => {
    expect(await run(summary([]))).toEqual({
      status: 'failed',
      message: 'the source commit of 1.4.2 has no CI checks',
    });
  });

  it('waits while correlation has not collected the checks yet', async () => {
    expect(await run(undefined)).toMatchObject({
      status: 'running',
      message: 'no CI checks of the source commit of 1.4.2 were collected yet',
    });
  });
});
