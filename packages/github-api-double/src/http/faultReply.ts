/* The answers GitHub gives when it fails or rate-limits a request. */
import type { Fault } from '../control/Faults';
import type { RateLimitState } from '../control/RateLimit';
import { Reply } from './reply';

const RATE_DOCS =
  'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api';

const SERVER_MESSAGES: Record<number, string> = {
  500: 'Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

/** The reply of an injected fault (not for `reset`, which sends nothing). */
export function faultReply(
  fault: Fault,
  requestId: string,
  userId: number,
  now: () => number = Date.now,
): Reply {
  if (fault.kind === 'secondary-rate-limit') {
    return {
      status: fault.status,
      json: {
        message:
          fault.message ??
          `You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID ${requestId}.`,
        documentation_url: `https://docs.github.com/free-pro-team@latest/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits`,
      },
      headers: { 'retry-after': String(fault.retryAfter) },
    };
  }
  if (fault.kind === 'primary-rate-limit') {
    return primaryRateLimitReply(
      requestId,
      userId,
      Math.floor(now() / 1000) + fault.retryAfter,
      fault.status,
      fault.message,
    );
  }
  return {
    status: fault.status,
    json: {
      message: fault.message ?? SERVER_MESSAGES[fault.status] ?? 'Server Error',
      documentation_url: 'https://docs.github.com/rest',
    },
  };
}

/** 403 (or 429) "API rate limit exceeded" with `x-ratelimit-remaining: 0`. */
export function primaryRateLimitReply(
  requestId: string,
  userId: number,
  reset: number,
  status = 403,
  message?: string,
  state?: RateLimitState,
): Reply {
  return {
    status,
    json: {
      message:
        message ??
        `API rate limit exceeded for user ID ${userId}. If you reach out to GitHub Support for help, please include the request ID ${requestId} and timestamp ${new Date().toISOString()}.`,
      documentation_url: `${RATE_DOCS}#about-the-primary-rate-limit`,
    },
    headers: {
      'x-ratelimit-remaining': '0',
      'x-ratelimit-reset': String(reset),
      ...(state ? { 'x-ratelimit-used': String(state.used) } : {}),
    },
  };
}
