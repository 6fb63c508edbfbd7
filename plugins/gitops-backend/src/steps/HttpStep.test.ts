import {
  CountingServer,
  startCountingServer,
} from './__testUtils__/countingServer';
import {
  capturingLogger,
  runUntilDone,
  stepContext,
  stepDefinition,
  staging,
} from './__testUtils__/stepContext';
import { HttpStep } from './HttpStep';
import { createOutboundFetch } from './outbound/createOutboundFetch';
import type { StepContext, StepDefinition } from './types';

const SECRET = 'smoke-token-3f9a1c';

describe('HttpStep', () => {
  let app: CountingServer;
  /** What the guestbook's health endpoint answers, per request. */
  let answers: Array<{ status: number; body: unknown }>;
  let ctx: StepContext;
  const step = new HttpStep();

  beforeEach(async () => {
    answers = [];
    app = await startCountingServer((_req, res) => {
      const next = answers.length > 1 ? answers.shift()! : answers[0];
      res.statusCode = next?.status ?? 200;
      res.setHeader('content-type', 'application/json');
      res.end(
        typeof next?.body === 'string'
          ? next.body
          : JSON.stringify(next?.body ?? {}),
      );
    });
    const fetch = createOutboundFetch({
      allowedTargets: [`${app.url}/`],
      allowEnvironmentUrls: false,
    });
    ctx = stepContext({
      environment: { ...staging, url: `${app.url}/` },
      fetch: request => fetch(request),
      secret: name => (name === 'smoke-token' ? SECRET : undefined),
      logger: capturingLogger(),
    });
  });

  afterEach(() => app.close());

  function smoke(options: Record<string, unknown>): StepDefinition {
    return stepDefinition('http', {
      url: '{environment.url}/healthz?version={version}&who={action.requestedBy}',
      ...options,
    } as any);
  }

  it('passes on a 2xx whose JSON body meets the success expression', async () => {
    answers = [
      { status: 200, body: { status: 'ok', version: '1.4.2', latencyMs: 120 } },
    ];
    const result = await step.run(
      smoke({
        headers: { Authorization: 'Bearer {secret:smoke-token}' },
        successExpression:
          '$.status == "ok" and $.version == version and $.latencyMs < 300',
      }),
      ctx,
    );
    expect(result).toMatchObject({
      status: 'passed',
      message: expect.stringContaining(
        `GET ${app.url}/healthz?version=1.4.2&who=user%3Adefault%2Falice: HTTP 200, $.status == "ok"`,
      ),
      output: {
        status: 200,
        observed: '$.status is "ok", $.version is "1.4.2", $.latencyMs is 120',
      },
    });
    expect(app.requests).toHaveLength(1);
    expect(app.requests[0].url).toBe(
      '/healthz?version=1.4.2&who=user%3Adefault%2Falice',
    );
    expect(app.requests[0].headers.authorization).toBe(`Bearer ${SECRET}`);
  });

  it('fails at once with the status when a failure condition holds', async () => {
    answers = [{ status: 500, body: { status: 'broken' } }];
    const result = await step.run(smoke({ failureStatus: '500-599' }), ctx);
    expect(result).toMatchObject({
      status: 'failed',
      message: `GET ${app.url}/healthz?version=1.4.2&who=user%3Adefault%2Falice: HTTP 500, failureStatus "500-599"`,
      output: { status: 500 },
    });
    answers = [{ status: 200, body: { status: 'degraded' } }];
    expect(
      await step.run(
        smoke({ failureExpression: '$.status == "degraded"' }),
        ctx,
      ),
    ).toMatchObject({
      status: 'failed',
      message: expect.stringContaining(
        'HTTP 200, failureExpression $.status == "degraded" held ($.status is "degraded")',
      ),
    });
  });

  it('needs count successes in a row; anything else starts over', async () => {
    answers = [
      { status: 200, body: { status: 'ok' } },
      { status: 503, body: { status: 'starting' } },
      { status: 200, body: { status: 'ok' } },
      { status: 200, body: { status: 'ok' } },
      { status: 200, body: { status: 'ok' } },
    ];
    const attempts = await runUntilDone(
      c =>
        step.run(
          smoke({
            count: 3,
            interval: '2s',
            successExpression: '$.status == "ok"',
          }),
          c,
        ),
      ctx,
    );
    expect(attempts.map(a => [a.status, a.output?.successes])).toEqual([
      ['running', 1],
      ['running', 0],
      ['running', 1],
      ['running', 2],
      ['passed', 3],
    ]);
    expect(attempts[1].message).toContain('HTTP 503, expected "200-299"');
    expect(attempts[0].retryAfterMs).toBe(2000);
    expect(app.requests).toHaveLength(5);
  });

  it('says why a body was not judged, and fails at the timeout with it', async () => {
    answers = [{ status: 200, body: 'not json' }];
    const result = await step.run(
      smoke({ successExpression: '$.status == "ok"' }),
      { ...ctx, startedAtMs: Date.now() - 301_000 },
    );
    expect(result).toMatchObject({
      status: 'failed',
      message: expect.stringMatching(
        /^timed out after 300s: GET .*: HTTP 200, \$\.status == "ok" did not hold \(\$\.status is missing\) \(the body is not JSON\)$/,
      ),
    });
  });

  it('fails at once, sending nothing, when the target is not allowed', async () => {
    const result = await step.run(
      stepDefinition('http', {
        url: 'http://169.254.169.254/latest/meta-data/',
      }),
      ctx,
    );
    expect(result).toMatchObject({
      status: 'failed',
      message:
        'GET http://169.254.169.254/latest/meta-data/: refused http://169.254.169.254/latest/meta-data/: 169.254.169.254 is not in gitops.steps.allowedTargets',
      output: { refused: true },
    });
    expect(app.requests).toHaveLength(0);
  });

  it('keeps secrets out of messages, outputs, state and logs, even when echoed', async () => {
    answers = [
      { status: 200, body: { status: 'down', echo: `Bearer ${SECRET}` } },
    ];
    const result = await step.run(
      smoke({
        headers: { Authorization: 'Bearer {secret:smoke-token}' },
        successExpression: '$.echo == "x"',
      }),
      ctx,
    );
    expect(result.message).toContain('$.echo is "Bearer ***"');
    const everything = JSON.stringify([result, (ctx.logger as any).lines]);
    expect(everything).not.toContain(SECRET);
  });

  it('fails when a secret or the environment url is missing', async () => {
    expect(
      await step.run(smoke({ headers: { 'x-token': '{secret:nope}' } }), ctx),
    ).toEqual({
      status: 'failed',
      message: 'secret "nope" is not configured (gitops.steps.secrets.nope)',
    });
    expect(
      await step.run(smoke({}), {
        ...ctx,
        environment: { ...staging, url: undefined },
      }),
    ).toEqual({
      status: 'failed',
      message:
        '{environment.url} is used but environment "staging" has no url in the pipeline file',
    });
    expect(app.requests).toHaveLength(0);
  });

  it('sends a JSON body with its strings filled', async () => {
    answers = [{ status: 201, body: {} }];
    const result = await step.run(
      smoke({
        method: 'POST',
        body: { version: '{version}', checks: ['db'] },
        successStatus: [201],
      }),
      ctx,
    );
    expect(result.status).toBe('passed');
    expect(app.requests[0].headers['content-type']).toBe('application/json');
    expect(JSON.parse(app.requests[0].body)).toEqual({
      version: '1.4.2',
      checks: ['db'],
    });
  });
});
