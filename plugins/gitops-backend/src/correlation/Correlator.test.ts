import { mockServices, TestDatabases } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import path from 'node:path';
import { readGitopsConfig } from '../config';
import { LedgerStore } from '../database/LedgerStore';
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
import { Correlator, FIRST_DEPLOYMENT_MESSAGE } from './Correlator';
import { ServiceSourceRow } from './CorrelationStore';
import { SourceRepositoryResolver } from './sourceRepositories';

jest.setTimeout(90_000);

const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });
const short = (sha: string) => sha.slice(0, 12);

/**
 * The source repository of `cart`:
 *
 *   c0 scaffold ─ c1 squash (#101, SHOP-1) ─ m102 merge ─ m104 merge ─ c2
 *                  │  \                      /  \                    /
 *                  │   b1 ─ b2 (acme/SHOP-2-checkout)   o1 ─ m103 (acme/SHOP-3-payments)
 *                  │                                      \  /
 *                  │                                       i1 (acme/SHOP-4-cards, in #103 and #104)
 *                  └─ r1 (release branch: diverged from main after c1)
 *   gone: a commit that was force-pushed away (not in the repository any more)
 */
function buildSource(src: GitRepoFixture) {
  src.write('README.md', '# cart\n');
  const c0 = src.commit('chore: scaffold cart');
  src.write('coupons.ts', 'export const coupons = [];\n');
  const c1 = src.commit('feat(cart): add coupons (#101)\n\nCloses SHOP-1', {
    name: 'Maya Chen',
    email: 'maya@acme.example',
  });

  src.git('checkout', '-q', '-b', 'acme/SHOP-2-checkout');
  src.write('checkout.ts', 'form\n');
  const b1 = src.commit('feat: checkout form', {
    name: 'Jonas Weber',
    email: 'jonas@acme.example',
  });
  src.write('checkout.test.ts', 'test\n');
  const b2 = src.commit(
    'test: checkout form\n\nCo-authored-by: Aisha Bello <aisha@acme.example>',
  );
  src.git('checkout', '-q', 'main');
  src.git(
    'merge',
    '-q',
    '--no-ff',
    'acme/SHOP-2-checkout',
    '-m',
    'Merge pull request #102 from acme/SHOP-2-checkout\n\nCheckout',
  );
  const m102 = src.head();

  src.git('checkout', '-q', '-b', 'acme/SHOP-3-payments');
  src.write('payments.ts', 'payments\n');
  const o1 = src.commit('feat: payments skeleton');
  src.git('checkout', '-q', '-b', 'acme/SHOP-4-cards');
  src.write('cards.ts', 'cards\n');
  const i1 = src.commit('feat: card payments');
  src.git('checkout', '-q', 'acme/SHOP-3-payments');
  src.git(
    'merge',
    '-q',
    '--no-ff',
    'acme/SHOP-4-cards',
    '-m',
    'Merge pull request #103 from acme/SHOP-4-cards',
  );
  const m103 = src.head();
  src.git('checkout', '-q', 'main');
  src.git(
    'merge',
    '-q',
    '--no-ff',
    'acme/SHOP-3-payments',
    '-m',
    'Merge pull request #104 from acme/SHOP-3-payments',
  );
  const m104 = src.head();
  src.write('README.md', '# cart\n\nv2\n');
  const c2 = src.commit('docs: explain v2');

  src.git('checkout', '-q', '-b', 'release/1.x', c1);
  src.write('hotfix.ts', 'fix\n');
  const r1 = src.commit('fix: hotfix on the 1.x line (SHOP-9)');

  // A commit pushed, deployed, then force-pushed away and garbage-collected.
  src.git('checkout', '-q', '-b', 'doomed', c2);
  src.write('doomed.ts', 'x\n');
  const gone = src.commit('feat: doomed');
  src.git('checkout', '-q', 'main');
  src.git('branch', '-q', '-D', 'doomed');
  src.git('reflog', 'expire', '--expire=now', '--all');
  src.git('gc', '-q', '--prune=now');
  return { c0, c1, b1, b2, m102, o1, i1, m103, m104, c2, r1, gone };
}

type Shas = ReturnType<typeof buildSource>;

/** The GitOps history of `cart`, one rollout per step. */
function buildGitops(repo: GitRepoFixture, s: Shas) {
  const deploy = (envs: string[], tag: string, message: string) => {
    for (const env of envs)
      repo.write(`apps/cart/${env}/kustomization.yaml`, kustomization(tag));
    return repo.commit(message);
  };
  repo.write('gitops-pipeline.yaml', TWO_STAGE_PIPELINE);
  deploy(
    ['dev', 'staging', 'prod-us', 'prod-eu'],
    short(s.c0),
    'bootstrap cart',
  );
  // The trailer names the commit (the tag alone would do as well).
  deploy(
    ['dev'],
    'coupons',
    `deploy cart to dev\n\nGitops-Source-Commit: ${s.c1}`,
  );
  deploy(['dev'], short(s.m102), 'deploy cart to dev');
  deploy(
    ['staging'],
    short(s.m102),
    'promote cart to staging\n\nGitops-Kind: promotion',
  );
  deploy(['dev'], short(s.m104), 'deploy cart to dev');
  deploy(
    ['prod-us', 'prod-eu'],
    short(s.m102),
    'promote cart to prod\n\nGitops-Kind: promotion',
  );
  deploy(
    ['prod-eu'],
    short(s.c1),
    'rollback cart in prod-eu\n\nGitops-Kind: rollback',
  );
  deploy(['dev'], short(s.r1), 'deploy the 1.x hotfix to dev');
  deploy(
    ['staging'],
    short(s.gone),
    'deploy a commit that was force-pushed away',
  );
  deploy(['prod-us'], 'v1.2.3', 'deploy a semver tag');
  deploy(['dev'], `build-42-g${s.c2.slice(0, 8)}`, 'deploy a build tag');
}

describe.each(databases.eachSupportedId())('Correlator on %p', databaseId => {
  let src: GitRepoFixture;
  let gitops: GitRepoFixture;
  let shas: Shas;

  beforeAll(() => {
    src = new GitRepoFixture('gitops-source-');
    shas = buildSource(src);
    gitops = new GitRepoFixture();
    buildGitops(gitops, shas);
  });
  afterAll(() => {
    src.cleanup();
    gitops.cleanup();
  });

  async function setup(
    options: { mapping?: ServiceSourceRow[]; batchSize?: number } = {},
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
          sourceRoots: [
            {
              id: 'local',
              provider: 'local',
              path: path.dirname(src.dir),
              commitUrlTemplate: 'https://git.example.com/{repo}/commit/{sha}',
            },
          ],
          correlation: {
            batchSize: options.batchSize ?? 200,
            tagPattern: '^build-[0-9]+-g(?<sha>[0-9a-f]{7,40})$',
            issueUrlTemplate: 'https://jira.example.com/browse/{key}',
          },
        },
      }),
    );
    let mapping: ServiceSourceRow[] = options.mapping ?? [
      {
        repository_id: 'shop',
        service: 'cart',
        source_repository: `local:${path.basename(src.dir)}`,
        entity_ref: 'component:default/cart',
      },
    ];
    const store = ledger.correlationStore();
    const resolver = new SourceRepositoryResolver(config.sourceRoots);
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
    const rollouts = async () => {
      const { rows } = await ledger.listRollouts({
        repositoryId: 'shop',
        service: 'cart',
        limit: 100,
      });
      return rows.reverse().map(r => ({
        id: String(r.id),
        env: r.environment,
        to: r.to_version,
        subject: r.subject,
      }));
    };
    return {
      knex,
      ledger,
      store,
      correlator,
      service,
      rollouts,
      setMapping: (m: ServiceSourceRow[]) => {
        mapping = m;
      },
    };
  }

  it('maps versions by trailer, sha tag and tag pattern, and says why when it cannot', async () => {
    const { correlator, service, rollouts } = await setup();
    const run = await correlator.run();
    expect(run.byStatus).toEqual({
      resolved: 13,
      'unknown-commit': 1,
      unmapped: 1,
    });
    const rs = await rollouts();
    const statuses = await Promise.all(
      rs.map(async r => {
        const cs = await service.getChangeSet(r.id);
        return `${r.env} ${r.to.startsWith('build') ? 'build' : r.to}: ${
          cs.status
        }`;
      }),
    );
    expect(statuses).toEqual([
      `dev ${short(shas.c0)}: resolved`,
      `staging ${short(shas.c0)}: resolved`,
      `prod-us ${short(shas.c0)}: resolved`,
      `prod-eu ${short(shas.c0)}: resolved`,
      'dev coupons: resolved',
      `dev ${short(shas.m102)}: resolved`,
      `staging ${short(shas.m102)}: resolved`,
      `dev ${short(shas.m104)}: resolved`,
      `prod-us ${short(shas.m102)}: resolved`,
      `prod-eu ${short(shas.m102)}: resolved`,
      `prod-eu ${short(shas.c1)}: resolved`,
      `dev ${short(shas.r1)}: resolved`,
      `staging ${short(shas.gone)}: unknown-commit`,
      'prod-us v1.2.3: unmapped',
      'dev build: resolved',
    ]);

    const first = await service.getChangeSet(rs[0].id);
    expect(first).toMatchObject({
      status: 'resolved',
      added: [],
      removed: [],
      toCommit: shas.c0,
    });
    expect(first.message).toContain(FIRST_DEPLOYMENT_MESSAGE);

    // Trailer: "coupons" is no sha, the Gitops-Source-Commit trailer maps it.
    const coupons = await service.getChangeSet(rs[4].id);
    expect(coupons).toMatchObject({ fromCommit: shas.c0, toCommit: shas.c1 });
    expect(coupons.added).toEqual([
      expect.objectContaining({
        sha: shas.c1,
        subject: 'feat(cart): add coupons (#101)',
        authorName: 'Maya Chen',
        pullRequests: [101],
        issueKeys: ['SHOP-1'],
        url: `https://git.example.com/${path.basename(src.dir)}/commit/${
          shas.c1
        }`,
      }),
    ]);
    expect(coupons.issueKeys).toEqual([
      { key: 'SHOP-1', url: 'https://jira.example.com/browse/SHOP-1' },
    ]);

    const gone = await service.getChangeSet(rs[12].id);
    expect(gone.message).toContain(short(shas.gone));
    expect(gone.message).toMatch(/force-pushed or deleted/);
    expect(gone.added).toEqual([]);

    const semver = await service.getChangeSet(rs[13].id);
    expect(semver.message).toMatch(/v1\.2\.3 could not be mapped/);
    expect(semver.message).toMatch(/not a commit sha/);
    expect(semver.message).toMatch(
      /does not match gitops\.correlation\.tagPattern/,
    );
    expect(semver.message).toMatch(/OCI label/);

    // Tag pattern: build-42-g<sha8> → c2; from the diverged r1: adds main's
    // commits since c1 and removes the hotfix.
    const build = await service.getChangeSet(rs[14].id);
    expect(build).toMatchObject({
      status: 'resolved',
      fromCommit: shas.r1,
      toCommit: shas.c2,
    });
    expect(build.removed.map(c => c.sha)).toEqual([shas.r1]);
    expect(build.added.map(c => c.sha).sort()).toEqual(
      [
        shas.b1,
        shas.b2,
        shas.m102,
        shas.o1,
        shas.i1,
        shas.m103,
        shas.m104,
        shas.c2,
      ].sort(),
    );
  });

  it('attaches pull requests and issue keys: squash, merge, nested merges, key only in the branch name', async () => {
    const { correlator, service, rollouts } = await setup();
    await correlator.run();
    const rs = await rollouts();
    const merge = await service.getChangeSet(rs[5].id); // dev → m102
    expect(merge.added.map(c => c.sha)).toEqual(
      expect.arrayContaining([shas.m102, shas.b1, shas.b2]),
    );
    expect(merge.added).toHaveLength(3);
    for (const c of merge.added) {
      expect(c.pullRequests).toEqual([102]);
      expect(c.issueKeys).toEqual(['SHOP-2']); // only in the branch name
    }
    expect(merge.pullRequests).toEqual([
      { number: 102, title: 'Checkout', branch: 'acme/SHOP-2-checkout' },
    ]);
    expect(merge.authors).toEqual(
      expect.arrayContaining(['Jonas Weber', 'Aisha Bello']),
    );

    const nested = await service.getChangeSet(rs[7].id); // dev m102 → m104
    const bySha = Object.fromEntries(nested.added.map(c => [c.sha, c]));
    expect(Object.keys(bySha).sort()).toEqual(
      [shas.o1, shas.i1, shas.m103, shas.m104].sort(),
    );
    expect(bySha[shas.i1].pullRequests).toEqual([103, 104]); // a commit in two PRs
    expect(bySha[shas.i1].issueKeys.sort()).toEqual(['SHOP-3', 'SHOP-4']);
    expect(bySha[shas.o1].pullRequests).toEqual([104]);
    expect(bySha[shas.m104].pullRequests).toEqual([104]);

    const pr = await service.lookupFeature('PR 103');
    expect(pr.services[0].commits.map(c => c.sha).sort()).toEqual(
      [shas.i1, shas.m103].sort(),
    );
  });

  it('answers where a feature is: present, since when, removed by the rollback', async () => {
    const { correlator, service, rollouts, ledger } = await setup();
    await correlator.run();
    const rs = await rollouts();
    const res = await service.lookupFeature('shop-2');
    expect(res.services).toHaveLength(1);
    const envs = Object.fromEntries(
      res.services[0].environments.map(e => [e.environment, e]),
    );
    const at = async (i: number) =>
      new Date(
        (await ledger.getRollout(rs[i].id))!.desired_at as any,
      ).toISOString();
    expect(envs.staging).toMatchObject({
      present: true,
      since: await at(6),
      rolloutId: rs[6].id,
    });
    expect(envs['prod-us']).toMatchObject({
      present: true,
      since: await at(8),
    });
    expect(envs['prod-eu']).toMatchObject({
      present: false,
      since: await at(9),
      removedAt: await at(10),
      removedByRolloutId: rs[10].id,
      removedByKind: 'rollback',
    });
    // dev: removed by the diverged hotfix deploy, brought back by the build tag.
    expect(envs.dev).toMatchObject({
      present: true,
      since: await at(14),
      rolloutId: rs[14].id,
    });
    expect(res.services[0].dwell).toEqual([
      {
        from: 'dev',
        to: 'staging',
        seconds: (Date.parse(await at(6)) - Date.parse(await at(5))) / 1000,
      },
      {
        from: 'staging',
        to: 'prod-us',
        seconds: (Date.parse(await at(8)) - Date.parse(await at(6))) / 1000,
      },
      {
        from: 'staging',
        to: 'prod-eu',
        seconds: (Date.parse(await at(9)) - Date.parse(await at(6))) / 1000,
      },
    ]);

    // By commit (a prefix), and a feature that never shipped anywhere.
    const commit = await service.lookupFeature(shas.r1.slice(0, 9));
    expect(commit.kind).toBe('commit');
    const devOnly = Object.fromEntries(
      commit.services[0].environments.map(e => [e.environment, e.present]),
    );
    expect(devOnly).toEqual({
      dev: false,
      staging: false,
      'prod-us': false,
      'prod-eu': false,
    });
    expect(
      commit.services[0].environments.find(e => e.environment === 'dev'),
    ).toMatchObject({
      removedByRolloutId: rs[14].id,
    });
    expect((await service.lookupFeature('NOPE-1')).services).toEqual([]);
    await expect(service.lookupFeature('hello world')).rejects.toThrow(
      /neither an issue key/,
    );
  });

  it('is idempotent and only processes pending rollouts', async () => {
    const { correlator, store, knex } = await setup({ batchSize: 4 });
    // Pages of 4 rollouts: every rollout is visited once.
    expect((await correlator.run()).rollouts).toBe(15);
    const counts = await store.counts();
    expect(counts.gitops_rollout_correlations).toBe(15);
    const again = await correlator.run();
    expect(again.rollouts).toBe(0);
    expect(await store.counts()).toEqual(counts);

    expect(await store.pendingRollouts(100)).toEqual([]);

    // Correlating the same rollouts again (a second replica, or a crash
    // before the status rows) writes no new commit, membership or ref.
    await knex('gitops_rollout_correlations').delete();
    const rerun = await correlator.run();
    expect(rerun.rollouts).toBe(15);
    expect(rerun.commitsInserted).toBe(0);
    expect(await store.counts()).toEqual(counts);
  });

  it('marks services without a source repository, and correlates them once the catalog names one', async () => {
    const { correlator, service, rollouts, setMapping } = await setup({
      mapping: [
        {
          repository_id: 'shop',
          service: 'cart',
          source_repository: null,
          entity_ref: 'component:default/cart',
        },
      ],
    });
    const run = await correlator.run();
    expect(run.byStatus).toEqual({ 'no-source': 15 });
    const rs = await rollouts();
    const cs = await service.getChangeSet(rs[5].id);
    expect(cs).toMatchObject({ status: 'no-source' });
    expect(cs.message).toMatch(/gitops2\.io\/source-repo/);
    expect((await correlator.run()).rollouts).toBe(0);

    setMapping([
      {
        repository_id: 'shop',
        service: 'cart',
        source_repository: 'github:acme/cart',
        entity_ref: 'component:default/cart',
      },
    ]);
    await correlator.run();
    expect((await service.getChangeSet(rs[5].id)).message).toMatch(
      /GitHub.*not available/,
    );
    expect((await correlator.run()).rollouts).toBe(0);

    setMapping([
      {
        repository_id: 'shop',
        service: 'cart',
        source_repository: `local:${path.basename(src.dir)}`,
        entity_ref: 'component:default/cart',
      },
    ]);
    expect((await correlator.run()).byStatus).toEqual({
      resolved: 13,
      'unknown-commit': 1,
      unmapped: 1,
    });
    expect((await service.getChangeSet(rs[5].id)).status).toBe('resolved');
  });

  it('tells what a promotion would bring (pending changes)', async () => {
    const { correlator, service } = await setup();
    await correlator.run();
    const entity = {
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'Component',
      metadata: {
        name: 'cart',
        annotations: {
          'gitops2.io/gitops-repo': 'shop',
          'gitops2.io/source-repo': `local:${path.basename(src.dir)}`,
        },
      },
    };
    // dev runs c2 (build tag), prod-eu runs c1 (rolled back).
    const pending = await service.getPendingChanges(entity, 'dev', 'prod-eu');
    expect(pending).toMatchObject({
      from: 'dev',
      to: 'prod-eu',
      fromVersion: `build-42-g${shas.c2.slice(0, 8)}`,
      toVersion: short(shas.c1),
    });
    expect(pending.changeSet.status).toBe('resolved');
    expect(pending.changeSet.added.map(c => c.sha).sort()).toEqual(
      [
        shas.b1,
        shas.b2,
        shas.m102,
        shas.o1,
        shas.i1,
        shas.m103,
        shas.m104,
        shas.c2,
      ].sort(),
    );
    expect(pending.changeSet.removed).toEqual([]);
    expect(pending.changeSet.issueKeys.map(k => k.key).sort()).toEqual([
      'SHOP-2',
      'SHOP-3',
      'SHOP-4',
    ]);

    const same = await service.getPendingChanges(entity, 'prod-us', 'prod-us');
    expect(same.changeSet.status).toBe('unmapped'); // prod-us runs v1.2.3
    const missing = service.getPendingChanges(entity, 'dev', 'qa');
    await expect(missing).rejects.toThrow(/no environment "qa"/);
  });
});
