/*
 * Request validators of the Argo CD and Flux HTTP ingresses, run by the
 * events backend before anything is published: a refused request reaches no
 * subscriber. Comparisons are constant-time.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type {
  RequestDetails,
  RequestValidator,
} from '@backstage/plugin-events-node';
import { MAX_CD_EVENT_BYTES } from './types';

/** Header the Argo CD webhook service sends the shared secret in. */
export const ARGOCD_SECRET_HEADER = 'x-gitops-secret';
/** Header of Flux's generic-hmac provider: `sha256=<hex>`. */
export const FLUX_SIGNATURE_HEADER = 'x-signature';

const digest = (value: string | Buffer) =>
  createHash('sha256').update(value).digest();

/** Equal strings, in time independent of where they differ. */
export function constantTimeEqual(a: string, b: string): boolean {
  // Digests have one length, so the length of the secret is not leaked either.
  return timingSafeEqual(digest(a), digest(b));
}

function header(request: RequestDetails, name: string): string | undefined {
  const v = request.headers[name];
  return Array.isArray(v) ? undefined : v; // a repeated header is refused
}

function tooLarge(request: RequestDetails): boolean {
  return request.raw.body.length > MAX_CD_EVENT_BYTES;
}

/** Argo CD: the configured secret in the X-Gitops-Secret header. */
export function argoCdSecretValidator(secret: string): RequestValidator {
  return async (request, context) => {
    if (tooLarge(request)) {
      context.reject({
        status: 413,
        payload: { message: 'payload too large' },
      });
      return;
    }
    const given = header(request, ARGOCD_SECRET_HEADER);
    if (!given || !constantTimeEqual(given, secret)) {
      context.reject({ status: 403, payload: { message: 'invalid secret' } });
    }
  };
}

/** Flux generic-hmac: HMAC-SHA256 of the raw body in X-Signature. */
export function fluxHmacValidator(secret: string): RequestValidator {
  return async (request, context) => {
    if (tooLarge(request)) {
      context.reject({
        status: 413,
        payload: { message: 'payload too large' },
      });
      return;
    }
    const given = header(request, FLUX_SIGNATURE_HEADER) ?? '';
    const expected = `sha256=${createHmac('sha256', secret)
      .update(request.raw.body)
      .digest('hex')}`;
    if (!constantTimeEqual(given.toLowerCase(), expected)) {
      context.reject({
        status: 403,
        payload: { message: 'invalid signature' },
      });
    }
  };
}
