import type { JsonObject } from '@backstage/types';
import { z } from 'zod';
import { expressionProblem } from './expression';
import { jsonStrings, templateProblem } from './templates';

/**
 * Shared pieces of the step types' option schemas, and the one way their
 * errors read: `<type>: options.<key> <what it must be>`.
 */

const DURATION = /^([0-9]{1,6})(ms|s|m|h)$/;
const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/** `500ms`, `10s`, `5m`, `1h` → milliseconds. */
export function parseDurationMs(text: string): number | undefined {
  const m = DURATION.exec(text.trim());
  return m ? Number(m[1]) * UNIT_MS[m[2]] : undefined;
}

/** A duration option, at least `minMs`. */
export function durationOption(minMs: number, maxMs = 24 * 3_600_000) {
  return z.string().refine(v => {
    const ms = parseDurationMs(v);
    return ms !== undefined && ms >= minMs && ms <= maxMs;
  }, `must be a duration like 10s, 5m or 1h, from ${minMs >= 1000 ? `${minMs / 1000}s` : `${minMs}ms`} to ${maxMs / 3_600_000}h`);
}

/** A template (URL, header, title …) whose placeholders are all known. */
export function templateOption(opts: { secrets?: boolean } = {}) {
  return z
    .string()
    .max(4096, 'must be at most 4096 characters')
    .superRefine((v, ctx) => {
      const problem = templateProblem(v, opts);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    });
}

/** An http(s) URL template: starts with `{environment.url}` or a scheme. */
export function urlTemplateOption() {
  return templateOption().refine(
    v => /^(\{environment\.url\}|https?:\/\/[^/{}\s]+)/i.test(v),
    'must start with {environment.url} or http(s)://<host>',
  );
}

/** A condition of the expression language (support/expression.ts). */
export function expressionOption() {
  return z.string().superRefine((v, ctx) => {
    const problem = expressionProblem(v);
    if (problem) {
      ctx.addIssue({
        code: 'custom',
        message: `does not parse: ${problem}`,
      });
    }
  });
}

const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,128}$/;
const RESERVED_HEADERS = [
  'host',
  'content-length',
  'transfer-encoding',
  'connection',
  'upgrade',
];

/** Request headers; values are templates and may read `{secret:NAME}`. */
export function headersOption() {
  return z
    .record(z.string(), templateOption({ secrets: true }))
    .superRefine((headers, ctx) => {
      for (const name of Object.keys(headers)) {
        if (!HEADER_NAME.test(name)) {
          ctx.addIssue({
            code: 'custom',
            path: [name],
            message: 'is not a valid header name',
          });
        } else if (RESERVED_HEADERS.includes(name.toLowerCase())) {
          ctx.addIssue({
            code: 'custom',
            path: [name],
            message: 'is set by the backend and may not be given',
          });
        }
      }
    });
}

/** A body: a string, or JSON whose strings are templates. */
export function bodyOption() {
  return z
    .union([z.string(), z.record(z.string(), z.any()), z.array(z.any())], {
      error: 'must be a string or a JSON object or array',
    })
    .superRefine((body, ctx) => {
      for (const s of jsonStrings(body)) {
        const problem = templateProblem(s);
        if (problem) {
          ctx.addIssue({ code: 'custom', message: problem });
          return;
        }
      }
      if (JSON.stringify(body).length > 64 * 1024) {
        ctx.addIssue({ code: 'custom', message: 'must be at most 64 KiB' });
      }
    });
}

const STATUS_RULE = 'must be a list of status codes or a range like "200-299"';

/** Status codes: a list (`[200, 204]`) or a range (`"200-299"`). */
export const statusOption = z.union(
  [
    z.array(z.number().int().min(100).max(599)).min(1),
    z
      .string()
      .regex(/^[1-5][0-9]{2}-[1-5][0-9]{2}$/, STATUS_RULE)
      .refine(v => {
        const [a, b] = v.split('-').map(Number);
        return a <= b;
      }, STATUS_RULE),
  ],
  { error: STATUS_RULE },
);

export function statusMatches(
  spec: number[] | string,
  status: number,
): boolean {
  if (Array.isArray(spec)) return spec.includes(status);
  const [a, b] = spec.split('-').map(Number);
  return status >= a && status <= b;
}

function article(expected: string): string {
  return /^[aeiou]/.test(expected) ? `an ${expected}` : `a ${expected}`;
}

/** Readable messages for zod's built-in checks. */
function errorMap(issue: z.core.$ZodRawIssue): string | undefined {
  switch (issue.code) {
    case 'invalid_type':
      return issue.input === undefined
        ? 'is required'
        : `must be ${article(String(issue.expected))}`;
    case 'too_small':
      if (issue.origin === 'array' || issue.origin === 'string') {
        return Number(issue.minimum) === 1
          ? 'must not be empty'
          : `must have at least ${issue.minimum} ${
              issue.origin === 'array' ? 'items' : 'characters'
            }`;
      }
      return `must be at least ${issue.minimum}`;
    case 'too_big':
      if (issue.origin === 'array' || issue.origin === 'string') {
        return `must have at most ${issue.maximum} ${
          issue.origin === 'array' ? 'items' : 'characters'
        }`;
      }
      return `must be at most ${issue.maximum}`;
    case 'invalid_value':
      return `must be one of ${issue.values
        .map(v => JSON.stringify(v))
        .join(', ')}`;
    default:
      return undefined;
  }
}

/**
 * Validates a step's options: undefined when valid, otherwise one message
 * naming the first bad key, e.g. `http: options.url must start with …`.
 */
export function validateWith(
  type: string,
  schema: z.ZodType,
  options: unknown,
): string | undefined {
  const result = schema.safeParse(options ?? {}, { error: errorMap });
  if (result.success) return undefined;
  const issue = result.error.issues[0];
  const where = ['options', ...issue.path.map(String)].join('.');
  if (issue.code === 'unrecognized_keys') {
    return `${type}: ${where} has an unknown key ${issue.keys
      .map(k => `"${k}"`)
      .join(', ')}`;
  }
  return `${type}: ${where} ${issue.message}`;
}

/**
 * The options of a run, parsed again (the engine validated them when it
 * read the pipeline, but a run never trusts that): the options, or the
 * message of `validateWith`.
 */
export function parseOptions<T>(
  type: string,
  schema: z.ZodType<T>,
  options: JsonObject | undefined,
): { options: T } | { problem: string } {
  const result = schema.safeParse(options ?? {});
  if (result.success) return { options: result.data };
  return { problem: validateWith(type, schema, options) ?? 'invalid options' };
}
