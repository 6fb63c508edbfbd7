import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { OutboundRequest, OutboundResponse } from '../types';
import { TargetPolicy, TargetPolicyConfig } from './TargetPolicy';
import { TargetRefusedError } from './TargetRefusedError';

/** The outbound part of `gitops.steps` (config.ts). */
export interface OutboundConfig extends TargetPolicyConfig {
  /** Upper bound of any request's `maxBodyBytes`. Default 1 MiB. */
  maxResponseBytes?: number;
  /** Redirects followed, each to a listed target. 0 to 3, default 3. */
  maxRedirects?: number;
}

/** What the engine adds per step run. */
export interface OutboundFetchOptions {
  /** Cancels the request (the step's cancellation). */
  signal?: AbortSignal;
  /** URLs of the pipeline's environments (`allowEnvironmentUrls`). */
  environmentUrls?: string[];
}

/** `ctx.fetch` before the engine binds a step's signal and environments. */
export type OutboundFetch = (
  request: OutboundRequest,
  options?: OutboundFetchOptions,
) => Promise<OutboundResponse>;

export type LookupAll = (
  hostname: string,
) => Promise<Array<{ address: string; family: number }>>;

const defaultLookup: LookupAll = hostname =>
  dns.promises.lookup(hostname, { all: true, verbatim: true });

const REDIRECTS = [301, 302, 303, 307, 308];
/** Set by the client itself: a caller's value could confuse the server. */
const RESERVED_HEADERS = [
  'host',
  'content-length',
  'transfer-encoding',
  'connection',
  'upgrade',
];
/** Headers kept on a redirect to another origin (the rest may carry secrets). */
const CROSS_ORIGIN_SAFE = ['accept', 'content-type', 'user-agent'];

/**
 * The HTTP client of the steps (`ctx.fetch`): every target, redirects
 * included, is checked against `gitops.steps.allowedTargets` and every
 * address its name resolves to is checked for private ranges before a
 * byte is sent; the connection then goes to the checked address (no
 * second lookup that DNS rebinding could answer differently). Bodies are
 * read up to `maxBodyBytes`, the rest is dropped; `timeoutMs` bounds the
 * whole exchange. A refused target throws `TargetRefusedError`; a network
 * failure or timeout throws a plain Error.
 */
export function createOutboundFetch(
  config: OutboundConfig,
  deps: { lookup?: LookupAll } = {},
): OutboundFetch {
  const policy = new TargetPolicy(config);
  const lookup = deps.lookup ?? defaultLookup;
  const maxResponseBytes = config.maxResponseBytes ?? 1024 * 1024;
  const maxRedirects = Math.min(3, Math.max(0, config.maxRedirects ?? 3));

  return async (request, options = {}) => {
    const signals = [AbortSignal.timeout(Math.max(1, request.timeoutMs))];
    if (options.signal) signals.push(options.signal);
    const signal = AbortSignal.any(signals);
    const maxBodyBytes = Math.max(
      0,
      Math.min(request.maxBodyBytes, maxResponseBytes),
    );

    let url = request.url;
    let method = request.method.toUpperCase();
    let body = request.body;
    let headers = Object.fromEntries(
      Object.entries(request.headers ?? {}).filter(
        ([k]) => !RESERVED_HEADERS.includes(k.toLowerCase()),
      ),
    );
    for (let hop = 0; ; hop++) {
      const match = policy.checkUrl(url, options.environmentUrls);
      let address: { address: string; family: number };
      if (match.literal) {
        policy.checkAddress(match, match.host);
        address = { address: match.host, family: net.isIP(match.host) };
      } else {
        const addresses = await withSignal(lookup(match.host), signal).catch(
          e => {
            if (signal.aborted) throw timeoutError(request, signal, e);
            throw new Error(
              `could not resolve ${match.host}: ${(e as Error).message}`,
            );
          },
        );
        if (addresses.length === 0) {
          throw new Error(`could not resolve ${match.host}: no address`);
        }
        // Every address, not only the first: the resolver may hand out
        // another one next time.
        for (const a of addresses) policy.checkAddress(match, a.address);
        address = addresses[0];
      }

      const response = await send(
        match.url,
        address,
        { method, headers, body },
        signal,
        maxBodyBytes,
      ).catch(e => {
        if (signal.aborted) throw timeoutError(request, signal, e);
        throw e;
      });

      const location = response.headers.location;
      if (!REDIRECTS.includes(response.status) || !location) return response;
      let next: URL;
      try {
        next = new URL(location, match.url);
      } catch {
        throw new TargetRefusedError(
          location,
          `redirect from ${match.url.href} to an invalid URL`,
        );
      }
      if (hop >= maxRedirects) {
        throw new TargetRefusedError(
          next.href,
          `more than ${maxRedirects} redirects (from ${request.url})`,
        );
      }
      if (next.origin !== match.url.origin) {
        headers = Object.fromEntries(
          Object.entries(headers).filter(([k]) =>
            CROSS_ORIGIN_SAFE.includes(k.toLowerCase()),
          ),
        );
      }
      if (
        response.status === 303 ||
        ((response.status === 301 || response.status === 302) &&
          method === 'POST')
      ) {
        method = method === 'HEAD' ? 'HEAD' : 'GET';
        body = undefined;
      }
      url = next.href;
    }
  };
}

function timeoutError(
  request: OutboundRequest,
  signal: AbortSignal,
  cause: unknown,
): Error {
  const reason = signal.reason as { name?: string; message?: string };
  if (reason?.name === 'TimeoutError') {
    return new Error(`no answer within ${request.timeoutMs} ms`);
  }
  return new Error(
    `request cancelled (${reason?.message ?? (cause as Error)?.message})`,
  );
}

function withSignal<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      v => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      e => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

function send(
  url: URL,
  address: { address: string; family: number },
  req: { method: string; headers: Record<string, string>; body?: string },
  signal: AbortSignal,
  maxBodyBytes: number,
): Promise<OutboundResponse> {
  const client = url.protocol === 'https:' ? https : http;
  const hostname = url.hostname.replace(/^\[(.*)\]$/, '$1');
  return new Promise<OutboundResponse>((resolve, reject) => {
    const outgoing = client.request(
      {
        protocol: url.protocol,
        host: hostname,
        // TLS checks the certificate against the name, not the address.
        servername: net.isIP(hostname) ? undefined : hostname,
        port: url.port || undefined,
        path: `${url.pathname}${url.search}`,
        method: req.method,
        headers: {
          'user-agent': 'gitops-steps',
          ...req.headers,
          ...(req.body !== undefined
            ? { 'content-length': String(Buffer.byteLength(req.body)) }
            : {}),
        },
        // The checked address, whatever a second lookup would say.
        lookup: (_host, opts, cb) => {
          if ((opts as { all?: boolean }).all) {
            (cb as unknown as (e: null, a: (typeof address)[]) => void)(null, [
              address,
            ]);
          } else {
            cb(null, address.address, address.family);
          }
        },
        agent: false,
        signal,
      },
      res => {
        const chunks: Buffer[] = [];
        let kept = 0;
        let truncated = false;
        const finish = () => {
          resolve({
            status: res.statusCode ?? 0,
            headers: Object.fromEntries(
              Object.entries(res.headers).map(([k, v]) => [
                k,
                Array.isArray(v) ? v.join(', ') : String(v ?? ''),
              ]),
            ),
            body: Buffer.concat(chunks).toString('utf8'),
            truncated,
          });
        };
        res.on('data', (chunk: Buffer) => {
          if (truncated) return;
          const room = maxBodyBytes - kept;
          if (chunk.length > room) {
            if (room > 0) chunks.push(chunk.subarray(0, room));
            kept = maxBodyBytes;
            truncated = true;
            // Drop the rest: stop reading and close the connection.
            res.destroy();
            finish();
            return;
          }
          chunks.push(chunk);
          kept += chunk.length;
        });
        res.on('end', () => {
          if (!truncated) finish();
        });
        res.on('error', e => {
          if (!truncated) reject(e);
        });
      },
    );
    outgoing.on('error', reject);
    outgoing.end(req.body);
  });
}
