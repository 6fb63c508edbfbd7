/*
 * GitHub requests per correlated rollout, counted on a GitHub double (msw in
 * Node), and the GitHub requests caused by repeated views of the GitOps tab.
 *
 *   yarn bench:correlation-github [--services 3] [--releases 100] [--views 20]
 *                                 [--backfill] [--share 0.5] [--repos-per-query 5]
 *
 * The double enforces GitHub's rate limits: the primary hourly limit (5000
 * points, `x-ratelimit-*` headers on every answer, 403 when spent; a
 * GraphQL query costs GitHub's points) and the secondary limit (900 points
 * per minute, 403 with `retry-after`), with the classes of
 * packages/github-api-double. `--backfill` correlates through the backfill
 * (GraphQL history pages, several repositories per query) instead of
 * requests per rollout, and prints amortized requests per rollout and the
 * peak requests per hour against the limits.
 *
 * Generates, deterministically:
 *  - for each service, a source history on GitHub (in memory): squash-merged
 *    pull requests, merge commits of multi-commit branches, direct commits,
 *    a commit in two pull requests (backport), issue keys in commit messages,
 *    PR titles, bodies and branch names;
 *  - a GitOps repository (git fast-import) with a pipeline dev → qa → staging
 *    → prod (prod-us + prod-eu): each release (image tag = short sha of the
 *    source head) goes to dev, promotions follow with lags and skips, ~3% of
 *    the prod promotions are rolled back; some commits carry a
 *    Gitops-Source-Commit trailer.
 * Then ingests it (RepositoryIngester + LocalGitSource, SQLite in memory),
 * correlates every rollout with the real Correlator through
 * GitHubSourceRepository / GitHubGitSource (Octokit) against the double,
 * attributing each request to the rollout being correlated, and prints
 * median / p95 / max / total per rollout and by route. Finally it serves the
 * tab N times through the real service layer (history page, change set of
 * each rollout of the page, feature lookup, pending changes per environment)
 * and prints the GitHub requests those views caused.
 */
import { createHash } from 'node:crypto';
import { spawnSync, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import knexFactory from 'knex';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import type { Entity } from '@backstage/catalog-model';
import { ConfigReader } from '@backstage/config';
import {
  GqlObject,
  RateLimit,
  runGraphQL,
  SecondaryRateLimit,
} from '@gitops2/github-api-double';
import { readGitopsConfig } from '../src/config';
import { RateBudget } from '../src/correlation/backfill/RateBudget';
import { Correlator } from '../src/correlation/Correlator';
import { CorrelationWrite } from '../src/correlation/CorrelationStore';
import { GitHubSourceRepository } from '../src/correlation/GitHubSourceRepository';
import { SourceRepositoryResolver } from '../src/correlation/sourceRepositories';
import { LedgerStore } from '../src/database/LedgerStore';
import { GitHubGitSource } from '../src/git/GitHubGitSource';
import { LocalGitSource } from '../src/git/LocalGitSource';
import { RepositoryIngester } from '../src/ingestion/RepositoryIngester';
import { createDefaultLocatorRegistry } from '../src/locators/VersionLocatorRegistry';
import { CorrelationService } from '../src/service/CorrelationService';
import { GitopsService } from '../src/service/GitopsService';

const argv = process.argv.slice(2);
const opt = (name: string, def: number) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? Number(argv[i + 1]) : def;
};
const SERVICE_NAMES = ['cart', 'checkout', 'catalog', 'search', 'payments'];
const SERVICES = SERVICE_NAMES.slice(0, Math.min(5, opt('services', 3)));
const RELEASES = opt('releases', 100);
const VIEWS = opt('views', 20);
const BACKFILL = argv.includes('--backfill');
const SHARE = opt('share', 0.5);
const REPOS_PER_QUERY = opt('repos-per-query', 5);
const HOURLY_LIMIT = 5000;
const SECONDARY_POINTS_PER_MINUTE = 900;
const ENVS = ['dev', 'qa', 'staging', 'prod-us', 'prod-eu'];
const API = 'https://api.github.com';
const TOKEN = 'ghp_BENCHtoken0123456789abcdefabcdef';
const PROJECT: Record<string, string> = {
  cart: 'CART',
  checkout: 'CHK',
  catalog: 'CAT',
  search: 'SRCH',
  payments: 'PAY',
};

const silentLogger: any = {
  info() {},
  warn(m: string) {
    process.stderr.write(`warn: ${m}\n`);
  },
  error() {},
  debug() {},
  child() {
    return silentLogger;
  },
};

function rng(seed: number) {
  let x = seed;
  return (n: number) => {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    return x % n;
  };
}

const short = (sha: string) => sha.slice(0, 12);

// --- source histories (what the GitHub double serves) ----------------------

interface SrcCommit {
  sha: string;
  parents: string[];
  index: number;
  message: string;
  author: string;
  date: string;
}

interface HostedPr {
  number: number;
  title: string;
  body: string;
  headRefName: string;
}

class SourceRepo {
  readonly commits: SrcCommit[] = [];
  readonly bySha = new Map<string, SrcCommit>();
  readonly byShort = new Map<string, string>();
  readonly prsOf = new Map<string, HostedPr[]>();
  /** Versions released, oldest first (full shas of main). */
  readonly releases: string[] = [];
  head = '';
  private t = Date.parse('2026-01-05T09:00:00Z');

  constructor(readonly name: string) {}

  add(message: string, parents: string[], author: string): string {
    const index = this.commits.length;
    const sha = createHash('sha1')
      .update(`${this.name}/${index}/${message}`)
      .digest('hex');
    this.t += 37 * 60_000;
    const c: SrcCommit = {
      sha,
      parents,
      index,
      message,
      author,
      date: new Date(this.t).toISOString(),
    };
    this.commits.push(c);
    this.bySha.set(sha, c);
    this.byShort.set(short(sha), sha);
    return sha;
  }

  associate(sha: string, pr: HostedPr) {
    this.prsOf.set(sha, [...(this.prsOf.get(sha) ?? []), pr]);
  }

  /** Ancestors of `sha`, itself included. */
  reachable(sha: string): Set<string> {
    const seen = new Set<string>();
    const stack = [sha];
    while (stack.length) {
      const s = stack.pop()!;
      if (seen.has(s)) continue;
      seen.add(s);
      stack.push(...this.bySha.get(s)!.parents);
    }
    return seen;
  }
}

const AUTHORS = ['Ada', 'Brian', 'Chloé', 'Dmitri', 'Eun-ji', 'Farah', 'Gus'];

function generateSource(name: string, releases: number, seed: number) {
  const repo = new SourceRepo(name);
  const r = rng(seed);
  const key = PROJECT[name];
  let pr = 100;
  let issue = 1000;
  const author = () => AUTHORS[r(AUTHORS.length)];
  repo.head = repo.add('chore: scaffold', [], 'Ada');
  repo.releases.push(repo.head);
  while (repo.releases.length < releases) {
    const p = r(100);
    // A follow-up on the same issue 30% of the time: keys shared by a few commits.
    if (r(10) >= 3) issue++;
    const k = `${key}-${issue}`;
    const n = ++pr;
    if (p < 45) {
      // Squash merge; the key is in the message, the body or only the branch.
      const where = r(3);
      const msg = `feat: change ${n} (#${n})${
        where === 0 ? `\n\nCloses ${k}` : ''
      }`;
      repo.head = repo.add(msg, [repo.head], author());
      repo.associate(repo.head, {
        number: n,
        title: `Change ${n}${where === 1 ? ` [${k}]` : ''}`,
        body: where === 1 ? `Implements ${k}` : 'See the ticket',
        headRefName: where === 2 ? `${k}-change-${n}` : `feature/change-${n}`,
      });
    } else if (p < 75) {
      // A branch of 1-4 commits merged with a merge commit.
      const prInfo = {
        number: n,
        title: `Feature ${n}`,
        body: `Part of ${k}`,
        headRefName: `${k}-feature-${n}`,
      };
      let tip = repo.head;
      const len = 1 + r(4);
      for (let j = 0; j < len; j++) {
        tip = repo.add(
          `${j === 0 ? `${k}: ` : ''}wip ${n}.${j}`,
          [tip],
          author(),
        );
        repo.associate(tip, prInfo);
      }
      repo.head = repo.add(
        `Merge pull request #${n} from acme/${k}-feature-${n}`,
        [repo.head, tip],
        author(),
      );
      repo.associate(repo.head, prInfo);
    } else if (p < 90) {
      repo.head = repo.add(
        r(2) ? `fix: typo in ${k}` : 'chore(deps): bump',
        [repo.head],
        author(),
      );
    } else {
      // One commit in two pull requests (the change and its backport).
      repo.head = repo.add(`fix: change ${n} (#${n})`, [repo.head], author());
      repo.associate(repo.head, {
        number: n,
        title: `Fix ${n}`,
        body: `Fixes ${k}`,
        headRefName: `fix-${n}`,
      });
      repo.associate(repo.head, {
        number: ++pr,
        title: `Backport #${n}`,
        body: `Backport of #${n} for ${k}`,
        headRefName: `backport-${n}`,
      });
    }
    if (r(100) < 40) repo.releases.push(repo.head);
  }
  return repo;
}

// --- the GitHub double -------------------------------------------------------

type Route = 'commit' | 'compare' | 'list' | 'graphql' | 'other';

class GitHubDouble {
  readonly counts: Record<Route, number> = {
    commit: 0,
    compare: 0,
    list: 0,
    graphql: 0,
    other: 0,
  };
  readonly primary = new RateLimit(HOURLY_LIMIT, 3600);
  readonly secondary = new SecondaryRateLimit({
    pointsPerMinute: SECONDARY_POINTS_PER_MINUTE,
  });
  /** Arrival times of answered requests (ms), for the peak per hour. */
  readonly times: number[] = [];
  refusedPrimary = 0;
  /** Highest points used in one hourly window. */
  peakUsed = 0;

  constructor(private readonly repos: Map<string, SourceRepo>) {}

  /** GitHub's order: primary limit, then secondary; undefined lets the request through. */
  private gate(method: string, graphql: boolean): Response | undefined {
    if (this.primary.exhausted()) {
      this.refusedPrimary++;
      const st = this.primary.state();
      return this.withHeaders(
        HttpResponse.json(
          { message: 'API rate limit exceeded for user ID 1.' },
          { status: 403 },
        ),
        st,
      );
    }
    const taken = this.secondary.take(
      SecondaryRateLimit.pointsOf(method, graphql ? { query: '' } : undefined),
    );
    if (!taken.ok) {
      const res = HttpResponse.json(
        { message: 'You have exceeded a secondary rate limit.' },
        { status: 403 },
      );
      res.headers.set('retry-after', String(taken.retryAfter));
      return this.withHeaders(res, this.primary.state());
    }
    return undefined;
  }

  /** Spends the request's points and sets the x-ratelimit-* headers. */
  private charge<T extends Response>(res: T, points = 1): T {
    this.primary.spend(points);
    this.times.push(Date.now());
    const st = this.primary.state();
    this.peakUsed = Math.max(this.peakUsed, st.used);
    return this.withHeaders(res, st);
  }

  private withHeaders<T extends Response>(
    res: T,
    st: ReturnType<RateLimit['state']>,
  ): T {
    res.headers.set('x-ratelimit-limit', String(st.limit));
    res.headers.set('x-ratelimit-remaining', String(st.remaining));
    res.headers.set('x-ratelimit-reset', String(st.reset));
    res.headers.set('x-ratelimit-used', String(st.used));
    res.headers.set('x-ratelimit-resource', 'core');
    return res;
  }

  /** Most requests answered within any hour. */
  peakPerHour(): number {
    let best = 0;
    let j = 0;
    for (let i = 0; i < this.times.length; i++) {
      while (this.times[i] - this.times[j] >= 3600_000) j++;
      best = Math.max(best, i - j + 1);
    }
    return best;
  }

  private readonly logOrder = new Map<string, SrcCommit[]>();

  /** Commits reachable from `sha`, newest first (as `git log`). */
  private historyOf(repo: SourceRepo, sha: string): SrcCommit[] {
    const key = `${repo.name}/${sha}`;
    let list = this.logOrder.get(key);
    if (!list) {
      list = [...repo.reachable(sha)]
        .map(x => repo.bySha.get(x)!)
        .sort((x, y) => y.index - x.index);
      this.logOrder.set(key, list);
    }
    return list;
  }

  private checksOf(sha: string) {
    const failing = parseInt(sha.slice(0, 2), 16) < 20;
    return [
      {
        __typename: 'CheckRun',
        name: 'unit-tests',
        status: 'COMPLETED',
        conclusion: failing ? 'FAILURE' : 'SUCCESS',
        detailsUrl: 'https://ci.example.com/1',
      },
      {
        __typename: 'CheckRun',
        name: 'trivy-scan',
        status: 'COMPLETED',
        conclusion: 'SUCCESS',
        detailsUrl: null,
      },
      {
        __typename: 'StatusContext',
        context: 'ci/legacy',
        state: 'SUCCESS',
        targetUrl: 'https://legacy.example.com/7',
      },
    ];
  }

  /** GitHub's GraphQL objects over an in-memory source repository. */
  private commitObject(repo: SourceRepo, c: SrcCommit): GqlObject {
    const actor = {
      __typename: 'GitActor',
      name: c.author,
      email: `${c.author}@acme.example`,
      date: c.date,
    };
    return {
      __typename: 'Commit',
      oid: c.sha,
      message: c.message,
      committedDate: c.date,
      author: actor,
      committer: actor,
      parents: () => ({
        __typename: 'CommitConnection',
        nodes: c.parents.map(p => this.commitObject(repo, repo.bySha.get(p)!)),
      }),
      associatedPullRequests: () => ({
        __typename: 'PullRequestConnection',
        nodes: (repo.prsOf.get(c.sha) ?? []).map(pr => ({
          __typename: 'PullRequest',
          ...pr,
        })),
      }),
      statusCheckRollup: () => ({
        __typename: 'StatusCheckRollup',
        contexts: () => ({
          __typename: 'StatusCheckRollupContextConnection',
          nodes: this.checksOf(c.sha),
        }),
      }),
      history: (args: Record<string, unknown>) => {
        const all = this.historyOf(repo, c.sha);
        const first = Math.min(100, Number(args.first));
        const skip = args.after
          ? Number(
              Buffer.from(String(args.after), 'base64')
                .toString()
                .split(' ')[1],
            ) + 1
          : 0;
        const nodes = all.slice(skip, skip + first);
        return {
          __typename: 'CommitHistoryConnection',
          pageInfo: {
            __typename: 'PageInfo',
            hasNextPage: skip + nodes.length < all.length,
            endCursor: Buffer.from(
              `${c.sha} ${skip + nodes.length - 1}`,
            ).toString('base64'),
          },
          nodes: nodes.map(x => this.commitObject(repo, x)),
        };
      },
    };
  }

  private queryRoot(): GqlObject {
    return {
      __typename: 'Query',
      repository: (args: Record<string, unknown>) => {
        const repo = this.repos.get(String(args.name));
        if (!repo) return null;
        return {
          __typename: 'Repository',
          defaultBranchRef: () => ({
            __typename: 'Ref',
            name: 'main',
            target: this.commitObject(repo, repo.bySha.get(repo.head)!),
          }),
          object: (a: Record<string, unknown>) => {
            const c = repo.bySha.get(String(a.oid));
            return c ? this.commitObject(repo, c) : null;
          },
        };
      },
    };
  }

  total() {
    return Object.values(this.counts).reduce((a, b) => a + b, 0);
  }

  snapshot(): Record<Route, number> {
    return { ...this.counts };
  }

  private toApi(repo: SourceRepo, c: SrcCommit) {
    return {
      sha: c.sha,
      parents: c.parents.map(p => ({ sha: p })),
      commit: {
        message: c.message,
        author: {
          name: c.author,
          email: `${c.author}@acme.example`,
          date: c.date,
        },
        committer: {
          name: c.author,
          email: `${c.author}@acme.example`,
          date: c.date,
        },
      },
      html_url: `https://github.com/acme/${repo.name}/commit/${c.sha}`,
    };
  }

  private resolve(repo: SourceRepo, ref: string): string | undefined {
    if (repo.bySha.has(ref)) return ref;
    if (ref.length === 12) return repo.byShort.get(ref);
    return repo.commits.find(c => c.sha.startsWith(ref))?.sha;
  }

  handlers() {
    const base = `${API}/repos/acme/:repo`;
    const repoOf = (name: unknown) => this.repos.get(String(name));
    return [
      http.get(`${base}/commits/:ref`, ({ params }) => {
        const limited = this.gate('GET', false);
        if (limited) return limited;
        this.counts.commit++;
        const repo = repoOf(params.repo);
        const sha = repo && this.resolve(repo, String(params.ref));
        if (!sha) {
          return this.charge(
            HttpResponse.json(
              { message: `No commit found for SHA: ${params.ref}` },
              { status: 422 },
            ),
          );
        }
        return this.charge(
          HttpResponse.text(sha, {
            headers: { 'content-type': 'application/vnd.github.sha' },
          }),
        );
      }),
      http.get(`${base}/compare/:basehead`, ({ params, request }) => {
        const limited = this.gate('GET', false);
        if (limited) return limited;
        this.counts.compare++;
        const repo = repoOf(params.repo);
        const [b, h] = String(params.basehead).split('...');
        const bs = repo && this.resolve(repo, b);
        const hs = repo && this.resolve(repo, h);
        if (!repo || !bs || !hs) {
          return this.charge(
            HttpResponse.json({ message: 'Not Found' }, { status: 404 }),
          );
        }
        const url = new URL(request.url);
        const perPage = Number(url.searchParams.get('per_page') ?? 250);
        const page = Number(url.searchParams.get('page') ?? 1);
        const fromBase = repo.reachable(bs);
        const fromHead = repo.reachable(hs);
        // Oldest first, as GitHub lists a comparison.
        const ahead = [...fromHead]
          .filter(s => !fromBase.has(s))
          .map(s => repo.bySha.get(s)!)
          .sort((x, y) => x.index - y.index);
        const behind = [...fromBase].filter(s => !fromHead.has(s)).length;
        let status = 'identical';
        if (ahead.length && behind) status = 'diverged';
        else if (behind) status = 'behind';
        else if (ahead.length) status = 'ahead';
        return this.charge(
          HttpResponse.json({
            status,
            ahead_by: ahead.length,
            behind_by: behind,
            total_commits: ahead.length,
            commits: ahead
              .slice((page - 1) * perPage, page * perPage)
              .map(c => this.toApi(repo, c)),
            files: [],
          }),
        );
      }),
      http.get(`${base}/commits`, ({ params, request }) => {
        const limited = this.gate('GET', false);
        if (limited) return limited;
        this.counts.list++;
        const repo = repoOf(params.repo)!;
        const url = new URL(request.url);
        const perPage = Number(url.searchParams.get('per_page') ?? 30);
        const page = Number(url.searchParams.get('page') ?? 1);
        const from = this.resolve(repo, url.searchParams.get('sha') ?? '');
        if (!from) {
          return this.charge(
            HttpResponse.json({ message: 'No commit' }, { status: 422 }),
          );
        }
        const all = [...repo.reachable(from)]
          .map(s => repo.bySha.get(s)!)
          .sort((x, y) => y.index - x.index);
        const next =
          all.length > page * perPage
            ? `<${API}/repos/acme/${
                repo.name
              }/commits?sha=${from}&per_page=${perPage}&page=${
                page + 1
              }>; rel="next"`
            : undefined;
        return this.charge(
          HttpResponse.json(
            all
              .slice((page - 1) * perPage, page * perPage)
              .map(c => this.toApi(repo, c)),
            { headers: next ? { link: next } : {} },
          ),
        );
      }),
      http.post(`${API}/graphql`, async ({ request }) => {
        const limited = this.gate('POST', true);
        if (limited) return limited;
        this.counts.graphql++;
        const { query, variables } = (await request.json()) as {
          query: string;
          variables?: { name: string };
        };
        if (!variables?.name) {
          // The backfill's history query: run against GitHub's objects.
          const { json, cost } = await runGraphQL(query, {}, this.queryRoot());
          return this.charge(HttpResponse.json(json), cost);
        }
        const repo = repoOf(variables.name)!;
        const repository: Record<string, unknown> = {};
        for (const m of query.matchAll(
          /c([0-9]+): object\(oid: "([0-9a-f]{40})"\)/g,
        )) {
          repository[`c${m[1]}`] = {
            associatedPullRequests: { nodes: repo.prsOf.get(m[2]) ?? [] },
          };
        }
        const checksOf = /checks: object\(oid: "([0-9a-f]{40})"\)/.exec(
          query,
        )?.[1];
        if (checksOf) {
          const failing = parseInt(checksOf.slice(0, 2), 16) < 20;
          repository.checks = {
            statusCheckRollup: {
              contexts: {
                nodes: [
                  {
                    __typename: 'CheckRun',
                    name: 'unit-tests',
                    status: 'COMPLETED',
                    conclusion: failing ? 'FAILURE' : 'SUCCESS',
                    detailsUrl: 'https://ci.example.com/1',
                  },
                  {
                    __typename: 'CheckRun',
                    name: 'trivy-scan',
                    status: 'COMPLETED',
                    conclusion: 'SUCCESS',
                    detailsUrl: null,
                  },
                  {
                    __typename: 'StatusContext',
                    context: 'ci/legacy',
                    state: 'SUCCESS',
                    targetUrl: 'https://legacy.example.com/7',
                  },
                ],
              },
            },
          };
        }
        return this.charge(HttpResponse.json({ data: { repository } }));
      }),
      http.all('*', () => {
        this.counts.other++;
        return HttpResponse.json({ message: 'Not Found' }, { status: 404 });
      }),
    ];
  }
}

// --- the GitOps repository ---------------------------------------------------

function pipelineYaml(): string {
  return `apiVersion: gitops2.io/v1alpha1
kind: Pipeline
metadata:
  name: shop
spec:
  stages:
    - name: dev
      environments: [dev]
    - name: qa
      environments: [qa]
    - name: staging
      environments: [staging]
    - name: prod
      environments: [prod-us, prod-eu]
  environments:
${ENVS.map(
  e => `    ${e}:\n      cluster: ${e}-cluster\n      namespace: shop\n`,
).join('')}  services:
${SERVICES.map(
  s => `    ${s}:
      path: apps/${s}/{environment}/kustomization.yaml
      locator:
        type: kustomize-image
        image: ghcr.io/acme/${s}
`,
).join('')}`;
}

const kustomization = (svc: string, tag: string) =>
  `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - ../base\nimages:\n  - name: ghcr.io/acme/${svc}\n    newTag: ${tag}\n`;

/**
 * The GitOps history: releases of the services interleaved; each release goes
 * to dev, and each step of the pipeline promotes what the previous stage runs
 * with some probability (lags and skipped versions); ~3% of prod promotions
 * are rolled back. Returns the number of GitOps commits.
 */
function generateGitops(dir: string, repos: Map<string, SourceRepo>): number {
  execFileSync('git', ['init', '-q', '-b', 'main', dir]);
  const r = rng(4242);
  const lines: string[] = [];
  const data = (s: string) => `data ${Buffer.byteLength(s)}\n${s}`;
  let t = Date.parse('2026-01-05T10:00:00Z') / 1000;
  let mark = 0;
  const commit = (msg: string, files: Array<[string, string]>) => {
    mark++;
    t += 1800;
    const from = mark > 1 ? `from :${mark - 1}\n` : '';
    const changes = files
      .map(([p, c]) => `M 100644 inline ${p}\n${data(c)}`)
      .join('\n');
    lines.push(
      `commit refs/heads/main\nmark :${mark}\ncommitter Deploy Bot <deploy@acme.example> ${t} +0000\n${data(
        msg,
      )}\n${from}${changes}\n`,
    );
  };
  const state = new Map<string, string>(); // service/env → full sha
  const previous = new Map<string, string>();
  const initial: Array<[string, string]> = [
    ['gitops-pipeline.yaml', pipelineYaml()],
  ];
  for (const s of SERVICES) {
    for (const e of ENVS) {
      const v = repos.get(s)!.releases[0];
      state.set(`${s}/${e}`, v);
      initial.push([
        `apps/${s}/${e}/kustomization.yaml`,
        kustomization(s, short(v)),
      ]);
    }
  }
  commit('bootstrap', initial);
  const set = (s: string, envs: string[], sha: string, msg: string) => {
    for (const e of envs) {
      previous.set(`${s}/${e}`, state.get(`${s}/${e}`)!);
      state.set(`${s}/${e}`, sha);
    }
    commit(
      msg,
      envs.map(e => [
        `apps/${s}/${e}/kustomization.yaml`,
        kustomization(s, short(sha)),
      ]),
    );
  };
  const next = new Map(SERVICES.map(s => [s, 1]));
  for (;;) {
    const open = SERVICES.filter(
      s => next.get(s)! < repos.get(s)!.releases.length,
    );
    if (open.length === 0) break;
    const s = open[r(open.length)];
    const repo = repos.get(s)!;
    const v = repo.releases[next.get(s)!];
    next.set(s, next.get(s)! + 1);
    set(
      s,
      ['dev'],
      v,
      `deploy ${s} ${short(v)} to dev${
        r(100) < 30 ? `\n\nGitops-Source-Commit: ${v}` : ''
      }`,
    );
    const promote = (fromEnv: string, to: string[], p: number) => {
      const want = state.get(`${s}/${fromEnv}`)!;
      if (to.every(e => state.get(`${s}/${e}`) === want) || r(100) >= p)
        return false;
      set(
        s,
        to,
        want,
        `promote ${s} ${short(want)} to ${to.join(
          ', ',
        )}\n\nGitops-Kind: promotion`,
      );
      return true;
    };
    promote('dev', ['qa'], 70);
    promote('qa', ['staging'], 60);
    if (promote('staging', ['prod-us', 'prod-eu'], 55) && r(100) < 5) {
      const env = r(2) ? 'prod-eu' : 'prod-us';
      const back = previous.get(`${s}/${env}`)!;
      set(
        s,
        [env],
        back,
        `Rollback ${s} in ${env} to ${short(back)}\n\nGitops-Kind: rollback`,
      );
    }
  }
  const res = spawnSync('git', ['fast-import', '--quiet'], {
    cwd: dir,
    input: lines.join(''),
  });
  if (res.status !== 0) throw new Error(`fast-import failed: ${res.stderr}`);
  return mark;
}

// --- measurement -------------------------------------------------------------

function percentile(sorted: number[], p: number): number {
  return sorted[
    Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)
  ];
}

async function main() {
  const machine = `${os.cpus().length} × ${os.cpus()[0]?.model}, ${Math.round(
    os.totalmem() / 2 ** 30,
  )} GiB, Node ${process.versions.node}`;
  console.log(`machine: ${machine}`);
  const repos = new Map(
    SERVICES.map((s, i) => [s, generateSource(s, RELEASES, 1000 + i)]),
  );
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gitops-bench-gh-'));
  const double = new GitHubDouble(repos);
  const server = setupServer(...double.handlers());
  server.listen({ onUnhandledRequest: 'error' });
  const knex = knexFactory({
    client: 'better-sqlite3',
    connection: ':memory:',
    useNullAsDefault: true,
  });
  try {
    let t0 = Date.now();
    const gitopsCommits = generateGitops(dir, repos);
    const generateMs = Date.now() - t0;
    const srcCommits = [...repos.values()].reduce(
      (a, x) => a + x.commits.length,
      0,
    );
    const prs = new Set(
      [...repos.values()].flatMap(x =>
        [...x.prsOf.values()].flat().map(p => `${x.name}#${p.number}`),
      ),
    ).size;
    const merges = [...repos.values()].reduce(
      (a, x) => a + x.commits.filter(c => c.parents.length > 1).length,
      0,
    );
    console.log(
      `history: ${SERVICES.length} services × ${
        ENVS.length
      } environments; source: ${srcCommits} commits, ${merges} merge commits, ${prs} pull requests, ${
        SERVICES.length * RELEASES
      } releases; GitOps: ${gitopsCommits} commits`,
    );

    const ledger = await LedgerStore.fromKnex(knex);
    t0 = Date.now();
    await new RepositoryIngester({
      repositoryId: 'shop',
      pipelineFile: 'gitops-pipeline.yaml',
      source: new LocalGitSource(dir, 'main'),
      store: ledger,
      locators: createDefaultLocatorRegistry(),
      logger: silentLogger,
    }).ingest();
    console.log(
      `GitOps repository generated in ${(generateMs / 1000).toFixed(
        1,
      )} s, ingested in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
    );
    const config = readGitopsConfig(
      new ConfigReader({
        gitops: {
          repositories: [{ id: 'shop', provider: 'local', url: dir }],
          correlation: {
            issueUrlTemplate: 'https://jira.acme.example/browse/{key}',
            backfill: {
              enabled: BACKFILL,
              rateLimitShare: SHARE,
              reposPerQuery: REPOS_PER_QUERY,
            },
          },
        },
      }),
    );
    const budget = new RateBudget(SHARE);
    const store = ledger.correlationStore();
    const resolver = new SourceRepositoryResolver(
      [],
      process.cwd(),
      slug =>
        new GitHubSourceRepository(
          `github:${slug}`,
          new GitHubGitSource({
            url: `https://github.com/${slug}`,
            branch: 'main',
            apiBaseUrl: API,
            credentialsProvider: {
              getCredentials: async () => ({
                type: 'token',
                headers: {},
                token: TOKEN,
              }),
            },
            logger: silentLogger,
            retryAfterBaseMs: 1,
            onRateLimitHeaders: h => budget.observe(h),
          }),
        ),
    );
    const correlator = new Correlator({
      ...(BACKFILL
        ? { backfill: { pages: ledger.backfillPageStore(), budget } }
        : {}),
      store,
      config: config.correlation,
      resolver,
      logger: silentLogger,
      loadServiceSources: async () =>
        SERVICES.map(s => ({
          repository_id: 'shop',
          service: s,
          source_repository: `github:acme/${s}`,
          entity_ref: `component:default/${s}`,
        })),
    });

    // Attribute requests to rollouts: everything between two writes of the
    // correlator belongs to the rollout written second.
    const perRollout: Array<{
      rolloutId: string;
      requests: Record<Route, number>;
      kind?: string;
      first: boolean;
      status: string;
    }> = [];
    let mark = double.snapshot();
    const write = store.write.bind(store);
    let written = 0;
    let first100Ms: number | undefined;
    let t = Date.now();
    store.write = async (w: CorrelationWrite) => {
      if (++written === 100) first100Ms = Date.now() - t;
      const now = double.snapshot();
      const requests = Object.fromEntries(
        Object.entries(now).map(([k, v]) => [k, v - mark[k as Route]]),
      ) as Record<Route, number>;
      mark = now;
      perRollout.push({
        rolloutId: w.rolloutId,
        requests,
        first: !w.fromCommit && w.status === 'resolved',
        status: w.status,
      });
      return write(w);
    };
    t = Date.now();
    const run = await correlator.run();
    const correlateMs = Date.now() - t;
    if (BACKFILL) {
      const b = run.backfill;
      const total = double.total();
      const routes = (Object.keys(double.counts) as Route[])
        .filter(k => double.counts[k] > 0)
        .map(k => `${k} ${double.counts[k]}`)
        .join(', ');
      const amortized = total / Math.max(1, run.rollouts);
      console.log(
        `\nbackfill: ${run.rollouts} rollouts in ${(correlateMs / 1000).toFixed(
          1,
        )} s (${Object.entries(run.byStatus)
          .map(([k, v]) => `${k} ${v}`)
          .join(', ')}); newest 100 correlated after ${(
          (first100Ms ?? correlateMs) / 1000
        ).toFixed(1)} s`,
      );
      console.log(
        `  from history ${b?.fromHistory ?? 0}, asked per rollout ${
          b?.fallbacks ?? 0
        }, failed ${b?.failed ?? 0}; ${b?.pages ?? 0} history pages in ${
          b?.queries ?? 0
        } GraphQL queries (${REPOS_PER_QUERY} repositories per query)${
          b?.paused ? `; PAUSED: ${b.paused.reason}` : ''
        }`,
      );
      console.log(
        `  GitHub requests: ${total} (${routes}) = ${amortized.toFixed(
          4,
        )} per rollout amortized; goal ≤ 0.1: ${
          amortized <= 0.1 ? 'met' : 'MISSED'
        }`,
      );
      console.log(
        `  rate limits enforced by the double: primary ${HOURLY_LIMIT} points/hour (share ${SHARE} → backfill floor ${budget.floor(
          HOURLY_LIMIT,
        )} left), secondary ${SECONDARY_POINTS_PER_MINUTE} points/minute`,
      );
      console.log(
        `  peak requests in any hour: ${double.peakPerHour()}; points used in the hour window: ${
          double.peakUsed
        } of ${HOURLY_LIMIT} (GraphQL queries cost GitHub's points); refused: primary ${
          double.refusedPrimary
        }, secondary ${double.secondary.refused}`,
      );
      const extrapolated = (
        ((correlateMs / Math.max(1, run.rollouts)) * 10_000) /
        1000
      ).toFixed(0);
      let goal = `not measured at this size (${run.rollouts} rollouts; at this rate 10,000 would take ${extrapolated} s, extrapolated)`;
      if (run.rollouts >= 10_000)
        goal = correlateMs < 600_000 ? 'met' : 'MISSED';
      console.log(`  goal 10,000 rollouts in < 10 min: ${goal}`);
    }
    const byId = new Map(
      (
        await ledger.listRollouts({ repositoryId: 'shop', limit: 100_000 })
      ).rows.map(row => [String(row.id), row]),
    );
    for (const p of perRollout) p.kind = byId.get(p.rolloutId)?.kind;

    const sum = (x: Record<Route, number>) =>
      Object.values(x).reduce((a, b) => a + b, 0);
    const describe = (label: string, rows: typeof perRollout) => {
      if (rows.length === 0) return;
      const n = rows.map(p => sum(p.requests)).sort((a, b) => a - b);
      const routes = (Object.keys(double.counts) as Route[])
        .map(k => [k, rows.reduce((a, p) => a + p.requests[k], 0)] as const)
        .filter(([, v]) => v > 0)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ');
      console.log(
        `  ${label.padEnd(34)} ${String(rows.length).padStart(
          5,
        )} rollouts: median ${percentile(n, 50)}, p95 ${percentile(
          n,
          95,
        )}, max ${n[n.length - 1]}, total ${n.reduce(
          (a, b) => a + b,
          0,
        )} (${routes})`,
      );
    };
    console.log(
      `\ncorrelation: ${run.rollouts} rollouts in ${(
        correlateMs / 1000
      ).toFixed(1)} s (${Object.entries(run.byStatus)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}), ${run.commitsInserted} source commits recorded`,
    );
    if (!BACKFILL) {
      console.log('GitHub requests per rollout:');
      const all = perRollout.map(p => sum(p.requests)).sort((a, b) => a - b);
      const median = percentile(all, 50);
      describe('all', perRollout);
      describe(
        'first deployment (baseline)',
        perRollout.filter(p => p.first),
      );
      for (const kind of ['direct', 'promotion', 'rollback']) {
        describe(
          `${kind}${kind === 'direct' ? ' (release to dev)' : ''}`,
          perRollout.filter(p => !p.first && p.kind === kind),
        );
      }
      console.log(
        `  goal median ≤ 3: ${
          median <= 3 ? 'met' : 'MISSED'
        } (median ${median})`,
      );
    }
    const rows = await store.counts();
    console.log(
      `  rows: ${Object.entries(rows)
        .map(([k, v]) => `${k.replace('gitops_', '')} ${v}`)
        .join(', ')}`,
    );

    // A second run over the same ledger: nothing pending, nothing asked.
    const before = double.total();
    const again = await correlator.run();
    console.log(
      `\nsecond correlation run: ${again.rollouts} rollouts, ${
        double.total() - before
      } GitHub requests`,
    );

    // Repeated views of the tab, through the real service layer.
    const gitops = new GitopsService(ledger, config.repositories, new Map());
    const service = new CorrelationService({
      ledger,
      store,
      resolver,
      correlator,
      config: config.correlation,
      gitops,
    });
    const entity = (s: string): Entity => ({
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'Component',
      metadata: {
        name: s,
        annotations: {
          'gitops2.io/gitops-repo': 'shop',
          'github.com/project-slug': `acme/${s}`,
        },
      },
    });
    const issueKey: string | undefined = (
      await knex('gitops_feature_refs')
        .where({ kind: 'issue' })
        .orderBy('value')
        .first('value')
    )?.value;
    const views = async () => {
      let changeSets = 0;
      for (const s of SERVICES) {
        const page = await gitops.getRollouts(entity(s), { limit: 20 });
        await gitops.getServiceStatus(entity(s));
        for (const item of page.items) {
          await service.getChangeSet(item.id);
          changeSets++;
        }
        if (page.nextCursor) {
          const more = await gitops.getRollouts(entity(s), {
            limit: 20,
            before: page.nextCursor,
          });
          for (const item of more.items) {
            await service.getChangeSet(item.id);
            changeSets++;
          }
        }
      }
      if (issueKey) await service.lookupFeature(issueKey);
      return changeSets;
    };
    const v0 = double.total();
    t = Date.now();
    let shown = 0;
    for (let i = 0; i < VIEWS; i++) shown = await views();
    const viewMs = (Date.now() - t) / VIEWS;
    console.log(
      `${VIEWS} views of the tab of each service (history pages 1-2 = ${shown} rollouts with their change sets, status${
        issueKey ? `, feature lookup ${issueKey}` : ''
      }): ${double.total() - v0} GitHub requests (${viewMs.toFixed(
        0,
      )} ms per round of ${SERVICES.length} tabs)`,
    );

    // "Pending for the next environment" on each environment of the pipeline.
    const pairs: Array<[string, string]> = [
      ['dev', 'qa'],
      ['qa', 'staging'],
      ['staging', 'prod-us'],
      ['staging', 'prod-eu'],
    ];
    const pending = async () => {
      for (const s of SERVICES)
        for (const [from, to] of pairs)
          await service.getPendingChanges(entity(s), from, to);
    };
    const p0 = double.snapshot();
    let tp = Date.now();
    await pending();
    const firstMs = (Date.now() - tp) / SERVICES.length;
    const p1 = double.snapshot();
    tp = Date.now();
    for (let i = 1; i < VIEWS; i++) await pending();
    const repeatMs =
      (Date.now() - tp) / SERVICES.length / Math.max(1, VIEWS - 1);
    const p2 = double.snapshot();
    const diff = (a: Record<Route, number>, b: Record<Route, number>) =>
      (Object.keys(a) as Route[])
        .filter(k => b[k] - a[k] > 0)
        .map(k => `${k} ${b[k] - a[k]}`)
        .join(', ') || 'none';
    const n = SERVICES.length * pairs.length;
    console.log(
      `pending changes (${pairs.length} environment pairs × ${
        SERVICES.length
      } services = ${n} per view): first view ${
        sum(p1) - sum(p0)
      } GitHub requests (${diff(p0, p1)}); ${VIEWS - 1} repeat views: ${
        sum(p2) - sum(p1)
      } (${diff(p1, p2)}); time per service tab (${
        pairs.length
      } pairs): first ${firstMs.toFixed(0)} ms, repeat ${repeatMs.toFixed(
        0,
      )} ms`,
    );
  } finally {
    server.close();
    await knex.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch(e => {
  process.stderr.write(`${e instanceof Error ? e.stack : e}\n`);
  process.exit(1);
});
