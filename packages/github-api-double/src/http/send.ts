/*
 * Writes a reply with GitHub's headers: content type and
 * `x-github-media-type`, ETag and 304 on a matching `If-None-Match` (GETs),
 * `x-ratelimit-*`, `x-github-request-id`, cache and security headers.
 */
import { createHash } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { RateLimitState } from '../control/RateLimit';
import { Reply } from './reply';

const EXPOSE =
  'ETag, Link, Location, Retry-After, X-GitHub-OTP, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Used, X-RateLimit-Resource, X-RateLimit-Reset, X-OAuth-Scopes, X-Accepted-OAuth-Scopes, X-Poll-Interval, X-GitHub-Media-Type, X-GitHub-SSO, X-GitHub-Request-Id, Deprecation, Sunset';

/** GitHub's `x-github-request-id` format (`XXXX:XXXX:XXXXXX:XXXXXX:XXXXXXXX`, hex). */
export function requestId(seq: number): string {
  const h = createHash('sha1')
    .update(`${process.pid}:${seq}`)
    .digest('hex')
    .toUpperCase();
  return `${h.slice(0, 4)}:${h.slice(4, 8)}:${h.slice(8, 14)}:${h.slice(
    14,
    20,
  )}:${seq.toString(16).toUpperCase().padStart(8, '0')}`;
}

/** True when an `If-None-Match` list names `etag` (weak comparison, as GitHub does). */
export function etagMatches(
  ifNoneMatch: string | undefined,
  etag: string,
): boolean {
  if (!ifNoneMatch) return false;
  // Weak comparison; a bare sha (the sha media type's documented use) works too.
  const strip = (t: string) =>
    t.trim().replace(/^W\//, '').replace(/^"|"$/g, '');
  if (ifNoneMatch.trim() === '*') return true;
  return ifNoneMatch.split(',').some(t => strip(t) === strip(etag));
}

export interface RenderMeta {
  method: string;
  /** `x-accepted-oauth-scopes` of the route. */
  scopes: string;
  requestId: string;
  ifNoneMatch?: string;
}

/** A reply turned into status, headers (all but the rate-limit ones) and bytes. */
export interface Rendered {
  status: number;
  headers: Record<string, string | number>;
  body?: Buffer;
}

/** Renders `reply`; a GET whose ETag matches `If-None-Match` becomes a 304 with no body. */
export function render(reply: Reply, meta: RenderMeta): Rendered {
  let body: Buffer | undefined;
  let contentType: string | undefined;
  let mediaType = 'github.v3; format=json';
  let etag: string | undefined;
  if (reply.raw) {
    body = Buffer.isBuffer(reply.raw.body)
      ? reply.raw.body
      : Buffer.from(reply.raw.body, 'utf8');
    contentType = reply.raw.contentType;
    mediaType = reply.raw.mediaType;
    etag = reply.raw.etag;
  } else if (reply.json !== undefined) {
    body = Buffer.from(JSON.stringify(reply.json), 'utf8');
    contentType = 'application/json; charset=utf-8';
  }
  // GitHub sends an ETag with every successful body (writes too, as the
  // recordings in @octokit/fixtures show); only GETs can be answered 304.
  const cacheable = reply.status >= 200 && reply.status < 300 && !!body;
  if (cacheable && !etag) {
    etag = `W/"${createHash('sha256')
      .update(contentType ?? '')
      .update(body!)
      .digest('hex')}"`;
  }
  const headers: Record<string, string | number> = {
    server: 'github.com',
    'x-github-request-id': meta.requestId,
    'x-github-api-version-selected': '2022-11-28',
    'x-github-media-type': mediaType,
    'x-oauth-scopes': 'repo',
    'x-accepted-oauth-scopes': meta.scopes,
    'access-control-allow-origin': '*',
    'access-control-expose-headers': EXPOSE,
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'deny',
    'x-xss-protection': '0',
    'referrer-policy':
      'origin-when-cross-origin, strict-origin-when-cross-origin',
    'content-security-policy': "default-src 'none'",
    vary: 'Accept, Authorization, Cookie, X-GitHub-OTP, Accept-Encoding',
    ...(cacheable
      ? { 'cache-control': 'private, max-age=60, s-maxage=60', etag: etag! }
      : {}),
    ...reply.headers,
  };
  if (
    meta.method === 'GET' &&
    cacheable &&
    etagMatches(meta.ifNoneMatch, etag!)
  ) {
    delete headers['x-github-media-type'];
    return { status: 304, headers };
  }
  if (body) headers['content-type'] = contentType!;
  headers['content-length'] = reply.status === 204 ? 0 : body?.length ?? 0;
  return {
    status: reply.status,
    headers,
    body: reply.status === 204 ? undefined : body,
  };
}

/** Writes a rendered reply with the rate-limit headers of the moment (the reply's own headers win). */
export function write(
  res: ServerResponse,
  r: Rendered,
  rate: RateLimitState,
): void {
  res.writeHead(r.status, {
    'x-ratelimit-limit': rate.limit,
    'x-ratelimit-remaining': rate.remaining,
    'x-ratelimit-reset': rate.reset,
    'x-ratelimit-used': rate.used,
    'x-ratelimit-resource': 'core',
    ...r.headers,
  });
  res.end(r.body);
}
