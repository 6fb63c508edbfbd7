import type { ReviewState } from '../../git/GitWriter';

/**
 * Why a pull request the Git host reports merged is not the action's
 * merge: it was merged at another head than the reviewed commit (someone
 * pushed to the portal's branch after the approval, then merged by hand).
 * Undefined when it was merged at the reviewed commit, or when the host
 * cannot tell the head it merged (a local repository whose branch is gone).
 */
export function unreviewedMergeMessage(
  review: ReviewState,
  reviewedSha: string,
): string | undefined {
  if (review.state !== 'merged' || !review.headSha) return undefined;
  if (review.headSha === reviewedSha) return undefined;
  return `the pull request was merged outside the portal at ${review.headSha.slice(
    0,
    12,
  )}, not at the reviewed commit ${reviewedSha.slice(
    0,
    12,
  )}: the approval does not cover what was merged, so it is not recorded as this action's merge (no follow-up steps, no hold); review that merge in Git`;
}
