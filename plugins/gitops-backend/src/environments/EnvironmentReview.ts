import { ConflictError, NotFoundError } from '@backstage/errors';
import type { VersionLocatorRegistry } from '../locators/VersionLocatorRegistry';
import type { StepTypeCatalog } from '../pipeline/parseSteps';
import {
  BranchMovedError,
  GitWriter,
  ReviewedHeadMovedError,
} from '../git/GitWriter';
import { authorOf } from '../promotion/execution/commitMessage';
import { WritablePipeline } from '../promotion/planning/WritablePipeline';
import type { PromotionRepository } from '../promotion/types';
import type { OpenWork } from './RetirePlanner';
import { assertPipelineEditable } from '../pipeline/pipelineLocation';
import { assertChangeScope } from './changeScope';
import { retiredBy } from './retiredBy';
import { EnvironmentChangeLease } from './EnvironmentChangeLease';
import type { EnvironmentChangeLocks } from '../promotion/store/EnvironmentChangeLocks';

/** How a merge is recorded as the portal's (see GitWriter.merge). */
export type MergeRecording = Pick<
  Parameters<GitWriter['merge']>[0],
  'onIntent' | 'onCreated'
>;

/**
 * Merging or closing an environment change's branch from the portal (local
 * repositories have no pull request page; on GitHub it merges the pull
 * request's branch the same way). Only the commit the reviewer saw is merged
 * (`commitSha`), only as a fast-forward of the branch clusters follow (a
 * change planned on an older head is closed and planned again, never merged
 * blind), and only when the pipeline file at that commit is sound. What
 * the change takes away (an environment, a service there) is checked for
 * open actions and holds again at the merge, not only when it was planned:
 * one asked for in between would be stranded. From before that check until
 * the merge ends, the merge holds the environment locks of what it takes
 * away (`locking`), so no promotion opens there meanwhile.
 */
export class EnvironmentReview {
  constructor(
    private readonly locators: VersionLocatorRegistry,
    private readonly openWork: OpenWork,
    private readonly stepTypes?: StepTypeCatalog,
    /** The environment locks promotions take, and the lease's time to live. */
    private readonly locking?: { locks: EnvironmentChangeLocks; ttlMs: number },
  ) {}

  async merge(
    repo: PromotionRepository,
    branch: string,
    commitSha: string,
    initiator: string,
    /** Records the merge as the portal's (GitWriter.merge says when). */
    recording: MergeRecording = {},
  ): Promise<{ mergeSha: string }> {
    const head = await repo.writer.branchHead(branch);
    if (head && head !== commitSha)
      throw new ConflictError(
        `branch ${branch} is at ${head.slice(
          0,
          12,
        )}, not at the reviewed ${commitSha.slice(0, 12)}; review it again`,
      );
    const main = await repo.source.headCommit();
    const message = `Merge ${branch}\n\nGitops-Initiator: ${initiator}\n`;
    if (!head || !(await repo.writer.isAncestor(main, head))) {
      // Merged already at the reviewed commit (a retry after the ledger
      // failed to record a merge the Git host made): adopted, not refused.
      const adopted = await this.adoptMerged(repo, branch, commitSha, {
        main,
        message,
        initiator,
        recording,
      });
      if (adopted) return adopted;
      if (!head) throw new NotFoundError(`no branch ${branch}`);
      throw new ConflictError(
        `${repo.branch} moved since ${branch} was planned; close it and plan the change again`,
      );
    }
    // An environment change edits the repository's pipeline file; one kept
    // in app-config or another repository cannot be checked against it.
    assertPipelineEditable(repo);
    // Fail closed: a broken pipeline file at the reviewed commit is not merged.
    const after = await WritablePipeline.at(
      repo,
      head,
      this.locators,
      this.stepTypes,
    );
    const before = await WritablePipeline.at(
      repo,
      main,
      this.locators,
      this.stepTypes,
    );
    const retired = retiredBy(before.parsedFile, after.parsedFile);
    // Locked before the open work is checked, released once the merge ended
    // (a crash leaves a lease that expires): a promotion asked for after
    // the check is refused by the lock, one asked for before is seen.
    const lease = await this.lock(repo, branch, [...retired.keys()]);
    let mergeSha: string;
    try {
      for (const [environment, services] of retired) {
        const open = await this.openWork(repo.id, environment, services);
        if (open) throw new ConflictError(`${open}; nothing was merged`);
      }
      await assertChangeScope(
        repo,
        before.parsedFile,
        after.parsedFile,
        main,
        head,
      );
      lease?.assertHeld();
      mergeSha = await repo.writer.merge({
        branch,
        expectedHead: commitSha,
        into: repo.branch,
        expectedOld: main,
        message,
        author: authorOf(initiator),
        ...recording,
      });
    } catch (e) {
      // Someone pushed to either branch between the checks and the write.
      if (e instanceof BranchMovedError || e instanceof ReviewedHeadMovedError)
        throw new ConflictError(`${e.message}; nothing was merged`);
      throw e;
    } finally {
      // A lock that cannot be released now expires with its lease.
      await lease?.release().catch(() => undefined);
    }
    await repo.writer.deleteBranch(branch);
    return { mergeSha };
  }

  /** The locks of the environments a change takes away (none to take: undefined). */
  private async lock(
    repo: PromotionRepository,
    branch: string,
    environments: string[],
  ): Promise<EnvironmentChangeLease | undefined> {
    if (!this.locking || environments.length === 0) return undefined;
    try {
      return await EnvironmentChangeLease.acquire(
        this.locking.locks,
        repo.id,
        environments,
        `the merge of ${branch}`,
        this.locking.ttlMs,
      );
    } catch (e) {
      if (e instanceof ConflictError)
        throw new ConflictError(`${e.message}; nothing was merged`);
      throw e;
    }
  }

  /**
   * A change the Git host reports merged at the reviewed commit, with its
   * merge commit (GitHub): the writer adopts that merge and records it when
   * it is the portal's (reviewed head and this message); the branch goes.
   */
  private async adoptMerged(
    repo: PromotionRepository,
    branch: string,
    commitSha: string,
    o: {
      main: string;
      message: string;
      initiator: string;
      recording: MergeRecording;
    },
  ): Promise<{ mergeSha: string } | undefined> {
    const state = await repo.writer.reviewState({
      branch,
      into: repo.branch,
      commitSha,
    });
    if (
      state.state !== 'merged' ||
      !state.mergeSha ||
      state.headSha !== commitSha
    )
      return undefined;
    const mergeSha = await repo.writer.merge({
      branch,
      expectedHead: commitSha,
      into: repo.branch,
      expectedOld: o.main,
      message: o.message,
      author: authorOf(o.initiator),
      onCreated: o.recording.onCreated,
    });
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
