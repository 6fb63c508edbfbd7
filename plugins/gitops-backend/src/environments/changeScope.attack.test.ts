import { mockCredentials, TestDatabases } from '@backstage/backend-test-utils';
import request from 'supertest';
import {
  POLICY_PIPELINE,
  WritePathHarness,
} from '../promotion/__testUtils__/WritePathHarness';
import { kustomization } from '../testing/GitRepoFixture';

jest.setTimeout(120_000);

// The scope check reads Git, not the database: SQLite is enough.
const databases = TestDatabases.create({ ids: ['SQLITE_3'] });

/**
 * Hostile environment changes (attack review): a branch named like an
 * environment change (`gitops/environment-*`, `gitops/retire-*`,
 * `gitops/service-*`) that carries more than the change, merged through
 * the portal by someone with gitops.environment.manage but no say over
 * the environments that run. Each must be refused with main unchanged.
 */
describe.each(databases.eachSupportedId())(
  'environment change scope under attack on %p',
  dbId => {
    let h: WritePathHarness;
    afterEach(() => h.cleanup());

    /** POLICY_PIPELINE with a fifth environment, sandbox, in a last stage. */
    const withSandbox = (pipeline = POLICY_PIPELINE) =>
      pipeline
        .replace(
          '      environments: [prod-us, prod-eu]\n',
          '      environments: [prod-us, prod-eu]\n    - name: sandbox\n      environments: [sandbox]\n',
        )
        .replace(
          '  services:\n',
          '    sandbox:\n      cluster: dev-cluster\n  services:\n',
        );

    const merge = (branch: string, commitSha: string) =>
      request(h.server)
        .post('/api/gitops/v1/repositories/demo/environments/merge')
        .set('authorization', mockCredentials.user.header('user:default/alice'))
        .send({ branch, commitSha });

    it('refuses an environment change that renames a running environment manifest (prod-eu) into the new environment: git log hides the deleted path of a rename', async () => {
      h = new WritePathHarness();
      await h.start(databases, dbId);
      const main = h.repo.head();
      h.repo.git('checkout', '-q', '-b', 'gitops/environment-sandbox');
      h.repo.write('gitops-pipeline.yaml', withSandbox());
      require('node:fs').mkdirSync(`${h.repo.dir}/apps/cart/sandbox`, {
        recursive: true,
      });
      h.repo.git(
        'mv',
        'apps/cart/prod-eu/kustomization.yaml',
        'apps/cart/sandbox/kustomization.yaml',
      );
      h.repo.write(
        'apps/ledger/sandbox/kustomization.yaml',
        kustomization('v1'),
      );
      const commitSha = h.repo.commit('add environment sandbox');
      h.repo.git('checkout', '-q', 'main');
      // The branch deletes prod-eu's manifest, which the pipeline still uses.
      expect(
        h.repo.git('diff', '--no-renames', '--name-status', main, commitSha),
      ).toContain('D\tapps/cart/prod-eu/kustomization.yaml');

      const res = await merge('gitops/environment-sandbox', commitSha);
      expect(res.status).toBe(409);
      expect(h.repo.git('rev-parse', 'main')).toBe(main);
    });

    it('refuses an environment change that re-orders the existing stages (prod then promoted from dev, not staging)', async () => {
      h = new WritePathHarness();
      await h.start(databases, dbId);
      const main = h.repo.head();
      h.repo.git('checkout', '-q', '-b', 'gitops/environment-sandbox');
      // Stage staging moves after prod: prod's versions now come from dev,
      // past staging's soak time and health, and staging is fed from prod.
      const reordered = withSandbox().replace(
        '    - name: staging\n      environments: [staging]\n    - name: prod\n      environments: [prod-us, prod-eu]\n',
        '    - name: prod\n      environments: [prod-us, prod-eu]\n    - name: staging\n      environments: [staging]\n',
      );
      expect(reordered).not.toBe(withSandbox());
      h.repo.write('gitops-pipeline.yaml', reordered);
      for (const svc of ['cart', 'ledger'])
        h.repo.write(
          `apps/${svc}/sandbox/kustomization.yaml`,
          kustomization('v1'),
        );
      const commitSha = h.repo.commit('add environment sandbox');
      h.repo.git('checkout', '-q', 'main');

      const res = await merge('gitops/environment-sandbox', commitSha);
      expect(res.status).toBe(409);
      expect(res.body.error.message).toMatch(
        /^this is not an environment change/,
      );
      expect(h.repo.git('rev-parse', 'main')).toBe(main);
    });

    it('refuses a service change that adds a file beside its manifest in the directory of a running environment (prod-eu)', async () => {
      h = new WritePathHarness();
      await h.start(databases, dbId);
      const main = h.repo.head();
      h.repo.git('checkout', '-q', '-b', 'gitops/service-evil');
      const withEvil = POLICY_PIPELINE.replace(
        '  services:\n',
        '  services:\n    evil:\n      path: apps/cart/{environment}/evil-values.yaml\n      locator: { type: helm-values, path: image.tag }\n',
      );
      h.repo.write('gitops-pipeline.yaml', withEvil);
      for (const env of ['dev', 'staging', 'prod-us', 'prod-eu'])
        h.repo.write(
          `apps/cart/${env}/evil-values.yaml`,
          'image:\n  tag: v1\n',
        );
      // Not a manifest of the new service: a workload a directory-synced
      // application (Argo CD directory source, Flux without a
      // kustomization.yaml) deploys into prod-eu as it is.
      h.repo.write(
        'apps/cart/prod-eu/miner.yaml',
        'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: miner\n',
      );
      const commitSha = h.repo.commit('add service evil');
      h.repo.git('checkout', '-q', 'main');

      const res = await merge('gitops/service-evil', commitSha);
      expect(res.status).toBe(409);
      expect(res.body.error.message).toContain('apps/cart/prod-eu/miner.yaml');
      expect(h.repo.git('rev-parse', 'main')).toBe(main);
    });

    it("refuses the portal's own retirement of prod-us while prod-eu's kustomization still uses prod-us's overlay", async () => {
      h = new WritePathHarness();
      // prod-eu is an overlay of prod-us (resources: ../prod-us).
      for (const svc of ['cart', 'ledger'])
        h.repo.write(
          `apps/${svc}/prod-eu/kustomization.yaml`,
          kustomization('v1').replace('../base', '../prod-us'),
        );
      h.repo.commit('prod-eu builds on prod-us');
      await h.start(databases, dbId);
      const main = h.repo.head();
      const retire = await request(h.server)
        .post('/api/gitops/v1/repositories/demo/environments/retire')
        .set('authorization', mockCredentials.user.header('user:default/alice'))
        .send({ environment: 'prod-us' });
      // Refused when planned, or when merged: either way not on main.
      // Merged, prod-eu's build fails: it references a deleted directory.
      const res =
        retire.status === 201
          ? await merge(retire.body.branch, retire.body.commitSha)
          : retire;
      expect(res.status).toBe(409);
      expect(h.repo.git('rev-parse', 'main')).toBe(main);
    });
  },
);
