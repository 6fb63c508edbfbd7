import { BranchMovedError, ReviewedHeadMovedError } from '../git/GitWriter';
import { createDefaultLocatorRegistry } from '../locators';
import type { PromotionRepository } from '../promotion/types';
import { TWO_STAGE_PIPELINE } from '../testing/GitRepoFixture';
import { EnvironmentReview } from './EnvironmentReview';

const HEAD = 'a'.repeat(40);
const MAIN = 'b'.repeat(40);

function repoWhoseMergeFails(error: Error): PromotionRepository {
  return {
    id: 'demo',
    branch: 'main',
    pipelineFile: 'gitops-pipeline.yaml',
    source: {
      headCommit: async () => MAIN,
      readFiles: async () => [TWO_STAGE_PIPELINE],
      listCommits: async () => [],
    } as any,
    writer: {
      branchHead: async () => HEAD,
      isAncestor: async () => true,
      merge: async () => {
        throw error;
      },
      deleteBranch: async () => {
        throw new Error('must not delete a branch that was not merged');
      },
    } as any,
  };
}

describe('EnvironmentReview.merge', () => {
  const review = new EnvironmentReview(
    createDefaultLocatorRegistry(),
    async () => undefined,
  );

  it.each([
    ['the reviewed branch moved', new ReviewedHeadMovedError('b', HEAD, MAIN)],
    ['main moved', new BranchMovedError('main')],
  ])(
    'a race lost at the write (%s) is a 409 that merged nothing and keeps the branch',
    async (_what, error) => {
      await expect(
        review.merge(
          repoWhoseMergeFails(error),
          'gitops/environment-perf',
          HEAD,
          'user:default/alice',
        ),
      ).rejects.toMatchObject({
        name: 'ConflictError',
        message: expect.stringMatching(/; nothing was merged$/),
      });
    },
  );
});
