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
  /** The commit's tree, where the source tells it (merge intents compare it). */
  treeSha?: string;
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
   * (force-push). With `limit`, only the oldest `limit` of them: a page;
   * ingestion walks a long history page by page (the next page starts
   * after the last commit of this one), so it never holds all of it.
   */
  listCommits(options: {
    since?: string;
    until: string;
    limit?: number;
  }): Promise<GitCommit[]>;
  /**
   * File contents at a commit, in request order: the text, undefined when
   * the file does not exist, or an {@link OversizedFile} when it is larger
   * than the source's size limit (its content is then never read).
   */
  readFiles(
    requests: Array<{ sha: string; path: string }>,
  ): Promise<FileContent[]>;
  /** Web link to a commit, when the repository has one. */
  commitUrl(sha: string): string | undefined;
}

/** What {@link GitSource.readFiles} returns for one file. */
export type FileContent = string | undefined | OversizedFile;

/** Default size limit of a file read from a Git source (1 MiB). */
export const DEFAULT_MAX_FILE_BYTES = 1024 * 1024;

/**
 * A file larger than the size limit (`gitops.limits.maxManifestBytes`): it
 * exists, but was not read.
 */
export class OversizedFile {
  constructor(
    readonly path: string,
    /** Size in bytes. */
    readonly size: number,
    /** The limit in bytes. */
    readonly limit: number,
  ) {}

  /** E.g. `manifest is 3.2 MiB, over the 1 MiB limit (gitops.limits.maxManifestBytes)`. */
  describe(what: string): string {
    let size = formatBytes(this.size);
    let limit = formatBytes(this.limit);
    if (size === limit) {
      size = `${this.size} bytes`;
      limit = `${this.limit}-byte`;
    }
    return `${what} is ${size}, over the ${limit} limit (gitops.limits.maxManifestBytes)`;
  }
}

/** `512 bytes`, `12.5 KiB`, `3.2 MiB`. */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} bytes`;
  if (n < 1024 * 1024) return `${Number((n / 1024).toFixed(1))} KiB`;
  return `${Number((n / 1024 / 1024).toFixed(1))} MiB`;
}

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
