/*
 * `/__double/*`: the test controls over HTTP, for the CLI and for processes
 * other than the one that started the double. Not GitHub; no auth, not
 * counted. JSON in, JSON out.
 *
 *   GET    /__double/requests[?route=…]     the request log
 *   GET    /__double/counts                 requests per route
 *   DELETE /__double/requests               clears the log
 *   POST   /__double/faults                 body: a FaultSpec (`match` is a route string)
 *   GET    /__double/faults                 pending fault rules
 *   DELETE /__double/faults                 removes every rule and latency
 *   POST   /__double/rate-limit             body: {remaining, resetInSeconds, limit}
 *   GET    /__double/repos/{o}/{r}/branches
 *   POST   /__double/repos/{o}/{r}/branches/{branch}   body: PushOptions (a direct push)
 *   GET    /__double/repos/{o}/{r}/pulls
 *   POST   /__double/repos/{o}/{r}/pulls/{n}/merge     body: {method?, sha?}
 *   POST   /__double/repos/{o}/{r}/pulls/{n}/close
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { GitHubApiDouble } from '../api';

function reply(res: ServerResponse, status: number, body?: unknown) {
  const text = body === undefined ? '' : JSON.stringify(body, null, 2);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

async function jsonBody(req: IncomingMessage): Promise<any> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text ? JSON.parse(text) : {};
}

export async function handleControl(
  double: GitHubApiDouble,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://double');
  const p = url.pathname.replace(/^\/__double/, '');
  const method = req.method ?? 'GET';
  let body: any;
  try {
    body = await jsonBody(req);
  } catch {
    reply(res, 400, { message: 'invalid JSON' });
    return;
  }
  try {
    if (p === '/requests' && method === 'GET') {
      reply(
        res,
        200,
        double.requests(url.searchParams.get('route') ?? undefined),
      );
    } else if (p === '/requests' && method === 'DELETE') {
      double.resetRequests();
      reply(res, 204);
    } else if (p === '/counts' && method === 'GET') {
      reply(res, 200, double.counts());
    } else if (p === '/faults' && method === 'POST') {
      double.faults.inject(body);
      reply(res, 201, double.faults.pending());
    } else if (p === '/faults' && method === 'GET') {
      reply(res, 200, double.faults.pending());
    } else if (p === '/faults' && method === 'DELETE') {
      double.faults.reset();
      reply(res, 204);
    } else if (p === '/rate-limit' && method === 'POST') {
      double.rateLimit.set(body);
      reply(res, 200, double.rateLimit.state());
    } else {
      const m = p.match(
        /^\/repos\/([^/]+\/[^/]+)\/(branches|pulls)(?:\/(.+))?$/,
      );
      if (!m) {
        reply(res, 404, { message: 'Not Found' });
        return;
      }
      const [, slug, what, rest] = m;
      if (what === 'branches' && !rest && method === 'GET') {
        reply(res, 200, await double.branches(slug));
      } else if (what === 'branches' && rest && method === 'POST') {
        const sha = await double.pushCommit(
          slug,
          decodeURIComponent(rest),
          body,
        );
        reply(res, 201, { sha });
      } else if (what === 'pulls' && !rest && method === 'GET') {
        reply(res, 200, await double.pullRequests(slug));
      } else if (
        what === 'pulls' &&
        rest?.endsWith('/merge') &&
        method === 'POST'
      ) {
        const sha = await double.mergePullRequest(
          slug,
          Number(rest.split('/')[0]),
          body,
        );
        reply(res, 200, { sha });
      } else if (
        what === 'pulls' &&
        rest?.endsWith('/close') &&
        method === 'POST'
      ) {
        await double.closePullRequest(slug, Number(rest.split('/')[0]));
        reply(res, 204);
      } else {
        reply(res, 404, { message: 'Not Found' });
      }
    }
  } catch (e: any) {
    reply(res, 409, { message: String(e?.message ?? e) });
  }
}
