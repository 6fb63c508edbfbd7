import { startPrometheus, TestPrometheus } from './__testUtils__/prometheus';
import {
  runUntilDone,
  stepContext,
  stepDefinition,
} from './__testUtils__/stepContext';
import { createOutboundFetch } from './outbound/createOutboundFetch';
import { PrometheusStep } from './PrometheusStep';
import type { StepContext } from './types';

// Starting Prometheus and waiting for its scrapes, not a timed assertion.
jest.setTimeout(120_000);

const ERROR_RATIO =
  'guestbook_error_ratio{service="{service}",env="{environment}"}';

describe('PrometheusStep against a real Prometheus', () => {
  let prometheus: TestPrometheus;
  let step: PrometheusStep;
  let ctx: StepContext;

  beforeAll(async () => {
    prometheus = await startPrometheus();
    step = new PrometheusStep({ main: { url: prometheus.url } });
    const fetch = createOutboundFetch({
      allowedTargets: [`${prometheus.url}/api/v1/`],
      allowEnvironmentUrls: false,
    });
    ctx = stepContext({ fetch: request => fetch(request) });
  });

  afterAll(async () => {
    await prometheus?.stop();
  });

  async function errorRatioIs(value: number) {
    prometheus.setErrorRatio(value);
    await prometheus.waitForValue(
      'guestbook_error_ratio{service="guestbook-ui",env="staging"}',
      value,
    );
  }

  const errorRate = (extra: Record<string, unknown> = {}) =>
    stepDefinition('prometheus', {
      server: 'main',
      query: ERROR_RATIO,
      successExpression: '$ < 0.01',
      failureExpression: '$ >= 0.05',
      ...extra,
    } as any);

  it('passes when the scraped error ratio meets the condition', async () => {
    await errorRatioIs(0.004);
    const result = await step.run(errorRate(), ctx);
    expect(result).toMatchObject({
      status: 'passed',
      message: 'prometheus main: value 0.004, $ < 0.01',
      output: {
        server: 'main',
        query: 'guestbook_error_ratio{service="guestbook-ui",env="staging"}',
        value: 0.004,
        labels: {
          __name__: 'guestbook_error_ratio',
          service: 'guestbook-ui',
          env: 'staging',
          job: 'guestbook',
        },
      },
    });
  });

  it('fails at once when the failure condition holds', async () => {
    await errorRatioIs(0.2);
    expect(await step.run(errorRate(), ctx)).toMatchObject({
      status: 'failed',
      message: 'prometheus main: value 0.2, failureExpression $ >= 0.05 held',
      output: { value: 0.2 },
    });
  });

  it('waits while the value is between success and failure', async () => {
    await errorRatioIs(0.02);
    expect(await step.run(errorRate({ interval: '5s' }), ctx)).toMatchObject({
      status: 'running',
      retryAfterMs: 5000,
      message: 'prometheus main: value 0.02, $ < 0.01 does not hold',
    });
  });

  it('needs count successes in a row', async () => {
    await errorRatioIs(0.001);
    const attempts = await runUntilDone(
      c => step.run(errorRate({ count: 3 }), c),
      ctx,
    );
    expect(attempts.map(a => a.status)).toEqual([
      'running',
      'running',
      'passed',
    ]);
    expect(attempts[2].message).toBe(
      'prometheus main: value 0.001, $ < 0.01, 3 times in a row',
    );
  });

  it('reads scalars', async () => {
    await errorRatioIs(0.003);
    expect(
      await step.run(errorRate({ query: `scalar(sum(${ERROR_RATIO}))` }), ctx),
    ).toMatchObject({ status: 'passed', output: { value: 0.003 } });
  });

  it('treats no data as not yet', async () => {
    expect(
      await step.run(errorRate({ query: 'guestbook_latency_seconds' }), ctx),
    ).toMatchObject({
      status: 'running',
      message: 'prometheus main: the query returned no data',
    });
  });

  it('fails on a query that returns several series', async () => {
    expect(
      await step.run(errorRate({ query: 'guestbook_up' }), ctx),
    ).toMatchObject({
      status: 'failed',
      message:
        'prometheus main: the query returned 2 series, expected one (aggregate it, e.g. sum(…) or max(…))',
    });
    expect(
      await step.run(
        errorRate({
          query: 'sum(guestbook_up)',
          successExpression: '$ == 2',
          failureExpression: '$ < 1',
        }),
        ctx,
      ),
    ).toMatchObject({ status: 'passed', output: { value: 2 } });
  });

  it('fails on a query Prometheus refuses, with its reason', async () => {
    const result = await step.run(errorRate({ query: 'sum(rate(' }), ctx);
    expect(result.status).toBe('failed');
    expect(result.message).toMatch(
      /^prometheus main: the query was refused \(bad_data: .*parse error/,
    );
  });

  it('fails on a range vector', async () => {
    expect(
      await step.run(errorRate({ query: 'guestbook_up[1m]' }), ctx),
    ).toMatchObject({
      status: 'failed',
      message:
        'prometheus main: the query returned a matrix, expected a scalar or a single-series instant vector',
    });
  });

  it('reaches the server only when it is an allowed target', async () => {
    const closed = createOutboundFetch({
      allowedTargets: [],
      allowEnvironmentUrls: false,
    });
    const result = await step.run(
      errorRate(),
      stepContext({ fetch: request => closed(request) }),
    );
    expect(result).toMatchObject({
      status: 'failed',
      message: expect.stringContaining('is not in gitops.steps.allowedTargets'),
    });
  });
});
