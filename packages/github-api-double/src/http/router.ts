/*
 * Route templates in GitHub's (and Octokit's) spelling, e.g.
 * `PATCH /repos/{owner}/{repo}/git/refs/{ref}`. A parameter written `{x+}`
 * takes the rest of the path (one segment or more, slashes kept), `{x*}` the
 * rest or nothing. The request log and counters use the spelling without
 * `+`/`*`.
 */

export interface RouteSpec<H> {
  method: string;
  /** e.g. `/repos/{owner}/{repo}/git/refs/{ref+}` */
  path: string;
  handler: H;
  /** Changes state: runs one at a time per repository. */
  write?: boolean;
  /** `documentation_url` of this route's errors. */
  docs?: string;
  /** `x-accepted-oauth-scopes` (default `repo`). */
  scopes?: string;
}

export interface RouteMatch<H> {
  spec: RouteSpec<H>;
  /** `METHOD /template` as counted, e.g. `GET /repos/{owner}/{repo}/commits/{ref}`. */
  route: string;
  params: Record<string, string>;
}

/** `{ref+}` → `{ref}` */
export const routeName = (method: string, path: string) =>
  `${method} ${path.replace(/\{(\w+)[+*]\}/g, '{$1}')}`;

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function matchPath(
  template: string[],
  segments: string[],
): Record<string, string> | undefined {
  const params: Record<string, string> = {};
  for (let i = 0; i < template.length; i++) {
    const t = template[i];
    const m = t.match(/^\{(\w+)([+*]?)\}$/);
    if (!m) {
      if (segments[i] !== t) return undefined;
      continue;
    }
    const [, name, rest] = m;
    if (rest) {
      const tail = segments.slice(i);
      if (rest === '+' && tail.length === 0) return undefined;
      params[name] = tail.map(decode).join('/');
      return params;
    }
    if (segments[i] === undefined) return undefined;
    params[name] = decode(segments[i]);
  }
  return segments.length === template.length ? params : undefined;
}

/** Finds the route of a request; `methodMismatch` when only the method differs. */
export function matchRoute<H>(
  routes: RouteSpec<H>[],
  method: string,
  pathname: string,
): RouteMatch<H> | { methodMismatch: true } | undefined {
  const segments = pathname.split('/').filter(s => s.length > 0);
  let otherMethod = false;
  for (const spec of routes) {
    const params = matchPath(
      spec.path.split('/').filter(s => s.length > 0),
      segments,
    );
    if (!params) continue;
    if (spec.method !== method) {
      otherMethod = true;
      continue;
    }
    return { spec, route: routeName(spec.method, spec.path), params };
  }
  return otherMethod ? { methodMismatch: true } : undefined;
}
