import type { JsonObject } from '@backstage/types';
import { z } from 'zod';
import { TargetRefusedError } from './outbound/TargetRefusedError';
import { errorMessage, notYet, withoutSecrets } from './support/attempts';
import { compileExpression } from './support/expression';
import {
  durationOption,
  expressionOption,
  parseDurationMs,
  templateOption,
} from './support/options';
import {
  renderTemplate,
  TemplateError,
  templateValues,
} from './support/templates';
import type {
  OutboundResponse,
  StepAttemptResult,
  StepContext,
  StepDefinition,
} from './types';
import { SchemaStep } from './support/SchemaStep';

/** One entry of `gitops.steps.prometheus`. */
export interface PrometheusServer {
  /** Base URL, e.g. `https://prometheus.example.com` (the API is under /api/v1). */
  url: string;
  /** Sent with every query (e.g. Authorization); from app-config only. */
  headers?: Record<string, string>;
}

function schemaFor(servers: Record<string, PrometheusServer>) {
  const names = Object.keys(servers).sort();
  return z
    .object({
      /** A server of gitops.steps.prometheus. */
      server: z
        .string()
        .refine(
          v => names.includes(v),
          names.length
            ? `must name a server of gitops.steps.prometheus (${names
                .map(n => `"${n}"`)
                .join(', ')})`
            : 'must name a server of gitops.steps.prometheus, and none is configured',
        ),
      /** PromQL; `{service}`, `{environment}`, `{version}` … are filled in. */
      query: templateOption().pipe(z.string().min(1)),
      /** Must hold on the value (`$`) for a success, e.g. `$ < 0.01`. */
      successExpression: expressionOption(),
      /** Fails the step at once when it holds, e.g. `$ > 0.05`. */
      failureExpression: expressionOption().optional(),
      /** Successes in a row required. Default 1. */
      count: z.number().int().min(1).max(100).default(1),
      /** Time between two evaluations. Default 30s. */
      interval: durationOption(1000).default('30s'),
      /** Longest one query may take. Default 10s. */
      requestTimeout: durationOption(100, 300_000).default('10s'),
    })
    .strict();
}

/** Prometheus writes special floats as strings. */
function sampleValue(text: unknown): number {
  if (text === '+Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  if (text === 'NaN') return NaN;
  return typeof text === 'string' ? Number(text) : NaN;
}

/** JSON cannot hold NaN or ±Inf: those go to the output as Prometheus wrote them. */
function jsonValue(value: number): number | string {
  if (Number.isFinite(value)) return value;
  if (Number.isNaN(value)) return 'NaN';
  return value > 0 ? '+Inf' : '-Inf';
}

type QueryAnswer =
  | { kind: 'value'; value: number; labels?: Record<string, string> }
  | { kind: 'no-data' }
  | { kind: 'wrong-shape'; message: string }
  | { kind: 'refused'; message: string }
  | { kind: 'unavailable'; message: string };

/** The parts of an /api/v1/query answer read here. */
interface QueryResponseBody {
  status?: string;
  errorType?: string;
  error?: string;
  data?: {
    resultType?: string;
    result?: unknown;
  };
}

interface VectorSample {
  metric?: Record<string, string>;
  value?: [number, string];
}

function readAnswer(res: OutboundResponse): QueryAnswer {
  let body: QueryResponseBody | undefined;
  try {
    body = res.truncated ? undefined : JSON.parse(res.body);
  } catch {
    body = undefined;
  }
  if (body?.status === 'error') {
    const message = `${body.errorType ?? 'error'}: ${
      body.error ?? 'no message'
    }`;
    // 400 bad_data, 422 execution errors: the query itself is wrong.
    return res.status === 400 || res.status === 422
      ? { kind: 'refused', message }
      : { kind: 'unavailable', message: `HTTP ${res.status}, ${message}` };
  }
  if (res.status !== 200 || body?.status !== 'success') {
    return {
      kind: 'unavailable',
      message: `HTTP ${res.status}${
        res.truncated
          ? ', answer longer than the bound'
          : ', not a Prometheus answer'
      }`,
    };
  }
  const { resultType, result } = body.data ?? {};
  if (resultType === 'scalar' && Array.isArray(result)) {
    return { kind: 'value', value: sampleValue(result[1]) };
  }
  if (resultType === 'vector' && Array.isArray(result)) {
    const samples = result as VectorSample[];
    if (samples.length === 0) return { kind: 'no-data' };
    if (samples.length > 1) {
      return {
        kind: 'wrong-shape',
        message: `the query returned ${samples.length} series, expected one (aggregate it, e.g. sum(…) or max(…))`,
      };
    }
    return {
      kind: 'value',
      value: sampleValue(samples[0].value?.[1]),
      labels: samples[0].metric ?? {},
    };
  }
  return {
    kind: 'wrong-shape',
    message: `the query returned a ${resultType}, expected a scalar or a single-series instant vector`,
  };
}

/**
 * A PromQL query against a configured Prometheus, judged on its value
 * (scalar or single-series vector) `count` times in a row at `interval`:
 * error rate, latency, saturation after the rollout. A failure condition
 * fails at once; a value that is not a success yet, no data or an
 * unavailable server is tried again until the step's timeout. A query
 * Prometheus refuses (syntax) or that returns several series fails.
 *
 * The servers come from app-config (`gitops.steps.prometheus`) through
 * the constructor, not through the step context: a pipeline names a
 * server, and validation refuses a name the config does not know.
 */
type Options = z.infer<ReturnType<typeof schemaFor>>;

export class PrometheusStep extends SchemaStep<Options> {
  readonly type = 'prometheus';
  protected readonly schema: ReturnType<typeof schemaFor>;

  constructor(
    private readonly servers: Record<string, PrometheusServer> = {},
    private readonly limits: { maxResponseBytes?: number } = {},
  ) {
    super();
    this.schema = schemaFor(servers);
  }

  protected async attempt(
    options: Options,
    step: StepDefinition,
    ctx: StepContext,
  ): Promise<StepAttemptResult> {
    const server = this.servers[options.server];
    const intervalMs = parseDurationMs(options.interval)!;
    const successes = Number(ctx.state.successes ?? 0);

    let query: string;
    try {
      // PromQL string literals: the filled values stay inside their quotes.
      query = renderTemplate(options.query, templateValues(ctx), {
        encode: v => v.replace(/[\\"']/g, c => `\\${c}`),
      });
    } catch (e) {
      if (e instanceof TemplateError)
        return { status: 'failed', message: e.message };
      throw e;
    }
    const url = `${server.url.replace(
      /\/+$/,
      '',
    )}/api/v1/query?${new URLSearchParams({
      query,
    })}`;
    const secrets = Object.values(server.headers ?? {});
    const output: JsonObject = { server: options.server, query };

    let res: OutboundResponse;
    try {
      res = await ctx.fetch({
        method: 'GET',
        url,
        headers: { accept: 'application/json', ...server.headers },
        timeoutMs: parseDurationMs(options.requestTimeout)!,
        maxBodyBytes: this.limits.maxResponseBytes ?? 1024 * 1024,
      });
    } catch (e) {
      if (
        e instanceof TargetRefusedError ||
        (e as Error)?.name === 'TargetRefusedError'
      ) {
        return withoutSecrets(
          {
            status: 'failed',
            message: `prometheus ${options.server}: ${errorMessage(e)}`,
            output,
          },
          secrets,
        );
      }
      return withoutSecrets(
        notYet(step, ctx, intervalMs, {
          message: `prometheus ${
            options.server
          } could not be queried: ${errorMessage(e)}`,
          output,
          state: { successes: 0 },
        }),
        secrets,
      );
    }

    const answer = readAnswer(res);
    if (answer.kind === 'refused' || answer.kind === 'wrong-shape') {
      return {
        status: 'failed',
        message: `prometheus ${options.server}: ${
          answer.kind === 'refused'
            ? `the query was refused (${answer.message})`
            : answer.message
        }`,
        output,
      };
    }
    if (answer.kind === 'unavailable' || answer.kind === 'no-data') {
      return notYet(step, ctx, intervalMs, {
        message: `prometheus ${options.server}: ${
          answer.kind === 'no-data'
            ? 'the query returned no data'
            : answer.message
        }`,
        output,
        state: { successes: 0 },
      });
    }

    const vars = {
      version: ctx.action.version,
      service: ctx.action.service,
      environment: ctx.environment.name,
    };
    const value = answer.value;
    output.value = jsonValue(value);
    if (answer.labels && Object.keys(answer.labels).length > 0) {
      output.labels = answer.labels;
    }
    if (
      options.failureExpression &&
      compileExpression(options.failureExpression).evaluate(value, vars).ok
    ) {
      return {
        status: 'failed',
        message: `prometheus ${options.server}: value ${jsonValue(
          value,
        )}, failureExpression ${options.failureExpression} held`,
        output,
      };
    }
    if (compileExpression(options.successExpression).evaluate(value, vars).ok) {
      const now = successes + 1;
      output.successes = now;
      output.count = options.count;
      if (now >= options.count) {
        return {
          status: 'passed',
          message: `prometheus ${options.server}: value ${jsonValue(value)}, ${
            options.successExpression
          }${options.count > 1 ? `, ${now} times in a row` : ''}`,
          output,
          state: { successes: now },
        };
      }
      return notYet(step, ctx, intervalMs, {
        message: `prometheus ${options.server}: value ${jsonValue(
          value,
        )}, success ${now} of ${options.count}`,
        output,
        state: { successes: now },
      });
    }
    return notYet(step, ctx, intervalMs, {
      message: `prometheus ${options.server}: value ${jsonValue(value)}, ${
        options.successExpression
      } does not hold`,
      output: { ...output, successes: 0, count: options.count },
      state: { successes: 0 },
    });
  }
}
