/*
 * Starts the double: an HTTP server speaking GitHub's REST API over real
 * bare Git repositories, with the test controls of {@link GitHubApiDouble}.
 */
import fs from 'node:fs/promises';
import http from 'node:http';
import { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { GitHubApiDouble, StartOptions } from './api';
import { handleControl } from './control/controlApi';
import { Faults } from './control/Faults';
import { Hooks } from './control/Hooks';
import {
  closeByHand,
  mergeByHand,
  pushCommit,
  setBranch,
  summary,
} from './control/human';
import { RateLimit } from './control/RateLimit';
import { SecondaryRateLimit } from './control/SecondaryRateLimit';
import { RequestLog } from './control/RequestLog';
import { handleRequest } from './pipeline';
import { Apps } from './apps/Apps';
import { RepoSpec, ServedRepo } from './ServedRepo';
import { DoubleUser, noreplyEmail } from './shapes/common';
import { isoNow } from './util';

function account(
  given: Partial<DoubleUser> | undefined,
  dflt: { login: string; id: number },
): DoubleUser {
  const login = given?.login ?? dflt.login;
  const id = given?.id ?? dflt.id;
  return {
    login,
    id,
    name: given?.name ?? login,
    email: given?.email ?? noreplyEmail({ id, login }),
    type: given?.type ?? 'User',
  };
}

/** Starts a double. */
export async function start(
  options: StartOptions = {},
): Promise<GitHubApiDouble> {
  const now = options.now ?? Date.now;
  const clock = () => isoNow(now);
  const ownWorkDir = !options.workDir;
  const workDir =
    options.workDir ??
    (await fs.mkdtemp(path.join(os.tmpdir(), 'github-api-double-')));
  await fs.mkdir(workDir, { recursive: true });
  const html = (options.htmlBaseUrl ?? 'https://github.com').replace(
    /\/+$/,
    '',
  );
  const user = account(options.user, { login: 'gitops-bot', id: 4001 });
  const human = account(options.humanUser, { login: 'octocat', id: 583231 });

  const repos = new Map<string, ServedRepo>();
  let nextRepoId = 100_001;
  let nextObjectId = 1_000_000_001;
  const addRepository = async (spec: RepoSpec) => {
    const repo = await ServedRepo.create(spec, {
      id: nextRepoId++,
      workDir,
      clock,
      nextId: () => nextObjectId++,
    });
    repos.set(repo.slug.toLowerCase(), repo);
  };
  for (const spec of options.repos ?? []) await addRepository(spec);
  const repoOf = (slug: string) => {
    const r = repos.get(slug.toLowerCase());
    if (!r) throw new Error(`github-api-double serves no repository ${slug}`);
    return r;
  };

  const apps = new Apps(
    options.apps ?? [],
    now,
    () => [...repos.values()].map(r => r.owner),
    clock(),
  );
  const log = new RequestLog();
  const faults = new Faults();
  const hooks = new Hooks();
  const rate = new RateLimit(
    options.rateLimit?.limit,
    options.rateLimit?.windowSeconds,
    now,
  );
  const secondary = new SecondaryRateLimit(options.secondaryRateLimit, now);
  let url = '';
  const deps = {
    api: () => url,
    html,
    user,
    token: options.token,
    repoBySlug: (s: string) => repos.get(s.toLowerCase()),
    repoById: (id: number) => [...repos.values()].find(r => r.id === id),
    repos: () => [...repos.values()],
    apps,
    log,
    faults,
    hooks,
    rate,
    secondary,
    now,
    onRequest: options.onRequest,
  };

  const double: GitHubApiDouble = {
    get url() {
      return url;
    },
    port: 0,
    workDir,
    close: async () => undefined,
    addRepository,
    git: slug => repoOf(slug).git,
    requests: match => log.list(match),
    count: match => log.count(match),
    counts: () => log.counts(),
    resetRequests: () => log.reset(),
    nextRequest: match => log.next(match),
    faults,
    rateLimit: { state: () => rate.state(), set: o => rate.set(o) },
    secondaryRefused: () => secondary.refused,
    apps: {
      installations: appId => apps.installations(appId),
      mintedTokens: () => apps.mintedTokens(),
    },
    setCommitChecks: (slug, sha, contexts) => {
      repoOf(slug).checks.set(sha, contexts);
    },
    afterEffect: (match, hook, o) => hooks.add(match, hook, o),
    branchHead: async (slug, branch) =>
      (await repoOf(slug).git.readRef(`refs/heads/${branch}`))?.sha,
    branches: async slug => {
      const out: Record<string, string> = {};
      for (const r of await repoOf(slug).git.listRefs('refs/heads')) {
        out[r.ref.slice('refs/heads/'.length)] = r.sha;
      }
      return out;
    },
    readFile: async (slug, ref, file) => {
      const git = repoOf(slug).git;
      const sha = await git.resolveCommit(ref);
      const entry = sha ? await git.entry(sha, file) : undefined;
      if (!entry || entry.type !== 'blob') return undefined;
      return (await git.readBlob(entry.sha)).toString('utf8');
    },
    pushCommit: (slug, branch, o) =>
      pushCommit(repoOf(slug), branch, o, human, clock),
    setBranch: (slug, branch, sha) => setBranch(repoOf(slug), branch, sha),
    pullRequests: async slug => {
      const repo = repoOf(slug);
      return (await repo.pulls.all()).map(pr => summary(repo, html, pr));
    },
    pullRequest: async (slug, n) => {
      const repo = repoOf(slug);
      const pr = await repo.pulls.get(n);
      return pr ? summary(repo, html, pr) : undefined;
    },
    mergePullRequest: (slug, n, o = {}) =>
      mergeByHand(repoOf(slug), n, o, human),
    closePullRequest: (slug, n) => closeByHand(repoOf(slug), n),
  };

  const server = http.createServer((req, res) => {
    const work =
      options.controlApi && (req.url ?? '').startsWith('/__double/')
        ? handleControl(double, req, res)
        : handleRequest(deps, req, res);
    work.catch(e => {
      if (!res.headersSent) {
        res.writeHead(500, {
          'content-type': 'application/json; charset=utf-8',
        });
        res.end(
          JSON.stringify({
            message: `github-api-double: ${String(e?.message ?? e)}`,
            documentation_url: 'https://docs.github.com/rest',
          }),
        );
      } else {
        res.destroy();
      }
    });
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  (double as { port: number }).port = port;
  double.close = async () => {
    server.closeAllConnections();
    await new Promise<void>(resolve => server.close(() => resolve()));
    if (ownWorkDir) await fs.rm(workDir, { recursive: true, force: true });
  };
  return double;
}
