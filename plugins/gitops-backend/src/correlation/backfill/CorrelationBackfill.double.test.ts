/*
 * The correlation backfill against the GitHub API double (a real HTTP server
 * over a real bare Git repository, enforcing the primary hourly rate limit
 * with x-ratelimit-* headers and a secondary limit): same change sets as the
 * per-rollout path, newest first, within the configured share of the
 * budget, and resumed after a stop without re-correlating or re-fetching.
 */
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { mockServices, TestDatabases } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { GitHubApiDouble, start } from '@gitops2/github-api-double';
import { Octokit } from '@octokit/rest';
import { readGitopsConfig } from '../../config';
import { LedgerStore } from '../../database/LedgerStore';
import { GitHubGitSource } from '../../git/GitHubGitSource';
import { LocalGitSource } from '../../git/LocalGitSource';
import { RepositoryIngester } from '../../ingestion/RepositoryIngester';
import { createDefaultLocatorRegistry } from '../../locators/VersionLocatorRegistry';
import {
  GitRepoFixture,
  kustomization,
  TWO_STAGE_PIPELINE,
} from '../../testing/GitRepoFixture';
import { Correlator } from '../Correlator';
import { GitHubSourceRepository } from '../GitHubSourceRepository';
import { SourceRepositoryResolver } from '../sourceRepositories';
import { RateBudget } from './RateBudget';

// Octokit spaces GraphQL queries a second apart, as GitHub asks.
jest.setTimeout(120_000);

const SLUG = 'acme/cart';
const SOURCE = `github:${SLUG}`;
const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });
const short = (sha: string) => sha.slice(0, 12);
const PAGE = 4;

describe('correlation backfill against the GitHub API double', () => {
  let src: GitRepoFixture;
  let gitops: GitRepoFixture;
  let double: GitHubApiDouble;
  const s: Record<string, string> = {};

  beforeAll(async () => {
    src = new GitRepoFixture('gitops-backfill-src-');
    src.write('README.md', '# cart\n');
    s.c0 = src.commit('chore: scaffold');
    src.write('coupons.ts', 'x\n');
    s.c1 = src.commit('feat: coupons (#101)\n\nCloses SHOP-1');
    src.git('checkout', '-q', '-b', 'SHOP-2-checkout');
    src.write('checkout.ts', '1\n');
    s.b1 = src.commit('feat: checkout form');
    src.write('checkout.ts', '2\n');
    s.b2 = src.commit('wip: checkout');
    src.git('checkout', '-q', 'main');
    src.git('checkout', '-q', '-b', 'SHOP-3-gift');
    src.write('gift.ts', 'x\n');
    src.commit('gift cards');
    src.git('checkout', '-q', 'main');

    double = await start({
      repos: [{ slug: SLUG, from: src.dir }],
      secondaryRateLimit: { pointsPerMinute: 900 },
    });
    // Pull requests opened and closed on GitHub: their commits are
    // associated with them (base..head frozen at closing).
    const gh = new Octokit({
      baseUrl: double.url,
      auth: 'x',
      log: { debug() {}, info() {}, warn() {}, error() {} },
    });
    for (const [head, title, body] of [
      ['SHOP-2-checkout', 'Checkout', 'The checkout form'],
      ['SHOP-3-gift', 'Gift cards [SHOP-3]', 'Adds gift cards'],
    ]) {
      const { data } = await gh.rest.pulls.create({
        owner: 'acme',
        repo: 'cart',
        head,
        base: 'main',
        title,
        body,
      });
      await double.closePullRequest(SLUG, data.number);
    }

    src.git(
      'merge',
      '-q',
      '--no-ff',
      'SHOP-2-checkout',
      '-m',
      'Merge pull request #1 from acme/SHOP-2-checkout',
    );
    s.m1 = src.head();
    src.write('gift.ts', 'x\n');
    s.s1 = src.commit('feat: gift cards (#2)');
    for (let i = 1; i <= 10; i++) {
      src.write('steps.txt', `${i}\n`);
      s[`d${i}`] = src.commit(
        `chore: step ${i}${i % 3 === 0 ? ' for SHOP-4' : ''}`,
      );
    }
    src.git('checkout', '-q', '-b', 'release', s.c1);
    src.write('hotfix.ts', 'x\n');
    s.r1 = src.commit('fix: hotfix on the release line');
    src.git('checkout', '-q', 'main');
    execFileSync(
      'git',
      [
        'push',
        '-q',
        '--force',
        path.join(double.workDir, 'acme+cart.git'),
        'main',
        'release',
      ],
      { cwd: src.dir },
    );
    double.setCommitChecks(SLUG, s.s1, [
      {
        __typename: 'CheckRun',
        name: 'unit-tests',
        status: 'COMPLETED',
        conclusion: 'FAILURE',
        detailsUrl: 'https://ci.example.com/1',
      },
      {
        __typename: 'StatusContext',
        context: 'ci/legacy',
        state: 'SUCCESS',
        targetUrl: 'https://legacy.example.com/7',
      },
    ]);
    double.setCommitChecks(SLUG, s.d10, [
      {
        __typename: 'CheckRun',
        name: 'unit-tests',
        status: 'IN_PROGRESS',
        conclusion: null,
        detailsUrl: null,
      },
    ]);

    gitops = new GitRepoFixture();
    const deploy = (envs: string[], tag: string, message: string) => {
      for (const env of envs)
        gitops.write(`apps/cart/${env}/kustomization.yaml`, kustomization(tag));
      gitops.commit(message);
    };
    gitops.write('gitops-pipeline.yaml', TWO_STAGE_PIPELINE);
    deploy(['dev', 'staging', 'prod-us', 'prod-eu'], short(s.c0), 'bootstrap');
    deploy(['dev'], short(s.c1), `deploy\n\nGitops-Source-Commit: ${s.c1}`);
    deploy(['dev'], short(s.m1), 'deploy');
    deploy(['dev'], short(s.s1), 'deploy');
    deploy(['staging'], short(s.s1), 'promote\n\nGitops-Kind: promotion');
    deploy(['dev'], short(s.d3), 'deploy');
    deploy(['dev'], short(s.d6), 'deploy');
    deploy(['staging', 'prod-eu'], short(s.d6), 'promote');
    deploy(['dev'], short(s.d10), 'deploy');
    deploy(['prod-eu'], short(s.r1), 'hotfix from the release line');
    deploy(['prod-us'], 'deadbeefdead', 'a commit GitHub does not have');
    deploy(['dev'], short(s.d8), 'back to step 8');
  });
  afterAll(async () => {
    await double?.close();
    src?.cleanup();
    gitops?.cleanup();
  });

  async function setup(
    databaseId: Parameters<typeof databases.init>[0],
    backfill: boolean,
  ) {
    const knex = await databases.init(databaseId);
    const ledger = await LedgerStore.fromKnex(knex);
    const logger = mockServices.logger.mock();
    await new RepositoryIngester({
      repositoryId: 'shop',
      pipelineFile: 'gitops-pipeline.yaml',
      source: new LocalGitSource(gitops.dir, 'main'),
      store: ledger,
      locators: createDefaultLocatorRegistry(),
      logger,
    }).ingest();
    const config = readGitopsConfig(
      new ConfigReader({
        gitops: {
          repositories: [{ id: 'shop', provider: 'local', url: gitops.dir }],
          correlation: { backfill: { minPending: 1, rateLimitShare: 0.5 } },
        },
      }),
    );
    const store = ledger.correlationStore();
    const pages = ledger.backfillPageStore();
    const written: string[] = [];
    const write = store.write.bind(store);
    store.write = async w => {
      written.push(w.rolloutId);
      return write(w);
    };
    const correlator = () => {
      // A new backend: fresh clients, caches and budget.
      const budget = new RateBudget(0.5);
      const resolver = new SourceRepositoryResolver(
        [],
        process.cwd(),
        slug =>
          new GitHubSourceRepository(
            `github:${slug}`,
            new GitHubGitSource({
              url: `https://github.com/${slug}`,
              branch: 'main',
              apiBaseUrl: double.url,
              credentialsProvider: {
                getCredentials: async () => ({
                  type: 'token',
                  headers: {},
                  token: 'ghp_test',
                }),
              },
              logger,
              retryAfterBaseMs: 1,
              onRateLimitHeaders: h => budget.observe(h),
            }),
          ),
      );
      return new Correlator({
        store,
        config: config.correlation,
        resolver,
        logger,
        loadServiceSources: async () => [
          {
            repository_id: 'shop',
            service: 'cart',
            source_repository: SOURCE,
            entity_ref: 'component:default/cart',
          },
        ],
        ...(backfill ? { backfill: { pages, budget, pageSize: PAGE } } : {}),
      });
    };
    const { rows } = await ledger.listRollouts({
      repositoryId: 'shop',
      limit: 100,
    });
    return { knex, ledger, store, pages, written, correlator, rollouts: rows };
  }

  /** What a rollout's change set says, whatever the rollout's id. */
  async function changeSets(env: Awaited<ReturnType<typeof setup>>) {
    const out: Record<string, unknown> = {};
    for (const r of env.rollouts) {
      const id = String(r.id);
      const c = await env.store.getCorrelation(id);
      const commits = await env.store.changeSetCommits(id);
      const refs = await env.store.refsOf(
        SOURCE,
        commits.map(x => x.sha),
      );
      out[`${r.environment} ${r.to_version} @${r.commit_sha.slice(0, 7)}`] = c
        ? {
            status: c.status,
            message: c.message,
            from: c.from_commit,
            to: c.to_commit,
            added: c.added_count,
            removed: c.removed_count,
            checks: c.checks ? JSON.parse(c.checks) : null,
            commits: commits.map(x => `${x.direction} ${x.sha}`).sort(),
            refs: refs
              .map(f => `${f.kind}:${f.value} ${f.sha.slice(0, 7)}`)
              .sort(),
          }
        : 'pending';
    }
    return out;
  }

  let reference: Record<string, unknown>;
  const historyQueries = () =>
    double
      .requests('POST /graphql')
      .filter(r => JSON.stringify(r.body).includes('history('));

  it('correlates the same change sets as the per-rollout path (pull requests, issue keys, CI), in a few GraphQL queries', async () => {
    const perRollout = await setup('SQLITE_3', false);
    double.rateLimit.set({ limit: 5000, remaining: 5000 });
    double.resetRequests();
    await perRollout.correlator().run();
    const perRolloutRequests = double.count();
    reference = await changeSets(perRollout);

    const viaBackfill = await setup('SQLITE_3', true);
    double.resetRequests();
    const run = await viaBackfill.correlator().run();
    expect(await changeSets(viaBackfill)).toEqual(reference);

    // Sanity of the reference: a merge's pull request, a squash's key in
    // the title, CI of the new version, a version off the default branch,
    // an unknown one.
    const flat = JSON.stringify(reference);
    expect(flat).toContain('pr:1');
    expect(flat).toContain('issue:SHOP-4');
    expect(flat).toContain('unit-tests');
    expect(flat).toContain('unknown-commit');
    expect(Object.values(reference)).not.toContain('pending');

    const rollouts = viaBackfill.rollouts.length;
    // 16 commits on main in pages of 4: 4 history queries; GitHub asked per
    // rollout only for the hotfix off main (REST compare and its pull
    // requests in GraphQL) and the unknown version.
    expect(historyQueries().length).toBe(4);
    expect(double.count('POST /graphql')).toBe(5);
    expect(run.backfill).toMatchObject({
      rollouts,
      fallbacks: 2,
      fromHistory: rollouts - 2,
      pages: 4,
      queries: 4,
    });
    expect(double.count()).toBeLessThan(perRolloutRequests / 2);
    // Done: nothing stored, and a second run asks nothing.
    expect(await viaBackfill.pages.inProgress()).toEqual([]);
    double.resetRequests();
    expect((await viaBackfill.correlator().run()).rollouts).toBe(0);
    expect(double.count()).toBe(0);
    await perRollout.knex.destroy();
    await viaBackfill.knex.destroy();
  });

  it.each(databases.eachSupportedId())(
    'stops at its share of the rate limit, newest rollouts first, and resumes after a restart without redoing rollouts or pages (%p)',
    async databaseId => {
      expect(reference).toBeDefined();
      const env = await setup(databaseId, true);
      // 52 of 100 left, share 0.5: the backfill may spend 2.
      double.rateLimit.set({ limit: 100, remaining: 52, resetInSeconds: 3600 });
      double.resetRequests();
      const first = await env.correlator().run();
      expect(first.backfill?.paused).toMatchObject({
        reason: expect.stringContaining('keeps 50 (50%)'),
      });
      expect(double.rateLimit.state().remaining).toBeGreaterThanOrEqual(50);
      expect(historyQueries().length).toBe(2);
      // Nothing asked per rollout meanwhile: the paused rollouts wait.
      expect(double.count()).toBe(2);
      const doneFirst = new Set(env.written);
      expect(doneFirst.size).toBeGreaterThan(0);
      // Newest first: the latest deployment is done, the bootstrap is not.
      const ids = env.rollouts.map(r => String(r.id)); // newest first
      expect(doneFirst.has(ids[0])).toBe(true);
      expect(doneFirst.has(ids[ids.length - 1])).toBe(false);
      const pendingAfterFirst = ids.filter(id => !doneFirst.has(id));
      expect(pendingAfterFirst.length).toBeGreaterThan(0);
      expect(await env.pages.inProgress()).toEqual([SOURCE]);

      // A restart (new correlator), the budget back, one secondary rate
      // limit on the way (retry-after honoured).
      double.rateLimit.set({ remaining: 100, resetInSeconds: 3600 });
      double.faults.secondaryRateLimit(
        { route: 'POST /graphql' },
        { retryAfter: 1, times: 1 },
      );
      double.resetRequests();
      env.written.length = 0;
      const second = await env.correlator().run();
      expect(second.backfill?.paused).toBeUndefined();
      const graphql = historyQueries();
      expect(graphql.map(r => r.status)).toEqual([403, 200, 200]);
      // It continued after the stored pages, never from the top again.
      expect(JSON.stringify(graphql[0].body)).toContain('after:');
      expect(JSON.stringify(graphql[0].body)).not.toContain('defaultBranchRef');
      expect((first.backfill?.pages ?? 0) + (second.backfill?.pages ?? 0)).toBe(
        4,
      );
      expect(env.written.filter(id => doneFirst.has(id))).toEqual([]);
      expect(new Set(env.written)).toEqual(new Set(pendingAfterFirst));
      expect(await changeSets(env)).toEqual(reference);
      expect(await env.pages.inProgress()).toEqual([]);
      await env.knex.destroy();
    },
  );
});
