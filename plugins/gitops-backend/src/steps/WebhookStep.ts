import type { JsonObject } from '@backstage/types';
import crypto from 'node:crypto';
import { z } from 'zod';
import { TargetRefusedError } from './outbound/TargetRefusedError';
import { errorMessage, notYet, withoutSecrets } from './support/attempts';
import {
  bodyOption,
  durationOption,
  headersOption,
  parseDurationMs,
  urlTemplateOption,
} from './support/options';
import { buildRequest } from './support/request';
import { TemplateError } from './support/templates';
import type {
  OutboundResponse,
  StepAttemptResult,
  StepContext,
  StepDefinition,
} from './types';
import { SchemaStep } from './support/SchemaStep';

const schema = z
  .object({
    url: urlTemplateOption(),
    /** gitops.steps.secrets.<name>: the HMAC-SHA256 key of the signature. */
    secret: z
      .string()
      .regex(
        /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/,
        'must be the name of a secret of gitops.steps.secrets',
      )
      .optional(),
    headers: headersOption().optional(),
    /** Replaces the default body (the action); strings are templates. */
    body: bodyOption().optional(),
    /** Deliveries tried in all (5xx, 429, network errors). Default 5. */
    maxAttempts: z.number().int().min(1).max(10).default(5),
    /** Longest one delivery may take. Default 10s. */
    requestTimeout: durationOption(100, 300_000).default('10s'),
  })
  .strict();

/** First retry after 1 s, then 2, 4, 8 … at most a minute. */
export function backoffMs(failedAttempts: number): number {
  return Math.min(60_000, 1000 * 2 ** Math.max(0, failedAttempts - 1));
}

/**
 * The signature a receiver recomputes: HMAC-SHA256 with the shared
 * secret over `<x-gitops-timestamp>.<raw body>`, hex, prefixed `sha256=`
 * (docs/pipeline.md "webhook" has the verification recipe).
 */
export function webhookSignature(
  secret: string,
  timestamp: string,
  body: string,
): string {
  return `sha256=${crypto
    .createHmac('sha256', secret)
    .update(`${timestamp}.${body}`)
    .digest('hex')}`;
}

function entityLink(portalUrl: string, entityRef: string): string | undefined {
  const m = /^([^:]+):([^/]+)\/(.+)$/.exec(entityRef);
  if (!m) return undefined;
  return `${portalUrl.replace(/\/+$/, '')}/catalog/${m[2]}/${m[1]}/${
    m[3]
  }/gitops`;
}

/**
 * A POST of the action as JSON to a receiver (chat tools, CD hooks,
 * deployment markers), optionally signed. Retried with exponential
 * backoff on 5xx, 429 and network errors up to `maxAttempts`; a 4xx
 * fails at once (the receiver refused it: trying again changes nothing).
 */
export class WebhookStep extends SchemaStep<z.infer<typeof schema>> {
  readonly type = 'webhook';
  protected readonly schema = schema;

  constructor(
    private readonly options: {
      /** app.baseUrl, for the link to the service's GitOps tab. */
      portalUrl?: string;
    } = {},
  ) {
    super();
  }

  /** The default body: the action, without anything secret. */
  actionBody(step: StepDefinition, ctx: StepContext): JsonObject {
    const a = ctx.action;
    const link =
      this.options.portalUrl && a.entityRef
        ? entityLink(this.options.portalUrl, a.entityRef)
        : undefined;
    return {
      event: 'gitops.step',
      step: step.name,
      phase: ctx.phase,
      actionId: a.id,
      kind: a.kind,
      state: a.state,
      repositoryId: a.repositoryId,
      service: a.service,
      environment: ctx.environment.name,
      environments: a.environments,
      version: a.version,
      requestedBy: a.requestedBy,
      ...(a.sourceEnvironment
        ? { sourceEnvironment: a.sourceEnvironment }
        : {}),
      ...(a.commitSha ? { commitSha: a.commitSha } : {}),
      ...(a.pullRequestUrl ? { pullRequestUrl: a.pullRequestUrl } : {}),
      ...(link ? { link } : {}),
    };
  }

  protected async attempt(
    options: z.infer<typeof schema>,
    step: StepDefinition,
    ctx: StepContext,
  ): Promise<StepAttemptResult> {
    const attempts = Number(ctx.state.attempts ?? 0) + 1;

    let secrets: string[] = [];
    let request: Parameters<StepContext['fetch']>[0];
    try {
      const built = buildRequest(
        {
          method: 'POST',
          url: options.url,
          headers: options.headers,
          body: options.body ?? this.actionBody(step, ctx),
        },
        ctx,
        {
          timeoutMs: parseDurationMs(options.requestTimeout)!,
          maxBodyBytes: 4096,
        },
      );
      secrets = built.secrets;
      request = built.request;
    } catch (e) {
      if (e instanceof TemplateError) {
        return { status: 'failed', message: e.message };
      }
      throw e;
    }
    const body = request.body ?? '';
    request.headers = {
      'content-type': 'application/json',
      ...request.headers,
      'x-gitops-delivery': `${ctx.action.id}.${ctx.phase}.${step.name}`,
    };
    if (options.secret) {
      const key = ctx.secret(options.secret);
      if (key === undefined) {
        return {
          status: 'failed',
          message: `secret "${options.secret}" is not configured (gitops.steps.secrets.${options.secret})`,
        };
      }
      secrets.push(key);
      const timestamp = String(Math.floor(Date.now() / 1000));
      request.headers['x-gitops-timestamp'] = timestamp;
      request.headers['x-gitops-signature'] = webhookSignature(
        key,
        timestamp,
        body,
      );
    }

    const target = `POST ${request.url}`;
    let res: OutboundResponse;
    try {
      res = await ctx.fetch(request);
    } catch (e) {
      if (
        e instanceof TargetRefusedError ||
        (e as Error)?.name === 'TargetRefusedError'
      ) {
        return withoutSecrets(
          {
            status: 'failed',
            message: `${target}: ${errorMessage(e)}`,
            output: { url: request.url, refused: true },
          },
          secrets,
        );
      }
      return withoutSecrets(
        this.retry(step, ctx, options.maxAttempts, attempts, {
          message: `${target} failed: ${errorMessage(e)}`,
          output: { url: request.url, attempts },
        }),
        secrets,
      );
    }

    const output = { url: request.url, status: res.status, attempts };
    let result: StepAttemptResult;
    if (res.status >= 200 && res.status < 300) {
      result = {
        status: 'passed',
        message: `${target}: delivered (HTTP ${res.status}${
          attempts > 1 ? `, attempt ${attempts}` : ''
        })`,
        output,
        state: { attempts },
      };
    } else if (res.status >= 500 || res.status === 429) {
      result = this.retry(step, ctx, options.maxAttempts, attempts, {
        message: `${target}: HTTP ${res.status}`,
        output,
        retryAfterSeconds: Number(res.headers['retry-after']),
      });
    } else {
      result = {
        status: 'failed',
        message: `${target}: HTTP ${res.status}, the receiver refused the delivery (not retried)`,
        output,
        state: { attempts },
      };
    }
    return withoutSecrets(result, secrets);
  }

  private retry(
    step: StepDefinition,
    ctx: StepContext,
    maxAttempts: number,
    attempts: number,
    last: { message: string; output: JsonObject; retryAfterSeconds?: number },
  ): StepAttemptResult {
    if (attempts >= maxAttempts) {
      return {
        status: 'failed',
        message: `gave up after ${attempts} attempt${
          attempts === 1 ? '' : 's'
        }: ${last.message}`,
        output: last.output,
        state: { attempts },
      };
    }
    const asked =
      last.retryAfterSeconds && Number.isFinite(last.retryAfterSeconds)
        ? Math.min(300, last.retryAfterSeconds) * 1000
        : 0;
    return notYet(step, ctx, Math.max(backoffMs(attempts), asked), {
      message: `${last.message}; attempt ${attempts} of ${maxAttempts}, trying again`,
      output: last.output,
      state: { attempts },
    });
  }
}
