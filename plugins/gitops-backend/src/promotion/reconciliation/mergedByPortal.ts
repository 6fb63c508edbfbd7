import type { GitopsAction } from '@gitops2/plugin-gitops-common';
import type { ReviewState } from '../../git/GitWriter';
import type { PromotionEngine } from '../engine';
import type { PromotionRepository } from '../types';

/**
 * Whether a pull request the Git host reports merged was merged by the
 * portal (its merge gates ran; a crash cut the recording) rather than by
 * hand: the portal asked the host to merge it (a merge intent), or a merge
 * commit the portal wrote for the action is the merge (or, where the host
 * does not name the merge, in the history of the target branch).
 */
export async function mergedByPortal(
  engine: PromotionEngine,
  repo: PromotionRepository,
  action: GitopsAction,
  review: ReviewState,
): Promise<boolean> {
  if (!engine.portalMergeAskedFor || !engine.portalCommitsOfAction) return true;
  if (await engine.portalMergeAskedFor(action.repositoryId, action.id))
    return true;
  const merges = (
    await engine.portalCommitsOfAction(action.repositoryId, action.id)
  ).filter(sha => sha !== action.commitSha?.toLowerCase());
  if (review.mergeSha) return merges.includes(review.mergeSha.toLowerCase());
  const head = await repo.writer.branchHead(repo.branch);
  if (!head) return false;
  for (const sha of merges) {
    if (await repo.writer.isAncestor(sha, head)) return true;
  }
  return false;
}

/**
 * The audit line of a pull request merged by hand at the reviewed commit,
 * with who merged it when the Git host says (asking it may fail: the line
 * is written without the name then).
 */
export async function mergedOutsideMessage(
  repo: PromotionRepository,
  review: ReviewState,
  reviewedSha: string,
): Promise<string> {
  const by =
    review.number !== undefined && repo.writer.mergedBy
      ? await repo.writer.mergedBy(review.number).catch(() => undefined)
      : undefined;
  return `merged outside the portal${
    by ? ` by ${by}` : ''
  } at the reviewed commit ${reviewedSha.slice(0, 12)}${
    review.mergeSha ? ` as ${review.mergeSha.slice(0, 12)}` : ''
  }: the portal did not evaluate its merge gates (freeze windows, soak time, holds, checks) for this merge`;
}
