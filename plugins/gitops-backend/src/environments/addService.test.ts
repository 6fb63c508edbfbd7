import { mockCredentials, TestDatabases } from '@backstage/backend-test-utils';
import request from 'supertest';
import { WritePathHarness } from '../promotion/__testUtils__/WritePathHarness';
import { kustomization } from '../testing/GitRepoFixture';

jest.setTimeout(120_000);

const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });

const SEARCH = {
  service: 'search',
  path: 'apps/search/{environment}/kustomization.yaml',
  locator: { type: 'kustomize-image', options: { image: 'ghcr.io/acme/cart' } },
  environments: ['dev', 'staging'],
};

/** gitops:service:add: onboarding a service whose manifests are in the repository. */
describe.each(databases.eachSupportedId())(
  'onboarding a service on %p',
  dbId => {
    let h: WritePathHarness;
    afterEach(() => h.cleanup());

    const refs = () =>
      h.repo.git('for-each-ref', '--format=%(refname) %(objectname)');
    const post = (body: unknown, preview = false) =>
      request(h.server)
        .post(
          `/api/gitops/v1/repositories/demo/services${
            preview ? '/preview' : ''
          }`,
        )
        .set('authorization', mockCredentials.user.header('user:default/alice'))
        .send(body as object);

    async function start() {
      h = new WritePathHarness();
      for (const env of ['dev', 'staging'])
        h.repo.write(
          `apps/search/${env}/kustomization.yaml`,
          kustomization('v4'),
        );
      h.repo.commit('search manifests');
      await h.start(databases, dbId);
    }

    it('adds the pipeline entry (disabled where it does not run) and the versions asked for, by pull request', async () => {
      await start();
      const main = h.repo.head();
      const res = await post({ ...SEARCH, versions: { staging: 'v5' } });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({
        branch: 'gitops/service-search',
        services: [
          { service: 'search', environment: 'dev', version: 'v4' },
          { service: 'search', environment: 'staging', version: 'v5' },
        ],
      });
      expect(h.repo.head()).toBe(main);
      const pipeline = h.repo.git(
        'show',
        'gitops/service-search:gitops-pipeline.yaml',
      );
      expect(pipeline).toContain(`    search:
      path: apps/search/{environment}/kustomization.yaml
      locator:
        type: kustomize-image
        image: ghcr.io/acme/cart
      environments:
        prod-us:
          enabled: false
        prod-eu:
          enabled: false`);
      expect(h.fileAt('gitops/service-search', 'search', 'staging')).toContain(
        'newTag: v5 # bumped by CI',
      );
    });

    it('the actions registry needs gitops.environment.manage on <repository>:<service>:* too', async () => {
      await start();
      const asked: Array<string | undefined> = [];
      h.policy = (user, permission, ref) => {
        if (permission === 'gitops.environment.manage') asked.push(ref);
        return permission !== 'gitops.environment.manage' || user === 'alice';
      };
      const invoke = (user: string) =>
        h.actionsRegistry.invoke({
          id: 'test:add-service',
          input: { repositoryId: 'demo', ...SEARCH, dryRun: true } as any,
          credentials: mockCredentials.user(`user:default/${user}`),
        });
      const before = refs();
      await expect(invoke('mallory')).rejects.toThrow(
        /gitops\.environment\.manage denied/,
      );
      expect(((await invoke('alice')).output as any).files).toHaveLength(1);
      expect(asked).toEqual(['demo:search:*', 'demo:search:*']);
      expect(refs()).toBe(before);
    });

    it('the preview writes nothing', async () => {
      await start();
      const before = refs();
      const res = await post(SEARCH, true);
      expect(res.status).toBe(200);
      expect(res.body.files[0].diff).toContain('+    search:');
      expect(refs()).toBe(before);
    });

    it.each([
      [
        'a locator that finds no version',
        { locator: { type: 'kustomize-image', options: { image: 'nginx' } } },
        400,
        /the locator finds no version in apps\/search\/dev\/kustomization\.yaml:\d+: images has no entry named "nginx"/,
      ],
      [
        'a manifest that is not there',
        { environments: ['dev', 'prod-us'] },
        400,
        /apps\/search\/prod-us\/kustomization\.yaml does not exist; commit the manifests of the service first/,
      ],
      [
        'a service already in the pipeline',
        { service: 'cart' },
        409,
        /service "cart" is already in the pipeline/,
      ],
      [
        'an unknown locator type',
        { locator: { type: 'guess' } },
        400,
        /unknown locator type "guess"/,
      ],
    ])(
      'refuses %s, and writes nothing',
      async (_what, change, status, message) => {
        await start();
        const before = refs();
        const res = await post({ ...SEARCH, ...change });
        expect(res.status).toBe(status);
        expect(res.body.error.message).toMatch(message);
        expect(refs()).toBe(before);
      },
    );
  },
);
