/*
 * Bounded reads of untrusted notification fields: a string longer than its
 * bound, or of the wrong type, is refused rather than truncated.
 */

export class CdPayloadError extends Error {}

/** Go templates print a missing map key as `<no value>`. */
const ABSENT = new Set(['', '<no value>', '<nil>']);

export function optionalString(
  value: unknown,
  field: string,
  max: number,
): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') {
    throw new CdPayloadError(`${field} must be a string`);
  }
  const v = value.trim();
  if (ABSENT.has(v)) return undefined;
  if (v.length > max) {
    throw new CdPayloadError(`${field} is longer than ${max} characters`);
  }
  return v;
}

export function requiredString(
  value: unknown,
  field: string,
  max: number,
): string {
  const v = optionalString(value, field, max);
  if (!v) throw new CdPayloadError(`${field} is required`);
  return v;
}

/** A Kubernetes object name or namespace (RFC 1123, at most 253). */
export function objectName(value: unknown, field: string): string {
  const v = requiredString(value, field, 253);
  if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(v)) {
    throw new CdPayloadError(`${field} is not a Kubernetes name`);
  }
  return v;
}

/** A pipeline name (service, environment, repository id): 1-63 characters. */
export function pipelineName(value: unknown, field: string) {
  const v = optionalString(value, field, 63);
  if (v && !/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(v)) {
    throw new CdPayloadError(`${field} is not a valid name`);
  }
  return v;
}

/**
 * The commit sha of a revision: Argo CD sends the sha, Flux
 * `main@sha1:<sha>` (v2) or `main/<sha>` (older).
 */
export function revisionSha(value: unknown, field: string) {
  const v = optionalString(value, field, 300);
  if (!v) return undefined;
  const sha = v.split(/[:/]/).pop()!.toLowerCase();
  if (!/^[0-9a-f]{7,64}$/.test(sha)) {
    throw new CdPayloadError(`${field} holds no commit sha`);
  }
  return sha;
}

/** An ISO 8601 time as epoch ms, else undefined. */
export function timeOf(value: unknown): number | undefined {
  if (typeof value !== 'string' || value.length > 40) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

/** How far ahead of the portal's clock a tool's clock may be. */
export const MAX_CLOCK_SKEW_MS = 5 * 60_000;

/**
 * When the tool says the event happened, else when it was received; never
 * later than a small skew past receipt, so that one event with a far-future
 * time cannot make every later event look older (and be dropped).
 */
export function eventTime(value: unknown, receivedAt: number): number {
  return Math.min(timeOf(value) ?? receivedAt, receivedAt + MAX_CLOCK_SKEW_MS);
}

export const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
