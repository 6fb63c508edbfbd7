/*
 * One request, in GitHub's order: log and count it, latency, authentication
 * (401), primary rate limit (403), secondary rate limit (403 with
 * `retry-after`, when configured), injected fault, the handler (writes one
 * at a time per repository), after-effect hooks, a fault injected after the
 * effect, then the response with its ETag (304) and rate-limit headers.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Apps, Credential } from './apps/Apps';
import { APP_ROUTES, AppRouteSpec } from './handlers/apps';
import type { Faults } from './control/Faults';
import type { Hooks } from './control/Hooks';
import type { RequestInfo } from './control/match';
import type { RateLimit } from './control/RateLimit';
import { SecondaryRateLimit } from './control/SecondaryRateLimit';
import type { RequestLog } from './control/RequestLog';
import type { Ctx, Handler } from './http/context';
import { faultReply, primaryRateLimitReply } from './http/faultReply';
import { graphql } from './handlers/graphql';
import { ApiError, Reply } from './http/reply';
import { matchRoute, RouteMatch } from './http/router';
import { render, requestId, write } from './http/send';
import { REPO_ROUTES } from './routes';
import type { ServedRepo } from './ServedRepo';
import type { DoubleUser } from './shapes/common';
import { isoNow } from './util';

export interface PipelineDeps {
  api: () => string;
  html: string;
  user: DoubleUser;
  token?: string;
  repoBySlug(slug: string): ServedRepo | undefined;
  repoById(id: number): ServedRepo | undefined;
  repos(): ServedRepo[];
  apps: Apps;
  log: RequestLog;
  faults: Faults;
  hooks: Hooks;
  rate: RateLimit;
  secondary: SecondaryRateLimit;
  now: () => number;
  onRequest?: (r: RequestInfo) => void;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

interface Target {
  pathname: string;
  repo?: ServedRepo;
  repoSlug?: string;
  subPath: string;
  match?: RouteMatch<Handler>;
  /** A GitHub App route (`/app/…`, `/installation/…`, a repository's installation). */
  appMatch?: RouteMatch<AppHandler>;
  route: string;
}

type AppHandler = AppRouteSpec['handler'];

/** Maps a path (also `/repositories/{id}/…` and `/api/v3/…`) to its repository and route. */
function target(deps: PipelineDeps, method: string, rawPath: string): Target {
  let pathname = rawPath.replace(/^\/api\/v3(?=\/)/, '');
  const byId = pathname.match(/^\/repositories\/(\d+)(\/.*)?$/);
  if (byId) {
    const repo = deps.repoById(Number(byId[1]));
    if (repo) pathname = `/repos/${repo.owner}/${repo.name}${byId[2] ?? ''}`;
  }
  if (method === 'GET' && pathname === '/rate_limit') {
    return { pathname, subPath: '', route: 'GET /rate_limit' };
  }
  if (method === 'POST' && /^(\/api)?\/graphql$/.test(pathname)) {
    return { pathname, subPath: '', route: 'POST /graphql' };
  }
  const app = matchRoute(APP_ROUTES, method, pathname);
  if (app && 'spec' in app) {
    return {
      pathname,
      subPath: '',
      appMatch: app,
      route: app.route,
      repoSlug: app.params.owner
        ? `${app.params.owner}/${app.params.repo}`
        : undefined,
    };
  }
  const m = pathname.match(/^\/repos\/([^/]+)\/([^/]+)(\/.*)?$/);
  if (!m) return { pathname, subPath: '', route: 'unknown' };
  const slug = `${decodeURIComponent(m[1])}/${decodeURIComponent(m[2])}`;
  const found = matchRoute(REPO_ROUTES, method, pathname);
  const match = found && 'spec' in found ? found : undefined;
  return {
    pathname,
    repo: deps.repoBySlug(slug),
    repoSlug: slug,
    subPath: (m[3] ?? '').replace(/\/+$/, ''),
    match,
    route: match?.route ?? 'unknown',
  };
}

function authOf(header: string | undefined): {
  scheme?: 'token' | 'bearer';
  token?: string;
} {
  const m = String(header ?? '').match(/^(token|bearer)\s+(\S+)\s*$/i);
  if (!m) return {};
  return { scheme: m[1].toLowerCase() as 'token' | 'bearer', token: m[2] };
}

export async function handleRequest(
  deps: PipelineDeps,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const method = (req.method ?? 'GET').toUpperCase();
  const url = new URL(req.url ?? '/', 'http://double');
  const t = target(deps, method, url.pathname);
  const auth = authOf(req.headers.authorization);
  const seq = deps.log.nextSeq();
  const rid = requestId(seq);
  const rawBody = await readBody(req);
  const info: RequestInfo = {
    seq,
    requestId: rid,
    method,
    path: url.pathname,
    query: url.search,
    route: t.route,
    repo: t.repoSlug,
    userAgent: req.headers['user-agent'],
    auth: auth.scheme,
    accept: req.headers.accept,
    ifNoneMatch: req.headers['if-none-match'] as string | undefined,
    receivedAt: deps.now(),
  };
  // Recorded before anything can fail, so faulted writes show their body too.
  let body: unknown;
  let badJson = false;
  if (rawBody.length > 0 && method !== 'GET') {
    try {
      body = JSON.parse(rawBody.toString('utf8'));
      info.body = body;
    } catch {
      badJson = true;
    }
  }
  deps.log.add(info);
  deps.onRequest?.(info);

  const docs =
    t.match?.spec.docs ??
    t.appMatch?.spec.docs ??
    'https://docs.github.com/rest';
  const finish = (reply: Reply, fault?: string) => {
    const scopes = t.match ? t.match.spec.scopes ?? 'repo' : '';
    const rendered = render(reply, {
      scopes,
      method,
      requestId: rid,
      ifNoneMatch: info.ifNoneMatch,
    });
    // GitHub does not charge 304s, nor /rate_limit.
    if (rendered.status !== 304 && t.route !== 'GET /rate_limit')
      deps.rate.spend();
    write(res, rendered, deps.rate.state());
    deps.log.done(info, rendered.status, fault);
  };
  const fail = (e: ApiError) => finish(e.toReply(docs));

  const latency = deps.faults.latencyFor(info);
  if (latency > 0) await sleep(latency);

  if (!auth.token) {
    fail(new ApiError(401, 'Requires authentication'));
    return;
  }
  const verdict = deps.apps.authenticate(
    auth.token,
    (t.appMatch?.spec as AppRouteSpec | undefined)?.auth,
    deps.token,
  );
  if (!verdict.ok) {
    fail(new ApiError(verdict.status, verdict.message));
    return;
  }
  const credential: Credential = verdict.credential;
  info.credential = credential;
  if (deps.rate.exhausted() && t.route !== 'GET /rate_limit') {
    const state = deps.rate.state();
    finish(
      primaryRateLimitReply(
        rid,
        deps.user.id,
        state.reset,
        403,
        undefined,
        state,
      ),
    );
    return;
  }
  if (t.route !== 'GET /rate_limit') {
    const taken = deps.secondary.take(
      SecondaryRateLimit.pointsOf(
        method,
        t.route === 'POST /graphql' ? body ?? {} : undefined,
      ),
    );
    if (!taken.ok) {
      finish(
        faultReply(
          {
            kind: 'secondary-rate-limit',
            status: 403,
            retryAfter: taken.retryAfter,
          },
          rid,
          deps.user.id,
          deps.now,
        ),
        'secondary-rate-limit',
      );
      return;
    }
  }
  const injected = (phase: 'before' | 'after'): boolean => {
    const fault = deps.faults.take(info, phase);
    if (!fault) return false;
    const label = `${phase}:${fault.kind}:${fault.status}`;
    if (fault.kind === 'reset') {
      res.socket?.destroy();
      res.destroy();
      deps.log.done(info, 0, label);
      return true;
    }
    finish(faultReply(fault, rid, deps.user.id, deps.now), label);
    return true;
  };
  if (injected('before')) return;

  if (badJson) {
    fail(new ApiError(400, 'Problems parsing JSON'));
    return;
  }
  if (t.appMatch) {
    const appSpec = t.appMatch.spec;
    let reply: Reply;
    try {
      reply = await appSpec.handler({
        params: t.appMatch.params,
        query: url.searchParams,
        body: body ?? {},
        api: deps.api(),
        html: deps.html,
        apps: deps.apps,
        credential,
        repoBySlug: deps.repoBySlug,
        repos: deps.repos,
      });
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      reply = e.toReply(docs);
    }
    finish(reply);
    return;
  }
  if (t.route === 'POST /graphql') {
    const { reply, cost } = await graphql(body, deps.repoBySlug);
    // `finish` spends 1; a GraphQL query costs its points.
    if (cost > 1) deps.rate.spend(cost - 1);
    finish(reply);
    return;
  }
  if (t.route === 'GET /rate_limit') {
    const core = deps.rate.state();
    finish({
      status: 200,
      json: {
        resources: {
          core,
          search: { limit: 30, remaining: 30, reset: core.reset, used: 0 },
          graphql: { ...core },
        },
        rate: core,
      },
    });
    return;
  }
  if (!t.match || !t.repo) {
    fail(new ApiError(404, 'Not Found'));
    return;
  }
  if (credential.kind === 'installation-token') {
    const refusal = installationRefusal(
      deps.apps,
      credential,
      t.repo,
      t.match.spec,
      method,
    );
    if (refusal) {
      fail(refusal);
      return;
    }
  }
  const repo = t.repo;
  const ctx: Ctx = {
    method,
    params: t.match.params,
    query: url.searchParams,
    body: body ?? {},
    headers: req.headers,
    user: deps.user,
    api: deps.api(),
    html: deps.html,
    repo,
    urls: repo.urls(deps.api(), deps.html),
    subPath: t.subPath,
    now: () => isoNow(deps.now),
  };
  const spec = t.match.spec;
  const run = async (): Promise<Reply> => {
    try {
      return await spec.handler(ctx);
    } catch (e) {
      if (e instanceof ApiError) return e.toReply(docs);
      throw e;
    }
  };
  const reply = spec.write ? await repo.lock.run(run) : await run();
  await deps.hooks.run(info, { status: reply.status, body: reply.json });
  if (injected('after')) return;
  finish(reply);
}

/**
 * What an installation token may not do on a repository route: reach a
 * repository outside its installation (404, as GitHub hides it), or act
 * beyond the installation's permissions (403). Pull requests need
 * `pull_requests`; merging one, git data, commits and contents need
 * `contents`; writes need `write`.
 */
function installationRefusal(
  apps: Apps,
  credential: Extract<Credential, { kind: 'installation-token' }>,
  repo: ServedRepo,
  spec: { path: string; write?: boolean },
  method: string,
): ApiError | undefined {
  const i = apps.installation(credential.installationId);
  if (!i || !apps.covers(i, repo.owner, repo.name)) {
    return new ApiError(404, 'Not Found');
  }
  const merge = method === 'PUT' && spec.path.endsWith('/merge');
  let permission = 'metadata';
  if (spec.path !== '/repos/{owner}/{repo}') {
    permission =
      spec.path.includes('/pulls') && !merge ? 'pull_requests' : 'contents';
  }
  const need = spec.write ? 'write' : 'read';
  const has = i.permissions[permission];
  if (has === 'write' || has === need) return undefined;
  return new ApiError(403, 'Resource not accessible by integration');
}
