import { ConflictError } from '@backstage/errors';
import { BranchMovedError } from '../git/GitWriter';
import { authorOf } from '../promotion/execution/commitMessage';
import type { PromotionRepository } from '../promotion/types';
import type { EnvironmentPlan } from './EnvironmentPlanner';

export interface EnvironmentWritten {
  commitSha: string;
  branch: string;
  pullRequestUrl?: string;
}

/** The commit message: what was added, from where, and who asked. */
export function environmentCommitMessage(
  plan: EnvironmentPlan,
  source: string,
  initiator: string,
  reason?: string,
): string {
  const lines = plan.services.map(
    s => `- ${s.service} ${s.version} (${s.file})`,
  );
  return `add environment ${plan.environment} (copied from ${source})\n\n${
    reason ? `${reason}\n\n` : ''
  }${
    lines.length ? lines.join('\n') : '(no service is enabled in the source)'
  }\n\nGitops-Initiator: ${initiator}\n`;
}

/** The commit message of a retirement: what goes, and who asked. */
export function retireCommitMessage(
  plan: EnvironmentPlan,
  service: string | undefined,
  initiator: string,
  reason?: string,
): string {
  const subject = service
    ? `disable ${service} in ${plan.environment}`
    : `retire environment ${plan.environment}`;
  const lines = plan.changes
    .filter(c => c.deleted)
    .map(c => `- delete ${c.path}`);
  return `${subject}\n\n${reason ? `${reason}\n\n` : ''}${
    lines.length ? lines.join('\n') : '(no manifest to delete)'
  }\n\nGitops-Initiator: ${initiator}\n`;
}

/**
 * Writes a planned environment through the repository's Git writer, the
 * one promotions use, with its compare-and-set: on a branch of its own and a
 * pull request (a branch that already exists is refused, never reused), or
 * directly on the branch clusters follow, only if it is still at the commit
 * the plan was made on. The commit is recorded as the portal's (its
 * Gitops-* trailers trusted by ingestion) before a ref points at it: a
 * database that cannot record it stops the write there, nothing landed.
 */
export class EnvironmentWriter {
  async write(
    ...args: Parameters<EnvironmentWriter['writeOnce']>
  ): Promise<EnvironmentWritten> {
    try {
      return await this.writeOnce(...args);
    } catch (e) {
      // Compare-and-set lost: someone pushed since the plan. Nothing was
      // written; the caller plans again on the new head.
      if (e instanceof BranchMovedError)
        throw new ConflictError(
          `${e.message}; nothing was written, run it again to plan on the new head`,
        );
      throw e;
    }
  }

  private async writeOnce(
    repo: PromotionRepository,
    plan: EnvironmentPlan,
    message: string,
    initiator: string,
    branch = `gitops/environment-${plan.environment}`,
    /** Records the new commit as the portal's, before any ref points at it. */
    onCreated?: (sha: string) => Promise<void>,
  ): Promise<EnvironmentWritten> {
    const author = authorOf(initiator);
    if (plan.mode === 'direct') {
      const commitSha = await repo.writer.commit({
        baseSha: plan.baseSha,
        branch: repo.branch,
        expectedOld: plan.baseSha,
        files: plan.files,
        message,
        author,
        onCreated,
      });
      return { commitSha, branch: repo.branch };
    }
    const existing = await repo.writer.branchHead(branch);
    if (existing) {
      // A retry (the scaffolder runs a failed task again) finds its own
      // branch: the same change on the same base is answered, not redone.
      if (!(await sameChange(repo, existing, plan))) {
        throw new ConflictError(
          `branch ${branch} already exists: a change for environment ${plan.environment} is under review; merge or close it first`,
        );
      }
      return {
        commitSha: existing,
        branch,
        pullRequestUrl: await this.openPullRequest(repo, branch, message),
      };
    }
    let commitSha: string;
    try {
      commitSha = await repo.writer.commit({
        baseSha: plan.baseSha,
        branch,
        expectedOld: null,
        files: plan.files,
        message,
        author,
        onCreated,
      });
    } catch (e) {
      if (!(e instanceof BranchMovedError)) throw e;
      // The branch appeared between the check above and the write: another
      // request (or a retry of this one) created it.
      const now = await repo.writer.branchHead(branch);
      if (!now || !(await sameChange(repo, now, plan)))
        throw new ConflictError(
          `branch ${branch} was created meanwhile by another request: a change for environment ${plan.environment} is under review; merge or close it first`,
        );
      commitSha = now;
    }
    const pullRequestUrl = await this.openPullRequest(repo, branch, message);
    return { commitSha, branch, pullRequestUrl };
  }

  /** The pull request of a branch (GitHub; the open one if there is one); none for local repositories. */
  private async openPullRequest(
    repo: PromotionRepository,
    branch: string,
    message: string,
  ): Promise<string | undefined> {
    if (!repo.writer.openPullRequest) return undefined;
    const [title, , ...body] = message.split('\n');
    return repo.writer.openPullRequest({
      branch,
      base: repo.branch,
      title,
      body: body.join('\n'),
    });
  }
}

/** Whether a branch's head is exactly the planned change: one commit on the plan's base, the same files and contents. */
async function sameChange(
  repo: PromotionRepository,
  head: string,
  plan: EnvironmentPlan,
): Promise<boolean> {
  const commit = await repo.writer.describeCommit(head);
  if (commit.parents[0] !== plan.baseSha) return false;
  const planned = plan.files.map(f => f.path).sort();
  if (
    JSON.stringify([...commit.changedFiles].sort()) !== JSON.stringify(planned)
  )
    return false;
  const written = plan.files.filter(f => !f.delete);
  const contents = await repo.source.readFiles(
    written.map(f => ({ sha: head, path: f.path })),
  );
  return written.every((f, i) => contents[i] === f.content);
}
