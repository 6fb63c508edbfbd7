import { makeValidator } from '@backstage/catalog-model';
import { createDefaultLocatorRegistry } from '../locators';
import { parsePipeline } from '../pipeline/parsePipeline';
import { TWO_STAGE_PIPELINE } from '../testing/GitRepoFixture';
import { environmentEntities } from './environmentEntities';

describe('environmentEntities', () => {
  it('names an environment whose <repository>.<environment> is over 63 characters with a shortened, distinct, valid name instead of leaving it out', () => {
    const long = 'prod-eu-west-with-a-very-long-region-name';
    const pipeline = parsePipeline(
      TWO_STAGE_PIPELINE.replaceAll('prod-eu', long),
      'gitops-pipeline.yaml',
      createDefaultLocatorRegistry(),
    );
    expect(pipeline.fileError).toBeNull();
    const repositoryId = 'platform-gitops-for-the-payments-area';
    const entities = environmentEntities({
      repositoryId,
      pipeline,
      fallbackOwner: 'group:default/platform',
      locationKey: 'gitops-environments:x',
    });
    const envs = entities.map(
      e => e.metadata.annotations!['gitops2.io/environment'],
    );
    expect(envs).toEqual(['dev', 'staging', 'prod-us', long]);
    const longOne = entities[3];
    expect(`${repositoryId}.${long}`.length).toBeGreaterThan(63);
    expect(longOne.metadata.name.length).toBeLessThanOrEqual(63);
    expect(makeValidator().isValidEntityName(longOne.metadata.name)).toBe(true);
    expect(longOne.metadata.name).toMatch(
      /^platform-gitops-for-the-payments-area\.prod-eu-west-wit-[0-9a-f]{8}$/,
    );
    expect(longOne.metadata.title).toBe(`${long} (${repositoryId})`);
    // Short names stay as they were.
    expect(entities[0].metadata.name).toBe(`${repositoryId}.dev`);
    // Stable: the same name on every refresh.
    expect(
      environmentEntities({
        repositoryId,
        pipeline,
        fallbackOwner: 'group:default/platform',
        locationKey: 'gitops-environments:x',
      })[3].metadata.name,
    ).toBe(longOne.metadata.name);
  });
});
