/** A commit of the GitOps repository, as ingestion needs it. */
export interface GitCommit {
  sha: string;
  parents: string[];
  authorName: string;
  authorEmail: string;
  /** ISO 8601 committer date. */
  committedAt: string;
  /** Full message (subject, body and trailers). */
  message: string;
  /**
   * Paths changed against the first parent (all paths for a root commit).
   * Undefined when the source could not tell (ingestion then re-reads every
   * manifest at that commit).
   */
  changedFiles?: string[];
}

/**
 * Read access to one branch of a GitOps repository. Implementations: the
 * local Git CLI (demo, file:// remotes) and GitHub through Octokit.
 */
export interface GitSource {
  /** Display location, never with credentials. */
  readonly location: string;
  /** Commit sha at the head of the branch. */
  headCommit(): Promise<string>;
  /**
   * First-parent commits after `since` (exclusive) up to `until` (inclusive),
   * oldest first. `since` undefined means from the root. Throws
   * `StaleRefError` when `since` is no longer an ancestor of `until`
   * (force-push).
   */
  listCommits(options: {
    since?: string;
    until: string;
    limit?: number;
  }): Promise<GitCommit[]>;
  /** File contents at a commit; undefined when the file does not exist. */
  readFiles(
    requests: Array<{ sha: string; path: string }>,
  ): Promise<Array<string | undefined>>;
  /** Web link to a commit, when the repository has one. */
  commitUrl(sha: string): string | undefined;
}

/** Default size limit of a file read from a Git source (1 MiB). */
export const DEFAULT_MAX_FILE_BYTES = 1024 * 1024;

/** The remembered commit is no longer in the branch's history. */
export class StaleRefError extends Error {
  constructor(readonly sha: string, message?: string) {
    super(
      message ??
        `commit ${sha} is no longer in the branch history (force-push?)`,
    );
    this.name = 'StaleRefError';
  }
}
