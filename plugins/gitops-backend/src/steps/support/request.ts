import type { JsonValue } from '@backstage/types';
import type { OutboundRequest, StepContext } from '../types';
import {
  renderJson,
  renderTemplate,
  renderUrl,
  TemplateValues,
  templateValues,
} from './templates';

/** What the `http` and `webhook` steps send, before the templates are filled. */
export interface RequestOptions {
  method: string;
  url: string;
  headers?: Record<string, string>;
  body?: string | JsonValue;
}

/**
 * Fills the templates of a request. Header values may read secrets; the
 * values read are returned so the step can keep them out of what it
 * reports. Throws `TemplateError` (a missing url or secret).
 */
export function buildRequest(
  options: RequestOptions,
  ctx: StepContext,
  limits: { timeoutMs: number; maxBodyBytes: number },
  values: TemplateValues = templateValues(ctx),
): { request: OutboundRequest; secrets: string[] } {
  const secrets: string[] = [];
  const secret = (name: string) => {
    const value = ctx.secret(name);
    if (value !== undefined) secrets.push(value);
    return value;
  };
  const headers: Record<string, string> = {};
  for (const [name, template] of Object.entries(options.headers ?? {})) {
    headers[name] = renderTemplate(template, values, { secret });
  }
  let body: string | undefined;
  if (typeof options.body === 'string') {
    body = renderTemplate(options.body, values);
  } else if (options.body !== undefined && options.body !== null) {
    body = JSON.stringify(renderJson(options.body, values));
    if (!Object.keys(headers).some(h => h.toLowerCase() === 'content-type')) {
      headers['content-type'] = 'application/json';
    }
  }
  return {
    request: {
      method: options.method,
      url: renderUrl(options.url, values),
      headers,
      ...(body !== undefined ? { body } : {}),
      timeoutMs: limits.timeoutMs,
      maxBodyBytes: limits.maxBodyBytes,
    },
    secrets,
  };
}
