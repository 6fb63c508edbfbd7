/** Git data as read from a repository (plain data, no GitHub decoration). */

export interface GitIdentity {
  name: string;
  email: string;
  /** ISO 8601 in UTC, seconds precision (`2024-05-01T10:00:00Z`), as GitHub prints dates. */
  date: string;
}

export interface CommitData {
  sha: string;
  tree: string;
  parents: string[];
  author: GitIdentity;
  committer: GitIdentity;
  /** The message without its trailing newlines (GitHub shows it so). */
  message: string;
}

export type ObjectType = 'blob' | 'tree' | 'commit' | 'tag';

export interface TreeEntry {
  /** `100644`, `100755`, `120000` (symlink), `040000` (tree), `160000` (submodule). */
  mode: string;
  type: 'blob' | 'tree' | 'commit';
  sha: string;
  /** Path relative to the listed tree (or the repository root when recursive). */
  path: string;
  /** Blob size in bytes (blobs only). */
  size?: number;
}

export interface RefData {
  /** Fully qualified, e.g. `refs/heads/main`. */
  ref: string;
  sha: string;
  type: ObjectType;
}

/** A path changed between two trees, as `git diff-tree -M` reports it. */
export interface FileChange {
  status:
    | 'added'
    | 'removed'
    | 'modified'
    | 'renamed'
    | 'copied'
    | 'changed'
    | 'unchanged';
  filename: string;
  previousFilename?: string;
  /** Blob sha of the new version (of the old one for a removal). */
  sha: string;
  additions: number;
  deletions: number;
}

/** An entry of a tree to build (GitHub's `POST /git/trees` entry, decoded). */
export interface TreeEdit {
  path: string;
  mode: string;
  type: 'blob' | 'tree' | 'commit';
  /** Object sha; null deletes the path. Exclusive with `content`. */
  sha?: string | null;
  /** Blob content (UTF-8). Exclusive with `sha`. */
  content?: string;
}
