import { mockCredentials, TestDatabases } from '@backstage/backend-test-utils';
import request from 'supertest';
import { parse } from 'yaml';
import {
  POLICY_PIPELINE,
  WritePathHarness,
} from './__testUtils__/WritePathHarness';

jest.setTimeout(120_000);

const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });

const BASE = '/api/gitops/v1/entities/default/component/cart';

/**
 * A pipeline in app-config (`gitops.repositories[].pipeline`), on the plugin
 * as installed: the repository's own file (broken here) is never read;
 * promotions plan with the configured pipeline; writes that would edit the
 * pipeline are refused, nothing written.
 */
describe.each(databases.eachSupportedId())(
  'a pipeline in app-config on %p',
  dbId => {
    let h: WritePathHarness;
    afterEach(() => h.cleanup());

    it('ingests and promotes with the pipeline of app-config, and refuses to edit it (409, nothing written)', async () => {
      h = new WritePathHarness('spec: [this file is not the pipeline\n');
      h.bump('cart', ['dev'], 'v2');
      await h.start(databases, dbId, {
        repositories: [
          {
            id: 'demo',
            provider: 'local',
            url: h.repo.dir,
            pipeline: parse(POLICY_PIPELINE),
          },
        ],
      });
      const alice = mockCredentials.user.header('user:default/alice');

      const status = await request(h.server)
        .get(`${BASE}/status`)
        .set('authorization', alice);
      expect(status.status).toBe(200);
      const dev = status.body.environments.find(
        (e: any) => e.environment.name === 'dev',
      );
      expect(dev.desired.version).toBe('v2');

      const preview = await request(h.server)
        .post(`${BASE}/promotions/preview`)
        .set('authorization', alice)
        .send({ sourceEnvironment: 'dev' });
      expect(preview.status).toBe(200);
      expect(preview.body).toMatchObject({
        version: 'v2',
        environments: ['staging'],
      });

      const refs = () =>
        h.repo.git('for-each-ref', '--format=%(refname) %(objectname)');
      const before = refs();
      const create = await request(h.server)
        .post('/api/gitops/v1/repositories/demo/environments')
        .set('authorization', alice)
        .send({
          name: 'perf',
          placement: { kind: 'after-stage', after: 'staging' },
          sourceEnvironment: 'staging',
          cluster: 'staging-cluster',
          namespace: 'shop-perf',
        });
      expect(create.status).toBe(409);
      expect(create.body.error.message).toContain(
        'the pipeline of repository demo is not a file of it (app-config gitops.repositories[demo].pipeline); edit it there',
      );
      expect(refs()).toBe(before);
    });
  },
);
