import { databaseMessage } from '../database/isDataError';
import type { MergeIntent } from './mergeIntent';

/** A file to write in a commit; with `delete`, a file the commit removes (content unused). */
export interface FileWrite {
  path: string;
  content: string;
  delete?: boolean;
}

export interface GitAuthor {
  name: string;
  email: string;
}

/** A commit as the writer sees it (to check a branch before adopting it). */
export interface CommitInfo {
  sha: string;
  parents: string[];
  message: string;
  /** Paths changed against the first parent. */
  changedFiles: string[];
  /** The commit's tree, when the writer reads it. */
  treeSha?: string;
}

/** Where a change's branch stands, as the Git host tells (pull request or branch). */
export interface ReviewState {
  state: 'open' | 'merged' | 'closed';
  /** Current head of the branch (open). */
  headSha?: string;
  /** The commit that merged it, when known. */
  mergeSha?: string;
  /** The pull request's number on the Git host (GitHub). */
  number?: number;
  url?: string;
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
   * exist). `onCreated` runs once the commit exists and before the branch
   * moves (to record it as written by the portal). Returns the new sha.
   */
  commit(options: {
    baseSha: string;
    branch: string;
    expectedOld: string | null;
    files: FileWrite[];
    message: string;
    author: GitAuthor;
    onCreated?: (sha: string) => Promise<void>;
  }): Promise<string>;
  /**
   * Merges exactly `expectedHead` of `branch` into `into` (fast-forward when
   * possible, else a merge commit), if `into` is still at `expectedOld`.
   * Refused with `ReviewedHeadMovedError` when the branch is no longer at
   * `expectedHead`: only what was reviewed is merged.
   *
   * Recording (so ingestion trusts the merge commit's trailers): a writer
   * that makes the merge commit itself (local) calls `onCreated` before the
   * branch moves, so a recording that fails merged nothing. A host that
   * makes it (GitHub) gets `onIntent` before it is asked (failing: nothing
   * merged) and `onCreated` once it merged; a recording that fails then
   * throws `MergeNotRecordedError` (the merge is in Git). A pull request
   * already merged at `expectedHead` is adopted, and its merge commit
   * recorded (`onCreated`) only when it is the merge the portal asks for:
   * the reviewed head as second parent and this very message.
   */
  merge(options: {
    branch: string;
    expectedHead: string;
    into: string;
    expectedOld: string;
    message: string;
    author: GitAuthor;
    onIntent?: (intent: MergeIntent) => Promise<void>;
    onCreated?: (sha: string) => Promise<void>;
  }): Promise<string>;
  /** Current sha of a branch, or undefined. */
  branchHead(branch: string): Promise<string | undefined>;
  deleteBranch(branch: string): Promise<void>;
  /** Git file mode at a commit (`100644`, `120000` for a symlink …), or undefined. */
  fileMode(sha: string, path: string): Promise<string | undefined>;
  /** Whether `ancestor` is `descendant` or one of its ancestors. */
  isAncestor(ancestor: string, descendant: string): Promise<boolean>;
  /** Parents, message and changed paths of a commit. */
  describeCommit(sha: string): Promise<CommitInfo>;
  /**
   * Opens the pull request of a promotion branch (GitHub), or returns the
   * open one that already exists for it: never two. Local repositories have
   * none: their "pull request" is the branch itself, merged from the portal.
   */
  openPullRequest?(options: {
    branch: string;
    base: string;
    title: string;
    body: string;
  }): Promise<string>;
  /** Closes the pull request of a branch, if one is open (GitHub). */
  closePullRequest?(branch: string, base: string): Promise<void>;
  /** Who merged a pull request (the Git host's login), when it can tell. */
  mergedBy?(number: number): Promise<string | undefined>;
  /** What happened to a change's branch, possibly outside the portal. */
  reviewState(options: {
    branch: string;
    into: string;
    commitSha: string;
  }): Promise<ReviewState>;
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

/** A pull request branch is no longer at the commit that was reviewed. */
export class ReviewedHeadMovedError extends Error {
  constructor(
    readonly branch: string,
    readonly expected: string,
    readonly actual: string | undefined,
  ) {
    super(
      `branch "${branch}" is no longer at the reviewed commit ${expected.slice(
        0,
        12,
      )} (now ${
        actual ? actual.slice(0, 12) : 'deleted'
      }); refusing to merge what was not reviewed: cancel the action and request it again`,
    );
    this.name = 'ReviewedHeadMovedError';
  }
}

/**
 * The Git host merged (the change is in Git as `sha`), but recording the
 * merge commit as the portal's failed: never "nothing was merged". Merging
 * again adopts the merge and records it.
 */
export class MergeNotRecordedError extends Error {
  constructor(
    readonly branch: string,
    readonly sha: string,
    readonly recordingError: unknown,
  ) {
    super(
      `the merge of ${branch} is in Git as ${sha.slice(
        0,
        12,
      )}, but recording it failed: ${databaseMessage(recordingError)}`,
    );
    this.name = 'MergeNotRecordedError';
  }
}
