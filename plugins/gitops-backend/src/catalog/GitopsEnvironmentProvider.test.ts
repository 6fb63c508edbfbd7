import { mockServices } from '@backstage/backend-test-utils';
import { LocalGitSource } from '../git/LocalGitSource';
import { createDefaultLocatorRegistry } from '../locators';
import { createDefaultStepRegistry } from '../steps';
import { GitRepoFixture, TWO_STAGE_PIPELINE } from '../testing/GitRepoFixture';
import { GitopsEnvironmentProvider } from './GitopsEnvironmentProvider';

describe('GitopsEnvironmentProvider', () => {
  let repo: GitRepoFixture;
  afterEach(() => repo.cleanup());

  function providerOn(dir: string) {
    return new GitopsEnvironmentProvider({
      repositories: [
        {
          id: 'shop',
          pipelineFile: 'gitops-pipeline.yaml',
          source: new LocalGitSource(dir, 'main'),
        },
      ],
      locators: createDefaultLocatorRegistry(),
      stepTypes: createDefaultStepRegistry(),
      fallbackOwner: 'group:default/platform',
      logger: mockServices.logger.mock(),
    });
  }

  it('publishes each environment as a Resource of type environment, scoped by repository, with its URL and its services', async () => {
    repo = new GitRepoFixture();
    repo.write('gitops-pipeline.yaml', TWO_STAGE_PIPELINE).commit('pipeline');
    const provider = providerOn(repo.dir);
    const applyMutation = jest.fn();
    await provider.connect({ applyMutation, refresh: jest.fn() });
    await provider.refresh();
    const { entities } = applyMutation.mock.calls[0][0];
    expect(applyMutation.mock.calls[0][0].type).toBe('full');
    expect(entities.map((e: any) => e.entity.metadata.name)).toEqual([
      'shop.dev',
      'shop.staging',
      'shop.prod-us',
      'shop.prod-eu',
    ]);
    // Not a GitOps service: every view that lists services (dashboard,
    // feature tracker, MCP) finds them by the service annotation.
    for (const { entity } of entities)
      expect(entity.metadata.annotations).not.toHaveProperty(
        'gitops2.io/gitops-repo',
      );
    expect(entities[0]).toEqual({
      locationKey: 'gitops-environments:shop',
      entity: expect.objectContaining({
        kind: 'Resource',
        metadata: expect.objectContaining({
          annotations: expect.objectContaining({
            'gitops2.io/environment-repo': 'shop',
            'gitops2.io/environment': 'dev',
          }),
          links: [
            {
              url: 'https://dev.shop.example.com',
              title: 'https://dev.shop.example.com',
            },
          ],
        }),
        spec: {
          type: 'environment',
          owner: 'group:default/platform',
          dependencyOf: ['component:default/cart'],
        },
      }),
    });
  });

  it('takes the owner from the pipeline file, and keeps the last entities when the file breaks', async () => {
    repo = new GitRepoFixture();
    repo
      .write(
        'gitops-pipeline.yaml',
        TWO_STAGE_PIPELINE.replace(
          '  name: shop\n',
          '  name: shop\n  owner: group:default/shop-sre\n',
        ),
      )
      .commit('pipeline');
    const provider = providerOn(repo.dir);
    const applyMutation = jest.fn();
    await provider.connect({ applyMutation, refresh: jest.fn() });
    await provider.refresh();
    expect(applyMutation.mock.calls[0][0].entities[0].entity.spec.owner).toBe(
      'group:default/shop-sre',
    );
    repo.write('gitops-pipeline.yaml', 'spec: [').commit('broken');
    await provider.refresh();
    expect(applyMutation.mock.calls[1][0].entities).toHaveLength(4);
  });
});
