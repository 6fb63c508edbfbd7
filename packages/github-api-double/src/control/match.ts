/* Which requests a counter, fault or hook applies to. */
import type { Credential } from '../apps/Apps';

/** What the double records of every request. */
export interface RequestInfo {
  /** 1, 2, … in arrival order. */
  seq: number;
  /** The `x-github-request-id` sent back. */
  requestId: string;
  method: string;
  /** As requested (may be `/repositories/{id}/…`). */
  path: string;
  query: string;
  /** Route template, e.g. `POST /repos/{owner}/{repo}/pulls`; `unknown` when no route matched. */
  route: string;
  /** `owner/name` for repository routes. */
  repo?: string;
  userAgent?: string;
  /** `token` or `bearer` (the scheme of the authorization header), or none. */
  auth?: 'token' | 'bearer';
  /**
   * The accepted credential: a personal token, a GitHub App's JWT, or an
   * installation token (with its installation and the ordinal of its
   * minting). Unset when the request was refused before.
   */
  credential?: Credential;
  accept?: string;
  ifNoneMatch?: string;
  /** The JSON body of a write. */
  body?: unknown;
  /** Status sent (undefined while in flight; 0 when the connection was reset). */
  status?: number;
  /** The injected fault, if any. */
  fault?: string;
  receivedAt: number;
  respondedAt?: number;
}

/**
 * Selects requests. A string is a route (`POST /repos/{owner}/{repo}/pulls`,
 * or without the method for any method). All given fields must match.
 */
export type RequestMatch =
  | string
  | {
      route?: string;
      method?: string;
      /** `owner/name` */
      repo?: string;
      /** Tested against the requested path. */
      path?: string | RegExp;
      /** Only requests answered with this status (counters and log only). */
      status?: number;
    };

export function matches(m: RequestMatch | undefined, r: RequestInfo): boolean {
  if (m === undefined) return true;
  const spec = typeof m === 'string' ? { route: m } : m;
  if (spec.route !== undefined) {
    if (spec.route.includes(' ')) {
      if (spec.route !== r.route) return false;
    } else if (r.route.slice(r.route.indexOf(' ') + 1) !== spec.route) {
      return false;
    }
  }
  if (spec.method !== undefined && spec.method.toUpperCase() !== r.method)
    return false;
  if (spec.repo !== undefined && spec.repo !== r.repo) return false;
  if (spec.path !== undefined) {
    const ok =
      typeof spec.path === 'string'
        ? r.path === spec.path
        : spec.path.test(r.path);
    if (!ok) return false;
  }
  if (spec.status !== undefined && spec.status !== r.status) return false;
  return true;
}
