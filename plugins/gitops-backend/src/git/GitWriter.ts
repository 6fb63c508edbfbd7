/** A file to write in a commit. */
export interface FileWrite {
  path: string;
  content: string;
}

export interface GitAuthor {
  name: string;
  email: string;
}

/**
 * Write access to a GitOps repository: one commit per promotion or rollback,
 * on a branch (the pull request) or directly on the target branch. Every ref
 * update is a compare-and-set: a branch that moved makes the write fail with
 * `BranchMovedError`, and the caller re-plans on the new head.
 */
export interface GitWriter {
  /**
   * Creates a commit with `files` on top of `baseSha` and points `branch` at
   * it, if `branch` is still at `expectedOld` (null: the branch must not
   * exist). Returns the new commit sha.
   */
  commit(options: {
    baseSha: string;
    branch: string;
    expectedOld: string | null;
    files: FileWrite[];
    message: string;
    author: GitAuthor;
  }): Promise<string>;
  /**
   * Merges `branch` into `into` (fast-forward when possible, else a merge
   * commit), if `into` is still at `expectedOld`.
   */
  merge(options: {
    branch: string;
    into: string;
    expectedOld: string;
    message: string;
    author: GitAuthor;
  }): Promise<string>;
  /** Current sha of a branch, or undefined. */
  branchHead(branch: string): Promise<string | undefined>;
  deleteBranch(branch: string): Promise<void>;
  /** Git file mode at a commit (`100644`, `120000` for a symlink …), or undefined. */
  fileMode(sha: string, path: string): Promise<string | undefined>;
  /** Web link of the pull request of a branch, when there is one. */
  pullRequestUrl(branch: string): string | undefined;
  /**
   * Opens a pull request for a promotion branch (GitHub). Local
   * repositories have none: their "pull request" is the branch itself,
   * merged from the portal.
   */
  openPullRequest?(options: {
    branch: string;
    base: string;
    title: string;
    body: string;
  }): Promise<string>;
}

/** The branch moved since it was read: re-plan on the new head. */
export class BranchMovedError extends Error {
  constructor(readonly branch: string) {
    super(
      `branch "${branch}" moved while writing (someone else pushed); retry on the new head`,
    );
    this.name = 'BranchMovedError';
  }
}
