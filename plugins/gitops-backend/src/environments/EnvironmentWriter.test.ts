import { BranchMovedError, GitWriter } from '../git/GitWriter';
import type { PromotionRepository } from '../promotion/types';
import type { EnvironmentPlan } from './EnvironmentPlanner';
import { EnvironmentWriter } from './EnvironmentWriter';

const plan = (mode: EnvironmentPlan['mode']): EnvironmentPlan => ({
  repositoryId: 'demo',
  environment: 'perf',
  baseSha: 'b'.repeat(40),
  mode,
  services: [],
  files: [{ path: 'gitops-pipeline.yaml', content: 'kind: Pipeline\n' }],
  changes: [],
});

function repoWith(writer: Partial<GitWriter>): PromotionRepository {
  return {
    id: 'demo',
    branch: 'main',
    pipelineFile: 'gitops-pipeline.yaml',
    source: {} as any,
    writer: writer as GitWriter,
  };
}

describe('EnvironmentWriter', () => {
  it('a direct commit is a compare-and-set on the planned head; a moved branch is a 409 that wrote nothing', async () => {
    const commits: any[] = [];
    const repo = repoWith({
      commit: async options => {
        commits.push(options);
        throw new BranchMovedError('main');
      },
    });
    await expect(
      new EnvironmentWriter().write(
        repo,
        plan('direct'),
        'add environment perf',
        'user:default/alice',
      ),
    ).rejects.toMatchObject({
      name: 'ConflictError',
      message: expect.stringMatching(
        /branch "main" moved while writing.*nothing was written, run it again/,
      ),
    });
    expect(commits).toHaveLength(1);
    expect(commits[0]).toMatchObject({
      branch: 'main',
      baseSha: 'b'.repeat(40),
      expectedOld: 'b'.repeat(40),
    });
  });

  it('a pull request branch must not exist yet (expectedOld null) and its pull request is opened', async () => {
    const commits: any[] = [];
    const repo = repoWith({
      branchHead: async () => undefined,
      commit: async options => {
        commits.push(options);
        return 'c'.repeat(40);
      },
      openPullRequest: async ({ branch, title }) =>
        `https://github.com/acme/gitops/pull/1?${branch}&${title}`,
    });
    const written = await new EnvironmentWriter().write(
      repo,
      plan('pull-request'),
      'add environment perf (copied from staging)\n\nbody\n',
      'user:default/alice',
    );
    expect(commits[0]).toMatchObject({
      branch: 'gitops/environment-perf',
      expectedOld: null,
      author: { name: 'alice' },
    });
    expect(written).toEqual({
      commitSha: 'c'.repeat(40),
      branch: 'gitops/environment-perf',
      pullRequestUrl:
        'https://github.com/acme/gitops/pull/1?gitops/environment-perf&add environment perf (copied from staging)',
    });
  });

  it('a pull request branch another request created meanwhile is named as such (not "moved … run it again"), and nothing is written', async () => {
    const heads = [undefined, 'd'.repeat(40)];
    const repo = repoWith({
      branchHead: async () => heads.shift(),
      // Git refuses to create the branch: it exists now.
      commit: async () => {
        throw new BranchMovedError('gitops/environment-perf');
      },
      describeCommit: async sha => ({
        sha,
        parents: ['a'.repeat(40)], // another base: another change
        message: '',
        changedFiles: ['gitops-pipeline.yaml'],
      }),
    });
    await expect(
      new EnvironmentWriter().write(
        repo,
        plan('pull-request'),
        'add environment perf',
        'user:default/alice',
      ),
    ).rejects.toMatchObject({
      name: 'ConflictError',
      message:
        'branch gitops/environment-perf was created meanwhile by another request: a change for environment perf is under review; merge or close it first',
    });
  });
});
