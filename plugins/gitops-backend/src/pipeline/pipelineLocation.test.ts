import { ConfigReader } from '@backstage/config';
import { parse } from 'yaml';
import { readGitopsConfig } from '../config';
import { createDefaultLocatorRegistry } from '../locators/VersionLocatorRegistry';
import { TWO_STAGE_PIPELINE } from '../testing/GitRepoFixture';
import { validateInlinePipelines } from './pipelineLocation';

const repositories = (pipeline: any) =>
  readGitopsConfig(
    new ConfigReader({
      gitops: {
        repositories: [
          { id: 'docs', provider: 'local', url: '/srv/docs' },
          { id: 'shop', provider: 'local', url: '/srv/g', pipeline },
        ],
      },
    }),
  ).repositories;

describe('validateInlinePipelines', () => {
  const locators = createDefaultLocatorRegistry();

  it('accepts a sound pipeline written in app-config', () => {
    expect(() =>
      validateInlinePipelines(
        repositories(parse(TWO_STAGE_PIPELINE)),
        locators,
      ),
    ).not.toThrow();
  });

  it('stops startup on a pipeline that is not one, naming the key and the repository', () => {
    expect(() =>
      validateInlinePipelines(repositories({ kind: 'Pipeline' }), locators),
    ).toThrow(
      /^Invalid gitops configuration: gitops\.repositories\.1\.pipeline \(repository shop\): /,
    );
  });

  it('stops startup on one broken environment or service entry', () => {
    const pipeline = parse(TWO_STAGE_PIPELINE);
    pipeline.spec.environments.staging.namespace = 'Not A Namespace!';
    pipeline.spec.services.cart.locator.type = 'no-such-locator';
    expect(() =>
      validateInlinePipelines(repositories(pipeline), locators),
    ).toThrow(
      /gitops\.repositories\.1\.pipeline \(repository shop\): .*(environment staging|service cart)/,
    );
  });
});
