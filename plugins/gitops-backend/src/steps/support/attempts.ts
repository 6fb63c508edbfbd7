import type { JsonObject, JsonValue } from '@backstage/types';
import type { StepAttemptResult, StepContext, StepDefinition } from '../types';

/**
 * How the step types end an attempt that decided nothing yet: try again
 * after `intervalMs`, or fail with what was last seen once the step's
 * `timeoutSeconds` (counted from its first attempt) are spent. The check
 * always runs first, so the last attempt at the deadline still counts.
 */
export function notYet(
  step: StepDefinition,
  ctx: StepContext,
  intervalMs: number,
  result: { message: string; output?: JsonObject; state?: JsonObject },
): StepAttemptResult {
  const remaining = step.timeoutSeconds * 1000 - (Date.now() - ctx.startedAtMs);
  if (remaining <= 0) {
    return {
      status: 'failed',
      message: `timed out after ${step.timeoutSeconds}s: ${result.message}`,
      output: { ...result.output, timedOut: true },
      state: result.state,
    };
  }
  return {
    status: 'running',
    message: result.message,
    output: result.output,
    state: result.state,
    retryAfterMs: Math.max(1, Math.min(intervalMs, remaining)),
  };
}

/** The error of a thrown value, for messages. */
export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function scrub(text: string, secrets: string[]): string {
  let out = text;
  for (const s of secrets) out = out.split(s).join('***');
  return out;
}

function scrubJson(value: JsonValue, secrets: string[]): JsonValue {
  if (typeof value === 'string') return scrub(value, secrets);
  if (Array.isArray(value)) return value.map(v => scrubJson(v, secrets));
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [
        k,
        scrubJson(v as JsonValue, secrets),
      ]),
    );
  }
  return value;
}

/**
 * Replaces secret values in what a step returns: a server may echo a
 * header back (a smoke endpoint printing its request), and the message,
 * output and state reach the timeline, the audit and the database.
 */
export function withoutSecrets(
  result: StepAttemptResult,
  secrets: string[],
): StepAttemptResult {
  const used = secrets.filter(s => s.length >= 4);
  if (used.length === 0) return result;
  return {
    ...result,
    message: scrub(result.message, used),
    ...(result.output
      ? { output: scrubJson(result.output, used) as JsonObject }
      : {}),
    ...(result.state
      ? { state: scrubJson(result.state, used) as JsonObject }
      : {}),
  };
}
