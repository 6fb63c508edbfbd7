import fs from 'node:fs';
import path from 'node:path';
import vm from 'node:vm';
import {
  CountingServer,
  ReceivedRequest,
  startCountingServer,
} from './__testUtils__/countingServer';
import {
  capturingLogger,
  runUntilDone,
  stepContext,
  stepDefinition,
} from './__testUtils__/stepContext';
import { createOutboundFetch } from './outbound/createOutboundFetch';
import type { StepContext } from './types';
import { backoffMs, WebhookStep } from './WebhookStep';

const HMAC_KEY = 'whsec-6f1d2b9e7a';
const TOKEN = 'grafana-token-8c2e4f';

/**
 * The verification recipe of docs/pipeline.md, run as a receiver would
 * run it: the docs and the signature cannot drift apart.
 */
function documentedVerify(): (
  headers: Record<string, unknown>,
  rawBody: string,
  secret: string,
) => boolean {
  const doc = fs.readFileSync(
    path.resolve(__dirname, '../../../../docs/pipeline.md'),
    'utf8',
  );
  const recipe =
    /```js\n(\/\/ Verifying a webhook step's delivery[\s\S]*?)```/.exec(doc);
  if (!recipe) throw new Error('docs/pipeline.md has no verification recipe');
  const sandbox = { require, module: { exports: {} as any }, Buffer, Date };
  vm.runInNewContext(recipe[1], sandbox);
  return sandbox.module.exports.verifyGitopsWebhook;
}

describe('WebhookStep', () => {
  let receiver: CountingServer;
  let statuses: number[];
  let ctx: StepContext;
  const step = new WebhookStep({ portalUrl: 'https://portal.example.com' });

  beforeEach(async () => {
    statuses = [];
    receiver = await startCountingServer((_req, res) => {
      res.statusCode =
        statuses.length > 1 ? statuses.shift()! : statuses[0] ?? 204;
      res.end();
    });
    const fetch = createOutboundFetch({
      allowedTargets: [`${receiver.url}/hooks/`],
      allowEnvironmentUrls: false,
    });
    ctx = stepContext({
      fetch: request => fetch(request),
      secret: name =>
        ({ 'hooks-hmac': HMAC_KEY, 'grafana-token': TOKEN }[name]),
      logger: capturingLogger(),
    });
  });

  afterEach(() => receiver.close());

  const signed = () =>
    stepDefinition(
      'webhook',
      {
        url: `${receiver.url}/hooks/gitops`,
        secret: 'hooks-hmac',
      },
      { name: 'deploy-hook' },
    );

  it('POSTs the action, signed so that the documented recipe verifies it', async () => {
    const result = await step.run(signed(), ctx);
    expect(result).toMatchObject({
      status: 'passed',
      message: `POST ${receiver.url}/hooks/gitops: delivered (HTTP 204)`,
    });
    const [delivery] = receiver.requests;
    expect(JSON.parse(delivery.body)).toEqual({
      event: 'gitops.step',
      step: 'deploy-hook',
      phase: 'after',
      actionId: '42',
      kind: 'promotion',
      state: 'merged',
      repositoryId: 'demo',
      service: 'guestbook-ui',
      environment: 'staging',
      environments: ['staging'],
      version: '1.4.2',
      requestedBy: 'user:default/alice',
      sourceEnvironment: 'qa',
      commitSha: '0123456789abcdef0123456789abcdef01234567',
      link: 'https://portal.example.com/catalog/default/component/guestbook-ui/gitops',
    });
    expect(delivery.headers['x-gitops-delivery']).toBe('42.after.deploy-hook');
    expect(delivery.headers['x-gitops-signature']).toMatch(
      /^sha256=[0-9a-f]{64}$/,
    );

    const verify = documentedVerify();
    expect(verify(delivery.headers, delivery.body, HMAC_KEY)).toBe(true);
    expect(verify(delivery.headers, delivery.body, 'another-secret')).toBe(
      false,
    );
    expect(verify(delivery.headers, `${delivery.body} `, HMAC_KEY)).toBe(false);
    const replayed = {
      ...delivery.headers,
      'x-gitops-timestamp': String(
        Number(delivery.headers['x-gitops-timestamp']) - 600,
      ),
    };
    expect(verify(replayed, delivery.body, HMAC_KEY)).toBe(false);
  });

  it('retries 5xx with exponential backoff, then delivers', async () => {
    statuses = [503, 502, 500, 204];
    const attempts = await runUntilDone(c => step.run(signed(), c), ctx);
    expect(attempts.map(a => [a.status, a.retryAfterMs])).toEqual([
      ['running', 1000],
      ['running', 2000],
      ['running', 4000],
      ['passed', undefined],
    ]);
    expect(attempts[0].message).toBe(
      `POST ${receiver.url}/hooks/gitops: HTTP 503; attempt 1 of 5, trying again`,
    );
    expect(attempts[3].message).toContain('delivered (HTTP 204, attempt 4)');
    expect(receiver.requests).toHaveLength(4);
    // Every attempt is signed afresh and verifies.
    const verify = documentedVerify();
    for (const r of receiver.requests) {
      expect(verify(r.headers, r.body, HMAC_KEY)).toBe(true);
    }
  });

  it('gives up after maxAttempts', async () => {
    statuses = [500];
    const attempts = await runUntilDone(
      c =>
        step.run(
          stepDefinition('webhook', {
            url: `${receiver.url}/hooks/gitops`,
            maxAttempts: 3,
          }),
          c,
        ),
      ctx,
    );
    expect(attempts.map(a => a.status)).toEqual([
      'running',
      'running',
      'failed',
    ]);
    expect(attempts[2].message).toBe(
      `gave up after 3 attempts: POST ${receiver.url}/hooks/gitops: HTTP 500`,
    );
    expect(receiver.requests).toHaveLength(3);
  });

  it('does not retry a 4xx', async () => {
    statuses = [400];
    const attempts = await runUntilDone(c => step.run(signed(), c), ctx);
    expect(attempts).toHaveLength(1);
    expect(attempts[0]).toMatchObject({
      status: 'failed',
      message: `POST ${receiver.url}/hooks/gitops: HTTP 400, the receiver refused the delivery (not retried)`,
    });
    expect(receiver.requests).toHaveLength(1);
  });

  it('retries network errors', async () => {
    await receiver.close();
    const result = await step.run(signed(), ctx);
    expect(result).toMatchObject({ status: 'running', retryAfterMs: 1000 });
    expect(result.message).toMatch(
      /failed: .*ECONNREFUSED.*; attempt 1 of 5, trying again$/,
    );
  });

  it('sends a custom body (a Grafana annotation) with secret headers, never reporting them', async () => {
    const result = await step.run(
      stepDefinition('webhook', {
        url: `${receiver.url}/hooks/api/annotations`,
        headers: { Authorization: 'Bearer {secret:grafana-token}' },
        body: {
          text: '{service} {version} deployed to {environment}',
          tags: ['deployment', '{service}', '{environment}'],
        },
      }),
      ctx,
    );
    expect(result.status).toBe('passed');
    const [delivery] = receiver.requests as ReceivedRequest[];
    expect(delivery.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(JSON.parse(delivery.body)).toEqual({
      text: 'guestbook-ui 1.4.2 deployed to staging',
      tags: ['deployment', 'guestbook-ui', 'staging'],
    });
    expect(delivery.headers['x-gitops-signature']).toBeUndefined();
    const everything = JSON.stringify([result, (ctx.logger as any).lines]);
    expect(everything).not.toContain(TOKEN);
    expect(everything).not.toContain(HMAC_KEY);
  });

  it('keeps the signing secret out of the body and of what it reports', async () => {
    statuses = [500];
    const result = await step.run(signed(), ctx);
    const everything = JSON.stringify([
      result,
      receiver.requests[0].body,
      (ctx.logger as any).lines,
    ]);
    expect(everything).not.toContain(HMAC_KEY);
  });

  it('fails when its secret is not configured, sending nothing', async () => {
    const result = await step.run(
      stepDefinition('webhook', {
        url: `${receiver.url}/hooks/gitops`,
        secret: 'missing',
      }),
      ctx,
    );
    expect(result).toEqual({
      status: 'failed',
      message:
        'secret "missing" is not configured (gitops.steps.secrets.missing)',
    });
    expect(receiver.requests).toHaveLength(0);
  });

  it('fails at once on a refused target', async () => {
    const result = await step.run(
      stepDefinition('webhook', { url: `${receiver.url}/elsewhere` }),
      ctx,
    );
    expect(result).toMatchObject({
      status: 'failed',
      output: { refused: true },
    });
    expect(receiver.requests).toHaveLength(0);
  });

  it('backs off 1, 2, 4 … seconds, at most a minute', () => {
    expect([1, 2, 3, 4, 7, 8, 20].map(backoffMs)).toEqual([
      1000, 2000, 4000, 8000, 60000, 60000, 60000,
    ]);
  });
});
