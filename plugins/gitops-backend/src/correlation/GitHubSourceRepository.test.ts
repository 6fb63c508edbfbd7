import {
  mockServices,
  registerMswTestHooks,
  TestDatabases,
} from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { execFileSync } from 'node:child_process';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { readGitopsConfig } from '../config';
import { LedgerStore } from '../database/LedgerStore';
import { GitHubGitSource } from '../git/GitHubGitSource';
import { LocalGitSource } from '../git/LocalGitSource';
import { RepositoryIngester } from '../ingestion/RepositoryIngester';
import { createDefaultLocatorRegistry } from '../locators/VersionLocatorRegistry';
import { CorrelationService } from '../service/CorrelationService';
import { GitopsService } from '../service/GitopsService';
import {
  GitRepoFixture,
  kustomization,
  TWO_STAGE_PIPELINE,
} from '../testing/GitRepoFixture';
import { Correlator } from './Correlator';
import { GitHubSourceRepository } from './GitHubSourceRepository';
import { SourceRepositoryResolver } from './sourceRepositories';

jest.setTimeout(120_000);

const API = 'https://api.github.com';
const TOKEN = 'ghp_TESTtoken0123456789SECRETabcdef';
const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });
const short = (sha: string) => sha.slice(0, 12);

type Route = 'commit' | 'compare' | 'list' | 'graphql';

/**
 * The GitHub endpoints the correlation uses, answered from a real Git
 * repository: commit by revision (sha media type), compare with paging,
 * commit list with Link headers, and GraphQL associatedPullRequests.
 */
class GitHubSourceDouble {
  readonly calls: Array<{ route: Route; status: number }> = [];
  readonly faults: Array<{
    route: Route;
    status: number;
    headers: Record<string, string>;
  }> = [];
  readonly checks = new Map<string, unknown[]>();
  readonly pullRequests = new Map<
    string,
    Array<{ number: number; title: string; body: string; headRefName: string }>
  >();

  constructor(private readonly repo: GitRepoFixture) {}

  /** The repository does not change during a test: git answers are memoized. */
  private readonly memo = new Map<string, string | undefined>();

  private git(...args: string[]): string | undefined {
    const key = args.join('\u0000');
    if (this.memo.has(key)) return this.memo.get(key);
    let out: string | undefined;
    try {
      out = execFileSync('git', args, {
        cwd: this.repo.dir,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      });
    } catch {
      out = undefined;
    }
    this.memo.set(key, out);
    return out;
  }

  private commits(range: string[]): any[] {
    const out =
      this.git(
        'log',
        '--topo-order',
        '--reverse',
        '--format=%H%x1f%P%x1f%an%x1f%ae%x1f%aI%x1f%cI%x1f%B%x1e',
        ...range,
        '--',
      ) ?? '';
    return out
      .split('\x1e')
      .filter(r => r.trim())
      .map(r => {
        const [sha, parents, an, ae, ad, cd, message] = r
          .replace(/^\n/, '')
          .split('\x1f');
        return {
          sha,
          parents: parents ? parents.split(' ').map(p => ({ sha: p })) : [],
          commit: {
            message,
            author: { name: an, email: ae, date: ad },
            committer: { name: an, email: ae, date: cd },
          },
        };
      });
  }

  private fault(route: Route) {
    const i = this.faults.findIndex(f => f.route === route);
    if (i < 0) return undefined;
    const [f] = this.faults.splice(i, 1);
    this.calls.push({ route, status: f.status });
    return HttpResponse.json(
      { message: 'You have exceeded a secondary rate limit.' },
      { status: f.status, headers: f.headers },
    );
  }

  private ok<T>(route: Route, response: T): T {
    this.calls.push({ route, status: 200 });
    return response;
  }

  handlers() {
    const base = `${API}/repos/acme/cart`;
    return [
      http.get(`${base}/commits/:ref`, ({ params }) => {
        const ref = String(params.ref);
        const sha = /^[0-9a-f]{4,40}$/.test(ref)
          ? this.git(
              'rev-parse',
              '--verify',
              '--quiet',
              `${ref}^{commit}`,
            )?.trim()
          : undefined;
        if (!sha) {
          this.calls.push({ route: 'commit', status: 422 });
          return HttpResponse.json(
            { message: `No commit found for SHA: ${ref}` },
            { status: 422 },
          );
        }
        return this.ok(
          'commit',
          HttpResponse.text(sha, {
            headers: { 'content-type': 'application/vnd.github.sha' },
          }),
        );
      }),
      http.get(`${base}/compare/:basehead`, ({ params, request }) => {
        const faulty = this.fault('compare');
        if (faulty) return faulty;
        const [b, h] = String(params.basehead).split('...');
        if (
          !this.git('rev-parse', '--verify', '--quiet', `${b}^{commit}`) ||
          !this.git('rev-parse', '--verify', '--quiet', `${h}^{commit}`)
        ) {
          this.calls.push({ route: 'compare', status: 404 });
          return HttpResponse.json({ message: 'Not Found' }, { status: 404 });
        }
        const url = new URL(request.url);
        const perPage = Number(url.searchParams.get('per_page') ?? 250);
        const page = Number(url.searchParams.get('page') ?? 1);
        const ahead = this.commits([`${b}..${h}`]);
        const behind = Number(this.git('rev-list', '--count', `${h}..${b}`));
        return this.ok(
          'compare',
          HttpResponse.json({
            status: compareStatus(ahead.length, behind),
            ahead_by: ahead.length,
            behind_by: behind,
            total_commits: ahead.length,
            commits: ahead.slice((page - 1) * perPage, page * perPage),
            files: [],
          }),
        );
      }),
      http.get(`${base}/commits`, ({ request }) => {
        const url = new URL(request.url);
        const perPage = Number(url.searchParams.get('per_page') ?? 30);
        const page = Number(url.searchParams.get('page') ?? 1);
        const all = this.commits([url.searchParams.get('sha')!]).reverse();
        const next =
          all.length > page * perPage
            ? `<${base}/commits?sha=${url.searchParams.get(
                'sha',
              )}&per_page=${perPage}&page=${page + 1}>; rel="next"`
            : undefined;
        return this.ok(
          'list',
          HttpResponse.json(all.slice((page - 1) * perPage, page * perPage), {
            headers: next ? { link: next } : {},
          }),
        );
      }),
      http.post(`${API}/graphql`, async ({ request }) => {
        const faulty = this.fault('graphql');
        if (faulty) return faulty;
        if (request.headers.get('authorization') !== `token ${TOKEN}`) {
          this.calls.push({ route: 'graphql', status: 401 });
          return HttpResponse.json(
            { message: 'Requires authentication' },
            { status: 401 },
          );
        }
        const { query } = (await request.json()) as { query: string };
        const repository: Record<string, unknown> = {};
        for (const m of query.matchAll(
          /c([0-9]+): object\(oid: "([0-9a-f]{40})"\)/g,
        )) {
          repository[`c${m[1]}`] = {
            associatedPullRequests: {
              nodes: this.pullRequests.get(m[2]) ?? [],
            },
          };
        }
        const checksOf = /checks: object\(oid: "([0-9a-f]{40})"\)/.exec(
          query,
        )?.[1];
        if (checksOf) {
          repository.checks = {
            statusCheckRollup: {
              contexts: { nodes: this.checks.get(checksOf) ?? [] },
            },
          };
        }
        return this.ok('graphql', HttpResponse.json({ data: { repository } }));
      }),
    ];
  }
}

function compareStatus(ahead: number, behind: number): string {
  if (ahead && behind) return 'diverged';
  if (behind) return 'behind';
  return ahead ? 'ahead' : 'identical';
}

const server = setupServer();
registerMswTestHooks(server);

describe.each(databases.eachSupportedId())(
  'correlation through GitHub on %p',
  databaseId => {
    let src: GitRepoFixture;
    let gitops: GitRepoFixture;
    let s: Record<string, string>;

    beforeAll(() => {
      src = new GitRepoFixture('gitops-gh-source-');
      src.write('README.md', '# cart\n');
      const c0 = src.commit('chore: scaffold');
      src.write('coupons.ts', 'x\n');
      const c1 = src.commit('feat: coupons (#101)\n\nCloses SHOP-1');
      src.git('checkout', '-q', '-b', 'SHOP-2-checkout');
      src.write('checkout.ts', 'x\n');
      const b1 = src.commit('feat: checkout form');
      src.git('checkout', '-q', 'main');
      src.git(
        'merge',
        '-q',
        '--no-ff',
        'SHOP-2-checkout',
        '-m',
        'Merge pull request #102 from acme/SHOP-2-checkout',
      );
      const m102 = src.head();
      src.write('gift.ts', 'x\n');
      // Squash-merged without a key in its message: the key is in the PR's branch.
      const c3 = src.commit('feat: gift cards (#103)');
      // More than 250 commits between two versions.
      src.git(
        '-c',
        'core.hooksPath=/dev/null',
        'commit',
        '-q',
        '--allow-empty',
        '-m',
        'chore: step 0',
      );
      execFileSync(
        'sh',
        [
          '-c',
          'for i in $(seq 1 259); do git -c commit.gpgsign=false commit -q --allow-empty -m "chore: step $i"; done',
        ],
        {
          cwd: src.dir,
          env: {
            ...process.env,
            GIT_AUTHOR_NAME: 'Bot',
            GIT_AUTHOR_EMAIL: 'bot@example.com',
            GIT_COMMITTER_NAME: 'Bot',
            GIT_COMMITTER_EMAIL: 'bot@example.com',
          },
        },
      );
      const last = src.head();
      src.git('checkout', '-q', '-b', 'release', c1);
      src.write('hotfix.ts', 'x\n');
      const r1 = src.commit('fix: hotfix on the release line');
      src.git('checkout', '-q', 'main');
      s = { c0, c1, b1, m102, c3, last, r1 };

      gitops = new GitRepoFixture();
      const deploy = (envs: string[], tag: string, message: string) => {
        for (const env of envs)
          gitops.write(
            `apps/cart/${env}/kustomization.yaml`,
            kustomization(tag),
          );
        gitops.commit(message);
      };
      gitops.write('gitops-pipeline.yaml', TWO_STAGE_PIPELINE);
      deploy(['dev', 'staging', 'prod-us', 'prod-eu'], short(c0), 'bootstrap');
      deploy(['dev'], short(c1), `deploy\n\nGitops-Source-Commit: ${c1}`);
      deploy(['dev'], short(m102), 'deploy');
      deploy(['dev'], short(c3), 'deploy');
      deploy(['dev'], short(last), 'deploy');
      deploy(
        ['staging', 'prod-eu'],
        short(last),
        'promote\n\nGitops-Kind: promotion',
      );
      deploy(['prod-eu'], short(r1), 'hotfix from the release line');
      deploy(
        ['prod-us'],
        'deadbeefdead',
        'deploy a commit GitHub does not have',
      );
    });
    afterAll(() => {
      src.cleanup();
      gitops.cleanup();
    });

    async function setup() {
      const double = new GitHubSourceDouble(src);
      double.pullRequests.set(s.b1, [
        {
          number: 102,
          title: 'Checkout',
          body: 'The checkout form',
          headRefName: 'SHOP-2-checkout',
        },
      ]);
      double.pullRequests.set(s.c3, [
        {
          number: 103,
          title: 'Gift cards',
          body: 'Adds gift cards',
          headRefName: 'acme/SHOP-3-gift-cards',
        },
        {
          number: 104,
          title: 'Backport gift cards',
          body: 'Backport of #103 for SHOP-4',
          headRefName: 'backport-103',
        },
      ]);
      double.checks.set(s.c3, [
        {
          __typename: 'CheckRun',
          name: 'unit-tests',
          status: 'COMPLETED',
          conclusion: 'SUCCESS',
          detailsUrl: 'https://ci.example.com/1',
        },
        {
          __typename: 'CheckRun',
          name: 'trivy-scan',
          status: 'COMPLETED',
          conclusion: 'FAILURE',
          detailsUrl: null,
        },
        {
          __typename: 'CheckRun',
          name: 'e2e',
          status: 'IN_PROGRESS',
          conclusion: null,
        },
        {
          __typename: 'StatusContext',
          context: 'ci/legacy',
          state: 'SUCCESS',
          targetUrl: 'https://legacy.example.com/7',
        },
      ]);
      server.use(...double.handlers());
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
          },
        }),
      );
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
              logger,
              retryAfterBaseMs: 1,
            }),
          ),
      );
      const mapping = [
        {
          repository_id: 'shop',
          service: 'cart',
          source_repository: 'github:acme/cart',
          entity_ref: 'component:default/cart',
        },
      ];
      const correlator = new Correlator({
        store,
        config: config.correlation,
        resolver,
        logger,
        loadServiceSources: async () => mapping,
      });
      const service = new CorrelationService({
        ledger,
        store,
        resolver,
        correlator,
        config: config.correlation,
        gitops: new GitopsService(ledger, config.repositories, new Map()),
      });
      const { rows } = await ledger.listRollouts({
        repositoryId: 'shop',
        limit: 100,
      });
      return {
        double,
        ledger,
        store,
        correlator,
        service,
        rollouts: rows.reverse(),
      };
    }

    it('gives the same change sets as local Git, with pull requests from GraphQL, in few requests', async () => {
      const { double, store, correlator, service, rollouts } = await setup();
      await store.replaceServiceSources([
        {
          repository_id: 'shop',
          service: 'cart',
          source_repository: 'github:acme/cart',
          entity_ref: 'component:default/cart',
        },
      ]);
      // One rollout at a time, counting requests.
      const perRollout: number[] = [];
      const statuses: string[] = [];
      for (const r of rollouts) {
        const before = double.calls.length;
        statuses.push(
          (await correlator.correlate(r, 'github:acme/cart')).status,
        );
        perRollout.push(double.calls.length - before);
      }
      expect(statuses).toEqual([
        ...Array(4).fill('resolved'), // bootstrap: baselines
        'resolved', // dev c0 → c1 (trailer)
        'resolved', // dev c1 → m102
        'resolved', // dev m102 → c3
        'resolved', // dev c3 → last (260 commits)
        'resolved', // staging c0 → last
        'resolved', // prod-eu c0 → last
        'resolved', // prod-eu last → r1 (diverged)
        'unknown-commit', // prod-us → deadbeefdead
      ]);
      const sorted = [...perRollout].sort((a, b) => a - b);
      expect(sorted[Math.floor(sorted.length / 2)]).toBeLessThanOrEqual(3);

      const id = (i: number) => String(rollouts[i].id);
      const merge = await service.getChangeSet(id(5));
      expect(merge.added.map(c => c.sha).sort()).toEqual([s.b1, s.m102].sort());
      expect(
        merge.added.every(
          c =>
            c.pullRequests.join() === '102' && c.issueKeys.join() === 'SHOP-2',
        ),
      ).toBe(true);
      expect(merge.pullRequests).toEqual([
        {
          number: 102,
          title: 'Checkout',
          branch: 'SHOP-2-checkout',
          url: 'https://github.com/acme/cart/pull/102',
        },
      ]);
      expect(merge.added[0].url).toMatch(
        /^https:\/\/github\.com\/acme\/cart\/commit\/[0-9a-f]{40}$/,
      );

      const gift = await service.getChangeSet(id(6));
      // CI results of the new version, from the same GraphQL query.
      expect(gift.checks).toEqual({
        total: 4,
        passed: 2,
        failed: 1,
        pending: 1,
        items: [
          {
            name: 'unit-tests',
            conclusion: 'success',
            url: 'https://ci.example.com/1',
          },
          { name: 'trivy-scan', conclusion: 'failure' },
          { name: 'e2e', conclusion: 'pending' },
          {
            name: 'ci/legacy',
            conclusion: 'success',
            url: 'https://legacy.example.com/7',
          },
        ],
      });
      expect(merge.checks).toEqual({
        total: 0,
        passed: 0,
        failed: 0,
        pending: 0,
        items: [],
      });
      expect(gift.added).toEqual([
        expect.objectContaining({
          sha: s.c3,
          pullRequests: [103, 104],
          issueKeys: ['SHOP-3', 'SHOP-4'],
        }),
      ]);

      const big = await service.getChangeSet(id(7));
      expect(big.added).toHaveLength(260);
      expect(big.added[0].sha).toBe(s.last);
      // The commit, 3 compare pages of 100, one GraphQL query per 100 commits.
      expect(perRollout[7]).toBe(1 + 3 + 3);
      const staging = await service.getChangeSet(id(8));
      expect(staging.added).toHaveLength(264);

      const diverged = await service.getChangeSet(id(10));
      expect(diverged.added.map(c => c.sha)).toEqual([s.r1]);
      expect(diverged.removed).toHaveLength(263);
      expect(diverged.removed.map(c => c.sha)).toEqual(
        expect.arrayContaining([s.m102, s.b1, s.c3, s.last]),
      );

      const unknown = await service.getChangeSet(id(11));
      expect(unknown.message).toMatch(
        /tag "deadbeefdead" as a commit sha: not a commit of github:acme\/cart/,
      );

      const feature = await service.lookupFeature('SHOP-3');
      const present = Object.fromEntries(
        feature.services[0].environments.map(e => [e.environment, e.present]),
      );
      expect(present).toEqual({
        dev: true,
        staging: true,
        'prod-us': false,
        'prod-eu': false,
      });
      expect(
        feature.services[0].environments.find(e => e.environment === 'prod-eu'),
      ).toMatchObject({
        removedByRolloutId: id(10),
      });

      // Page views read the ledger only: no GitHub request.
      const calls = double.calls.length;
      await service.getChangeSet(id(7));
      await service.lookupFeature('#104');
      expect(double.calls.length).toBe(calls);
    });

    it('leaves rollouts pending during a GitHub outage and stops the run early', async () => {
      const { double, store, correlator } = await setup();
      for (let i = 0; i < 100; i++)
        double.faults.push({ route: 'compare', status: 502, headers: {} });
      const first = await correlator.run();
      // The 4 baselines need no comparison; then 5 failures in a row stop the run.
      expect(first.byStatus).toEqual({ resolved: 4, failed: 5 });
      expect((await store.counts()).gitops_rollout_correlations).toBe(4);
      double.faults.length = 0;
      const second = await correlator.run();
      expect(second.byStatus).toEqual({ resolved: 7, 'unknown-commit': 1 });
    });

    it('waits when rate limited (429 with retry-after), then records everything once', async () => {
      const { double, store, correlator } = await setup();
      double.faults.push({
        route: 'compare',
        status: 429,
        headers: { 'retry-after': '1', 'x-ratelimit-remaining': '100' },
      });
      const run = await correlator.run();
      expect(run.byStatus).toEqual({ resolved: 11, 'unknown-commit': 1 });
      expect(double.calls.filter(c => c.status === 429)).toHaveLength(1);
      const counts = await store.counts();
      expect((await correlator.run()).rollouts).toBe(0);
      expect(await store.counts()).toEqual(counts);
    });
  },
);
