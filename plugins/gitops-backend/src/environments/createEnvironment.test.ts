import { mockCredentials, TestDatabases } from '@backstage/backend-test-utils';
import request from 'supertest';
import {
  POLICY_PIPELINE,
  WritePathHarness,
} from '../promotion/__testUtils__/WritePathHarness';

/** Every environment written directly: a repository without review. */
const DIRECT_PIPELINE = POLICY_PIPELINE.replace(
  /promotion:\n {8}approvals: 1\n {8}approverGroup: group:default\/release-(us|eu)/g,
  'promotion:\n        mode: direct',
);

jest.setTimeout(120_000);

const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });

const PERF = {
  name: 'perf',
  placement: { kind: 'after-stage', after: 'staging' },
  sourceEnvironment: 'staging',
  cluster: 'staging-cluster',
  namespace: 'shop-perf',
  url: 'https://perf.shop.example.com',
  promotion: { approvals: 1, approverGroup: 'group:default/release-us' },
};

/**
 * gitops:environment:create through its doors (HTTP, actions registry), on
 * the plugin as installed, a real Git repository and both databases.
 */
describe.each(databases.eachSupportedId())(
  'creating an environment on %p',
  dbId => {
    let h: WritePathHarness;
    afterEach(() => h.cleanup());

    /** Every ref and where it points: "nothing written" is this unchanged. */
    const refs = () =>
      h.repo.git('for-each-ref', '--format=%(refname) %(objectname)');
    const post = (user: string, body: unknown, preview = false) =>
      request(h.server)
        .post(
          `/api/gitops/v1/repositories/demo/environments${
            preview ? '/preview' : ''
          }`,
        )
        .set(
          'authorization',
          mockCredentials.user.header(`user:default/${user}`),
        )
        .send(body as object);

    async function start() {
      h = new WritePathHarness();
      h.bump('cart', ['staging'], 'v7');
      await h.start(databases, dbId);
    }

    it('opens one pull request branch with the pipeline edit and one manifest per service, copied at the source version', async () => {
      await start();
      const before = h.repo.head();
      const res = await post('alice', PERF);
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({
        environment: 'perf',
        mode: 'pull-request',
        branch: 'gitops/environment-perf',
        dryRun: false,
        services: [
          {
            service: 'cart',
            version: 'v7',
            file: 'apps/cart/perf/kustomization.yaml',
          },
          {
            service: 'ledger',
            version: 'v1',
            file: 'apps/ledger/perf/kustomization.yaml',
          },
        ],
      });
      expect(res.body.files.map((f: any) => f.path)).toEqual([
        'gitops-pipeline.yaml',
        'apps/cart/perf/kustomization.yaml',
        'apps/ledger/perf/kustomization.yaml',
      ]);
      // The branch clusters follow did not move: the change waits for review.
      expect(h.repo.head()).toBe(before);
      const branch = 'gitops/environment-perf';
      expect(h.repo.git('rev-parse', `${branch}^`)).toBe(before);
      expect(
        h.repo.git('diff', '--name-only', before, branch).split('\n').sort(),
      ).toEqual([
        'apps/cart/perf/kustomization.yaml',
        'apps/ledger/perf/kustomization.yaml',
        'gitops-pipeline.yaml',
      ]);
      expect(h.fileAt(branch, 'cart', 'perf')).toContain(
        'newTag: v7 # bumped by CI',
      );
      const pipeline = h.repo.git('show', `${branch}:gitops-pipeline.yaml`);
      expect(pipeline).toContain(
        '    - name: perf\n      environments: [perf]\n',
      );
      expect(pipeline).toContain('approverGroup: group:default/release-us');
      const audit = await h.audit();
      expect(audit.map(r => [r.door, r.actor, r.action, r.result])).toEqual([
        ['http', 'user:default/alice', 'environment-create', 'succeeded'],
      ]);
      expect(audit[0].message).toMatch(
        /^branch gitops\/environment-perf at [0-9a-f]{12}$/,
      );
      // A retry (the scaffolder running the task again) is answered with
      // the same branch and commit, and writes nothing more.
      const branchRefs = refs();
      const retry = await post('alice', PERF);
      expect(retry.status).toBe(201);
      expect(retry.body).toMatchObject({
        branch,
        commitSha: res.body.commitSha,
      });
      expect(refs()).toBe(branchRefs);
      // Another change for perf is refused while this one is under review.
      const other = await post('alice', { ...PERF, namespace: 'shop-load' });
      expect(other.status).toBe(409);
      expect(other.body.error.message).toMatch(
        /branch gitops\/environment-perf already exists: a change for environment perf is under review/,
      );
      expect(refs()).toBe(branchRefs);
    });

    it('commits directly on the branch when every environment of the repository is written directly, and ingests it', async () => {
      h = new WritePathHarness(DIRECT_PIPELINE);
      await h.start(databases, dbId);
      const before = h.repo.head();
      const res = await post('alice', {
        ...PERF,
        name: 'prod-asia',
        placement: { kind: 'join-stage', stage: 'prod' },
        sourceEnvironment: 'prod-us',
        cluster: 'prod-us-cluster',
        promotion: { mode: 'direct' },
      });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ mode: 'direct', branch: 'main' });
      expect(h.repo.head()).toBe(res.body.commitSha);
      expect(h.repo.git('rev-parse', 'HEAD^')).toBe(before);
      expect(h.repo.git('log', '-1', '--format=%an%n%s')).toBe(
        'alice\nadd environment prod-asia (copied from prod-us)',
      );
      // Ingested at once: the new environment is in the stored pipeline.
      const status = await h
        .as('alice')
        .get('/v1/entities/default/component/cart/status');
      expect(
        status.body.pipeline.stages.find((s: any) => s.name === 'prod')
          .environments,
      ).toEqual(['prod-us', 'prod-eu', 'prod-asia']);
    });

    it('a preview returns the full diff and writes nothing', async () => {
      await start();
      const before = refs();
      const res = await post('alice', PERF, true);
      expect(res.status).toBe(200);
      expect(res.body.dryRun).toBe(true);
      const pipelineDiff = res.body.files[0].diff as string;
      expect(pipelineDiff).toContain('+    - name: perf');
      expect(pipelineDiff).toContain('+      namespace: shop-perf');
      expect(res.body.files[1].diff).toContain(
        '+    newTag: v7 # bumped by CI',
      );
      expect(refs()).toBe(before);
      expect((await h.audit()).map(r => [r.action, r.result])).toEqual([
        ['environment-preview', 'succeeded'],
      ]);
    });

    it("the actions registry runs the same operation with the caller's credentials", async () => {
      await start();
      h.policy = (user, permission) =>
        permission !== 'gitops.environment.manage' || user === 'alice';
      const invoke = (user: string, input: object) =>
        h.actionsRegistry.invoke({
          id: 'test:create-environment',
          input: input as any,
          credentials: mockCredentials.user(`user:default/${user}`),
        });
      const before = refs();
      await expect(
        invoke('mallory', { repositoryId: 'demo', ...PERF }),
      ).rejects.toThrow(/gitops\.environment\.manage denied for perf in demo/);
      expect(refs()).toBe(before);
      const preview = await invoke('alice', {
        repositoryId: 'demo',
        ...PERF,
        dryRun: true,
      });
      expect((preview.output as any).files).toHaveLength(3);
      expect(refs()).toBe(before);
      const { output } = await invoke('alice', {
        repositoryId: 'demo',
        ...PERF,
      });
      expect(output).toMatchObject({
        environment: 'perf',
        branch: 'gitops/environment-perf',
      });
      expect((await h.audit()).map(r => [r.door, r.action, r.result])).toEqual([
        ['actions', 'environment-create', 'denied'],
        ['actions', 'environment-preview', 'succeeded'],
        ['actions', 'environment-create', 'succeeded'],
      ]);
    });

    describe('refuses bad input with a clear message and writes nothing', () => {
      const expectRefused = async (
        body: unknown,
        status: number,
        message: RegExp,
        setup?: () => void,
        user = 'alice',
      ) => {
        await start();
        setup?.();
        const before = refs();
        const res = await post(user, body);
        expect(res.status).toBe(status);
        expect(res.body.error.message).toMatch(message);
        expect(refs()).toBe(before);
        const rows = await h.audit();
        expect(rows.map(r => [r.action, r.result])).toEqual([
          ['environment-create', status === 403 ? 'denied' : 'refused'],
        ]);
      };

      it('a duplicate name', () =>
        expectRefused(
          { ...PERF, name: 'prod-eu' },
          409,
          /environment "prod-eu" already exists in the pipeline/,
        ));

      it('an unknown cluster', () =>
        expectRefused(
          { ...PERF, cluster: 'mars-cluster' },
          400,
          /unknown cluster "mars-cluster".*known: dev-cluster, prod-eu-cluster, prod-us-cluster, staging-cluster/,
        ));

      it('a namespace that is not a DNS label', () =>
        expectRefused(
          { ...PERF, namespace: 'Shop_Perf' },
          400,
          /namespace must be a DNS label/,
        ));

      it('a name that would lead outside the repository', () =>
        expectRefused(
          { ...PERF, name: '../../etc' },
          400,
          /name must be a DNS label/,
        ));

      it('a target directory that is a symlink (a path out of the repository)', () =>
        expectRefused(
          PERF,
          400,
          /through apps\/cart\/perf, which is not a directory \(mode 120000\)/,
          () => {
            require('node:fs').symlinkSync(
              '/tmp',
              `${h.repo.dir}/apps/cart/perf`,
            );
            h.repo.commit('a symlink where perf would go');
          },
        ));

      it('files that already exist', () =>
        expectRefused(
          PERF,
          409,
          /apps\/ledger\/perf\/kustomization\.yaml already exists; refusing to overwrite it/,
          () => {
            h.repo.write(
              'apps/ledger/perf/kustomization.yaml',
              'kind: Kustomization\n',
            );
            h.repo.commit('a leftover');
          },
        ));

      it('a caller without gitops.environment.manage', () =>
        expectRefused(
          PERF,
          403,
          /gitops\.environment\.manage denied for perf in demo/,
          () => {
            h.policy = (_user, permission) =>
              permission !== 'gitops.environment.manage';
          },
        ));

      it('an unknown stage', () =>
        expectRefused(
          { ...PERF, placement: { kind: 'join-stage', stage: 'qa' } },
          400,
          /unknown stage "qa" \(stages: dev, staging, prod\)/,
        ));

      it('a bad promotion policy', () =>
        expectRefused(
          { ...PERF, promotion: { approvals: 'many' } },
          400,
          /promotion policy: approvals/,
        ));
    });
  },
);
