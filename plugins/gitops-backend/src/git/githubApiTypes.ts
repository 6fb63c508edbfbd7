import type { GitCommit } from './types';

/** A commit as the list and compare endpoints return it (the fields used). */
export interface ApiCommit {
  sha: string;
  parents?: Array<{ sha: string }>;
  commit: {
    message: string;
    tree?: { sha?: string };
    author?: { name?: string; email?: string; date?: string } | null;
    committer?: { name?: string; email?: string; date?: string } | null;
  };
  files?: ApiFile[];
}

export interface ApiFile {
  filename: string;
  status?: string;
  previous_filename?: string;
}

export interface ApiCompare {
  status: 'identical' | 'ahead' | 'behind' | 'diverged';
  ahead_by: number;
  behind_by: number;
  total_commits: number;
  commits: ApiCommit[];
  files?: ApiFile[];
}

/** The contents endpoint with the object media type (the fields used). */
export interface ApiContent {
  type: 'file' | 'dir' | 'symlink' | 'submodule';
  size: number;
  /** `base64`, or `none` for files over 1 MB (content then empty). */
  encoding?: string;
  content?: string;
}

export type CommitInfo = Omit<GitCommit, 'changedFiles'>;

/** Per-call bookkeeping shared with the throttling handlers. */
export interface Track {
  rateLimit?: {
    kind: 'primary' | 'secondary';
    retryAfter: number;
    retries: number;
    reason: 'exhausted' | 'too-long';
    resetAt?: number;
  };
  /** Rate-limit retries made so far. */
  rateRetries?: number;
}

export interface Response {
  status: number;
  headers: Record<string, string | number | undefined>;
  data: unknown;
}

/** What a 404 / 422 means for one call. */
export interface CallContext {
  what: string;
  notFound?: () => Error;
  unprocessable?: (message: string) => Error;
  /** 409 (e.g. a merge whose head moved), instead of "repository is empty". */
  conflict?: (message: string) => Error;
  /** 405 (e.g. a pull request that cannot be merged, or is merged already). */
  notAllowed?: (message: string) => Error;
}
