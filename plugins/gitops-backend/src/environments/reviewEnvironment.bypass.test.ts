import { mockCredentials, TestDatabases } from '@backstage/backend-test-utils';
import request from 'supertest';
import {
  POLICY_PIPELINE,
  WritePathHarness,
} from '../promotion/__testUtils__/WritePathHarness';

jest.setTimeout(120_000);

const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });

/**
 * Hostile review: merging an environment change's branch is a
 * door to the branch clusters follow. It must not carry a version change of
 * an existing environment past that environment's promotion policy
 * (approvals, holds, freeze windows): prod-eu needs one approval from
 * group:default/release-eu, which alice is not in.
 */
describe.each(databases.eachSupportedId())(
  'environment change merge vs promotion policy on %p',
  dbId => {
    let h: WritePathHarness;
    afterEach(() => h.cleanup());

    it('refuses to merge an environment change whose commit also changes the version of another environment (prod-eu needs an approval), and main stays', async () => {
      h = new WritePathHarness();
      await h.start(databases, dbId);
      // alice may manage environments everywhere, but approves nothing.
      h.groups.set('alice', ['group:default/team-cart']);

      // The portal's way for alice is an approval: a promotion of v9 to
      // prod-eu waits for release-eu.
      const main = h.repo.head();
      h.repo.git('checkout', '-q', '-b', 'gitops/environment-sandbox');
      h.bump('cart', ['prod-eu'], 'v9', 'add environment sandbox');
      const commitSha = h.repo.head();
      h.repo.git('checkout', '-q', 'main');

      const res = await request(h.server)
        .post('/api/gitops/v1/repositories/demo/environments/merge')
        .set('authorization', mockCredentials.user.header('user:default/alice'))
        .send({ branch: 'gitops/environment-sandbox', commitSha });
      expect([res.status, res.body.error.message]).toEqual([
        409,
        expect.stringMatching(
          /^this is not an environment change: it changes apps\/cart\/prod-eu\/.*, a manifest of an environment that runs; nothing was merged/,
        ),
      ]);
      expect(h.repo.git('rev-parse', 'main')).toBe(main);
      expect(h.versionOnMain('cart', 'prod-eu')).toBe('v1');
    });

    it('refuses to merge an environment change whose pipeline edit drops the approval of an existing environment (prod-eu), and main stays', async () => {
      h = new WritePathHarness();
      await h.start(databases, dbId);
      const main = h.repo.head();
      h.repo.git('checkout', '-q', '-b', 'gitops/environment-sandbox');
      const dropped = POLICY_PIPELINE.replace(
        /\n\s*approvals: 1\n\s*approverGroup: group:default\/release-eu/,
        '',
      );
      expect(dropped).not.toBe(POLICY_PIPELINE);
      h.repo.write('gitops-pipeline.yaml', dropped);
      const commitSha = h.repo.commit('add environment sandbox');
      h.repo.git('checkout', '-q', 'main');
      const res = await request(h.server)
        .post('/api/gitops/v1/repositories/demo/environments/merge')
        .set('authorization', mockCredentials.user.header('user:default/alice'))
        .send({ branch: 'gitops/environment-sandbox', commitSha });
      expect([res.status, res.body.error.message]).toEqual([
        409,
        'this is not an environment change: it changes the definition of environment prod-eu; nothing was merged (a version change of an existing environment is a promotion)',
      ]);
      expect(h.repo.git('rev-parse', 'main')).toBe(main);
    });
  },
);
