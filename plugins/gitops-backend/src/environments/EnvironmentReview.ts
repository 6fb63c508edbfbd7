import { ConflictError, NotFoundError } from '@backstage/errors';
import type { VersionLocatorRegistry } from '../locators/VersionLocatorRegistry';
import type { StepTypeCatalog } from '../pipeline/parseSteps';
import { BranchMovedError, ReviewedHeadMovedError } from '../git/GitWriter';
import { authorOf } from '../promotion/execution/commitMessage';
import { WritablePipeline } from '../promotion/planning/WritablePipeline';
import type { PromotionRepository } from '../promotion/types';

/**
 * The branches environment changes are written on: `gitops/environment-<env>`,
 * `gitops/retire-<env>[-<service>]`, `gitops/service-<service>`.
 */
export const ENVIRONMENT_BRANCH =
  /^gitops\/(environment|retire|service)-([a-z0-9]([a-z0-9._-]{0,61}[a-z0-9])?)$/;

/**
 * Merging or closing an environment change's branch from the portal (local
 * repositories have no pull request page; on GitHub it merges the pull
 * request's branch the same way). Only the commit the reviewer saw is merged
 * (`commitSha`), only as a fast-forward of the branch clusters follow (a
 * change planned on an older head is closed and planned again, never merged
 * blind), and only when the pipeline file at that commit is sound.
 */
export class EnvironmentReview {
  constructor(
    private readonly locators: VersionLocatorRegistry,
    private readonly stepTypes?: StepTypeCatalog,
  ) {}

  async merge(
    repo: PromotionRepository,
    branch: string,
    commitSha: string,
    initiator: string,
  ): Promise<{ mergeSha: string }> {
    const head = await repo.writer.branchHead(branch);
    if (!head) throw new NotFoundError(`no branch ${branch}`);
    if (head !== commitSha)
      throw new ConflictError(
        `branch ${branch} is at ${head.slice(
          0,
          12,
        )}, not at the reviewed ${commitSha.slice(0, 12)}; review it again`,
      );
    const main = await repo.source.headCommit();
    if (!(await repo.writer.isAncestor(main, head)))
      throw new ConflictError(
        `${repo.branch} moved since ${branch} was planned; close it and plan the change again`,
      );
    // Fail closed: a broken pipeline file at the reviewed commit is not merged.
    await WritablePipeline.at(repo, head, this.locators, this.stepTypes);
    let mergeSha: string;
    try {
      mergeSha = await repo.writer.merge({
        branch,
        expectedHead: commitSha,
        into: repo.branch,
        expectedOld: main,
        message: `Merge ${branch}\n\nGitops-Initiator: ${initiator}\n`,
        author: authorOf(initiator),
      });
    } catch (e) {
      // Someone pushed to either branch between the checks and the write.
      if (e instanceof BranchMovedError || e instanceof ReviewedHeadMovedError)
        throw new ConflictError(`${e.message}; nothing was merged`);
      throw e;
    }
    await repo.writer.deleteBranch(branch);
    return { mergeSha };
  }

  async close(repo: PromotionRepository, branch: string): Promise<void> {
    if (!(await repo.writer.branchHead(branch)))
      throw new NotFoundError(`no branch ${branch}`);
    await repo.writer.closePullRequest?.(branch, repo.branch);
    await repo.writer.deleteBranch(branch);
  }
}
