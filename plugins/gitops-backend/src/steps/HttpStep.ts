import type { JsonObject } from '@backstage/types';
import { z } from 'zod';
import { TargetRefusedError } from './outbound/TargetRefusedError';
import { errorMessage, notYet, withoutSecrets } from './support/attempts';
import { compileExpression, ExpressionResult } from './support/expression';
import {
  bodyOption,
  durationOption,
  expressionOption,
  headersOption,
  parseDurationMs,
  statusMatches,
  statusOption,
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
    method: z
      .enum(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'])
      .default('GET'),
    url: urlTemplateOption(),
    headers: headersOption().optional(),
    body: bodyOption().optional(),
    /** Statuses that count as a success. Default 200-299. */
    successStatus: statusOption.default('200-299'),
    /** Must also hold on the JSON body for a success. */
    successExpression: expressionOption().optional(),
    /** Statuses that fail the step at once. */
    failureStatus: statusOption.optional(),
    /** Fails the step at once when it holds on the JSON body. */
    failureExpression: expressionOption().optional(),
    /** Successes in a row required. Default 1. */
    count: z.number().int().min(1).max(100).default(1),
    /** Time between two requests. Default 10s. */
    interval: durationOption(1000).default('10s'),
    /** Longest one request may take. Default 10s. */
    requestTimeout: durationOption(100, 300_000).default('10s'),
  })
  .strict();

type HttpOptions = z.infer<typeof schema>;

function parseBody(res: OutboundResponse): unknown {
  if (res.truncated) return undefined;
  try {
    return JSON.parse(res.body);
  } catch {
    return undefined;
  }
}

/**
 * The smoke test: a request to the environment (or any allowed target),
 * judged on its status and JSON body, `count` times in a row at
 * `interval`. A failure condition fails at once; anything that is neither
 * success nor failure (a 503 while the pods start, a timeout) is tried
 * again until the step's timeout, then fails with what it last saw.
 */
export class HttpStep extends SchemaStep<z.infer<typeof schema>> {
  readonly type = 'http';
  protected readonly schema = schema;

  constructor(private readonly limits: { maxResponseBytes?: number } = {}) {
    super();
  }

  protected async attempt(
    options: z.infer<typeof schema>,
    step: StepDefinition,
    ctx: StepContext,
  ): Promise<StepAttemptResult> {
    let secrets: string[] = [];
    try {
      const built = buildRequest(options, ctx, {
        timeoutMs: parseDurationMs(options.requestTimeout)!,
        maxBodyBytes: this.limits.maxResponseBytes ?? 1024 * 1024,
      });
      secrets = built.secrets;
      return withoutSecrets(
        await this.check(step, ctx, options, built.request),
        secrets,
      );
    } catch (e) {
      if (e instanceof TemplateError) {
        return { status: 'failed', message: e.message };
      }
      throw e;
    }
  }

  private async check(
    step: StepDefinition,
    ctx: StepContext,
    options: HttpOptions,
    request: Parameters<StepContext['fetch']>[0],
  ): Promise<StepAttemptResult> {
    const intervalMs = parseDurationMs(options.interval)!;
    const target = `${request.method} ${request.url}`;
    const successes = Number(ctx.state.successes ?? 0);

    let res: OutboundResponse;
    try {
      res = await ctx.fetch(request);
    } catch (e) {
      if (
        e instanceof TargetRefusedError ||
        (e as Error)?.name === 'TargetRefusedError'
      ) {
        return {
          status: 'failed',
          message: `${target}: ${errorMessage(e)}`,
          output: { url: request.url, refused: true },
        };
      }
      return notYet(step, ctx, intervalMs, {
        message: `${target} failed: ${errorMessage(e)}`,
        output: { url: request.url, successes: 0, count: options.count },
        state: { successes: 0 },
      });
    }

    const vars = {
      version: ctx.action.version,
      service: ctx.action.service,
      environment: ctx.environment.name,
    };
    const json = parseBody(res);
    const evaluate = (source?: string): ExpressionResult | undefined =>
      source ? compileExpression(source).evaluate(json, vars) : undefined;
    const bodyNote = (source?: string) => {
      if (!source || json !== undefined) return '';
      return res.truncated
        ? ' (the body is longer than the bound, not judged)'
        : ' (the body is not JSON)';
    };

    const output: JsonObject = { url: request.url, status: res.status };
    const failedOn = evaluate(options.failureExpression);
    if (
      (options.failureStatus &&
        statusMatches(options.failureStatus, res.status)) ||
      failedOn?.ok
    ) {
      const why = failedOn?.ok
        ? `failureExpression ${options.failureExpression} held (${failedOn.observed})`
        : `failureStatus ${JSON.stringify(options.failureStatus)}`;
      return {
        status: 'failed',
        message: `${target}: HTTP ${res.status}, ${why}`,
        output: {
          ...output,
          ...(failedOn ? { observed: failedOn.observed } : {}),
        },
      };
    }

    const statusOk = statusMatches(options.successStatus, res.status);
    const succeededOn = evaluate(options.successExpression);
    if (succeededOn) output.observed = succeededOn.observed;
    if (statusOk && (!succeededOn || succeededOn.ok)) {
      const now = successes + 1;
      output.successes = now;
      output.count = options.count;
      if (now >= options.count) {
        return {
          status: 'passed',
          message: `${target}: HTTP ${res.status}${
            options.count > 1 ? `, ${now} times in a row` : ''
          }${
            succeededOn
              ? `, ${options.successExpression} (${succeededOn.observed})`
              : ''
          }`,
          output,
          state: { successes: now },
        };
      }
      return notYet(step, ctx, intervalMs, {
        message: `${target}: HTTP ${res.status}, success ${now} of ${options.count}`,
        output,
        state: { successes: now },
      });
    }
    const expected = !statusOk
      ? `expected ${JSON.stringify(options.successStatus)}`
      : `${options.successExpression} did not hold (${
          succeededOn?.observed || 'nothing'
        })${bodyNote(options.successExpression)}`;
    return notYet(step, ctx, intervalMs, {
      message: `${target}: HTTP ${res.status}, ${expected}`,
      output: { ...output, successes: 0, count: options.count },
      state: { successes: 0 },
    });
  }
}
