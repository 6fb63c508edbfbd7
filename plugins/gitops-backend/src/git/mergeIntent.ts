/**
 * What the portal is about to merge on a Git host that makes the merge
 * commit itself (GitHub): its sha is unknown until the host answers, so the
 * intent is recorded before the host is asked. Ingestion trusts the trailers
 * of a merge commit that matches a recorded intent exactly (both parents,
 * the message and the tree), even when recording the sha afterwards failed.
 */
export interface MergeIntent {
  /** The target branch's head the merge goes onto: the merge commit's first parent. */
  baseSha: string;
  /** The reviewed commit: the merge commit's second parent. */
  headSha: string;
  /** The merge commit's message, as the host will store it. */
  message: string;
  /**
   * The tree the merge commit will have, when the writer knows it in
   * advance: the reviewed head's tree when the base is one of its
   * ancestors. A merge commit with another tree (the parents and message
   * copied by hand, other content) is not trusted; an intent without a
   * tree is never trusted (the merge's sha is recorded once the host
   * answered).
   */
  treeSha?: string;
}

/** A commit message as compared across hosts: LF line ends, no trailing whitespace. */
export function normalizedMessage(message: string): string {
  return message.replace(/\r\n/g, '\n').trimEnd();
}
