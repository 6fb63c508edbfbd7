import type { JsonValue } from '@backstage/types';
import type { StepContext } from '../types';

/**
 * `{name}` placeholders in step options (URLs, headers, bodies, titles),
 * filled from the action and its environment. `{secret:NAME}` reads
 * `gitops.steps.secrets.NAME` and is allowed only where a value never
 * reaches a message, an output or a log (request headers).
 */
export const TEMPLATE_NAMES = [
  'environment',
  'environment.name',
  'environment.url',
  'service',
  'version',
  'action.id',
  'action.kind',
  'action.state',
  'action.requestedBy',
] as const;

const PLACEHOLDER = /\{([A-Za-z][A-Za-z0-9.]*)(?::([^{}\s]*))?\}/g;
const SECRET_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

/** A placeholder without a value at run time (no url, no such secret). */
export class TemplateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TemplateError';
  }
}

export type TemplateValues = Record<string, string | undefined>;

/** The values of the placeholders for one step run. */
export function templateValues(ctx: StepContext): TemplateValues {
  return {
    environment: ctx.environment.name,
    'environment.name': ctx.environment.name,
    'environment.url': ctx.environment.url,
    service: ctx.action.service,
    version: ctx.action.version,
    'action.id': ctx.action.id,
    'action.kind': ctx.action.kind,
    'action.state': ctx.action.state,
    'action.requestedBy': ctx.action.requestedBy,
  };
}

/** Why a template is not valid, or undefined (pipeline validation). */
export function templateProblem(
  template: string,
  opts: { secrets?: boolean } = {},
): string | undefined {
  for (const m of template.matchAll(PLACEHOLDER)) {
    const [whole, name, arg] = m;
    if (name === 'secret' && arg !== undefined) {
      if (!opts.secrets) {
        return `may not use ${whole}: secrets are allowed in headers only`;
      }
      if (!SECRET_NAME.test(arg)) {
        return `has a bad secret name in ${whole} (1-63 letters, digits, ".", "_", "-")`;
      }
      continue;
    }
    if (
      arg !== undefined ||
      !(TEMPLATE_NAMES as readonly string[]).includes(name)
    ) {
      return `has an unknown placeholder ${whole} (known: ${TEMPLATE_NAMES.map(
        n => `{${n}}`,
      ).join(', ')}${opts.secrets ? ', {secret:NAME}' : ''})`;
    }
  }
  return undefined;
}

/** The secret names a template reads. */
export function templateSecrets(template: string): string[] {
  return [...template.matchAll(PLACEHOLDER)]
    .filter(m => m[1] === 'secret' && m[2] !== undefined)
    .map(m => m[2]);
}

/**
 * Fills a template. `encode` is applied to each value (not to secrets);
 * `secret` resolves `{secret:NAME}` (undefined there: an error naming the
 * secret, never its value).
 */
export function renderTemplate(
  template: string,
  values: TemplateValues,
  opts: {
    encode?: (value: string, name: string, offset: number) => string;
    secret?: (name: string) => string | undefined;
  } = {},
): string {
  return template.replace(
    PLACEHOLDER,
    (whole, name: string, arg: string | undefined, offset: number) => {
      if (name === 'secret' && arg !== undefined) {
        const value = opts.secret?.(arg);
        if (value === undefined) {
          throw new TemplateError(
            `secret "${arg}" is not configured (gitops.steps.secrets.${arg})`,
          );
        }
        return value;
      }
      const value = values[name];
      if (value === undefined) {
        throw new TemplateError(
          name === 'environment.url'
            ? `${whole} is used but environment "${values.environment}" has no url in the pipeline file`
            : `${whole} has no value`,
        );
      }
      return opts.encode ? opts.encode(value, name, offset) : value;
    },
  );
}

/**
 * Fills a URL template: `{environment.url}` at the very start is the base
 * (kept as is, without a trailing slash); every other value is
 * URL-encoded, so a value lands inside its path segment or query value
 * and never changes the host.
 */
export function renderUrl(template: string, values: TemplateValues): string {
  return renderTemplate(template, values, {
    encode: (value, name, offset) =>
      name === 'environment.url' && offset === 0
        ? value.replace(/\/+$/, '')
        : encodeURIComponent(value),
  });
}

/** Fills every string of a JSON body (strings only: no JSON injection). */
export function renderJson(
  value: JsonValue,
  values: TemplateValues,
): JsonValue {
  if (typeof value === 'string') return renderTemplate(value, values);
  if (Array.isArray(value)) return value.map(v => renderJson(v, values));
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [
        k,
        renderJson(v as JsonValue, values),
      ]),
    );
  }
  return value;
}

/** Every string in a JSON value (for template validation). */
export function jsonStrings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(jsonStrings);
  if (value && typeof value === 'object') {
    return Object.values(value).flatMap(jsonStrings);
  }
  return [];
}
