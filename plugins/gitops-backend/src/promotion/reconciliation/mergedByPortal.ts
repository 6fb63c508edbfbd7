import type { GitopsAction } from '@gitops2/plugin-gitops-common';
import type { ReviewState } from '../../git/GitWriter';
import type { PromotionEngine } from '../engine';
import type { PromotionRepository } from '../types';

/**
 * Whether a pull request the Git host reports merged was merged by the
 * portal (its merge gates ran; a crash cut the recording) rather than by
 * hand:
 * - the host names the merge commit (GitHub): it is a commit the portal
 *   recorded for this action, or exactly the merge it asked for (a recorded
 *   intent with its parents, message and tree, as ingestion trusts it; an
 *   intent alone is not enough: GitHub may have refused that merge, and
 *   someone merged by hand afterwards);
 * - it does not (a local repository): the portal recorded the merge before
 *   moving the branch (an intent for a fast-forward, the merge commit
 *   otherwise) and that merge commit is in the target branch.
 */
export async function mergedByPortal(
  engine: PromotionEngine,
  repo: PromotionRepository,
  action: GitopsAction,
  review: ReviewState,
): Promise<boolean> {
  if (
    !engine.portalMergeAskedFor ||
    !engine.portalCommitsOfAction ||
    !engine.portalCommitsOf
  )
    return true;
  const reviewed = action.commitSha?.toLowerCase();
  const merges = (
    await engine.portalCommitsOfAction(action.repositoryId, action.id)
  ).filter(sha => sha !== reviewed);
  if (review.mergeSha) {
    const sha = review.mergeSha.toLowerCase();
    if (merges.includes(sha)) return true;
    const info = await repo.writer.describeCommit(sha);
    if (!info.treeSha || info.parents[1]?.toLowerCase() !== reviewed)
      return false;
    const mine = await engine.portalCommitsOf(action.repositoryId, [
      {
        sha,
        parents: info.parents,
        message: info.message,
        treeSha: info.treeSha,
      },
    ]);
    return mine.has(sha);
  }
  const head = await repo.writer.branchHead(repo.branch);
  if (!head) return false;
  for (const sha of merges) {
    if (await repo.writer.isAncestor(sha, head)) return true;
  }
  return engine.portalMergeAskedFor(action.repositoryId, action.id);
}

/**
 * The audit line of a pull request the Git host reports merged at the
 * reviewed commit: undefined when the portal merged it ("merged as …"),
 * else "merged outside the portal by <login> …" (the login when the host
 * tells). Never throws: when it cannot be told, the line says so, and what
 * Git has is recorded all the same.
 */
export async function hostMergeAuditMessage(
  engine: PromotionEngine,
  repo: PromotionRepository,
  action: GitopsAction,
  review: ReviewState,
): Promise<string | undefined> {
  const reviewed = (action.commitSha ?? '').slice(0, 12);
  const as = review.mergeSha ? ` as ${review.mergeSha.slice(0, 12)}` : '';
  let message: string | undefined;
  try {
    if (await mergedByPortal(engine, repo, action, review)) return undefined;
    const by =
      review.number !== undefined && repo.writer.mergedBy
        ? await repo.writer.mergedBy(review.number).catch(() => undefined)
        : undefined;
    message = `merged outside the portal${
      by ? ` by ${by}` : ''
    } at the reviewed commit ${reviewed}${as}: the portal did not evaluate its merge gates (freeze windows, soak time, holds, checks) for this merge`;
  } catch (e) {
    message = `merged at the reviewed commit ${reviewed}${as}; whether the portal or someone else merged it could not be told (${
      (e as Error).message
    })`;
  }
  engine.logger.warn(`action #${action.id}: ${message}`);
  return message;
}
