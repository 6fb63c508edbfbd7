import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  DEFAULT_MAX_FILE_BYTES,
  FileContent,
  GitCommit,
  GitSource,
  OversizedFile,
  StaleRefError,
} from './types';
import { catFiles, GitCommandError, runGit } from './runGit';

const RS = '\x1e';
const US = '\x1f';

export interface LocalGitSourceOptions {
  /** Commit links, `{sha}` replaced. */
  commitUrlTemplate?: string;
  /** Files larger than this are not read (OversizedFile). Default 1 MiB. */
  maxFileBytes?: number;
}

/**
 * A GitOps repository on the local file system (a path or a file:// URL), read
 * with the real git CLI. Used by the embedded demo and by anyone who mirrors
 * their GitOps repository next to the backend.
 */
export class LocalGitSource implements GitSource {
  readonly location: string;
  private readonly dir: string;

  /** The repository's directory on disk (for the writer). */
  get directory(): string {
    return this.dir;
  }

  static fromUrl(
    url: string,
    branch: string,
    options: LocalGitSourceOptions & { baseDir?: string } = {},
  ): LocalGitSource {
    const p = url.startsWith('file://')
      ? fileURLToPath(url)
      : path.resolve(options.baseDir ?? process.cwd(), url);
    return new LocalGitSource(p, branch, options);
  }

  private readonly commitUrlTemplate?: string;
  private readonly maxFileBytes: number;

  constructor(
    dir: string,
    private readonly branch: string,
    options: LocalGitSourceOptions = {},
  ) {
    this.dir = dir;
    this.location = `file://${dir}`;
    this.commitUrlTemplate = options.commitUrlTemplate;
    this.maxFileBytes = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  }

  async headCommit(): Promise<string> {
    if (!fs.existsSync(this.dir)) {
      throw new Error(`GitOps repository ${this.location} does not exist`);
    }
    try {
      return (
        await runGit(this.dir, [
          'rev-parse',
          '--verify',
          '--quiet',
          `${this.branch}^{commit}`,
        ])
      ).trim();
    } catch (e) {
      if (e instanceof GitCommandError) {
        throw new Error(
          `branch "${this.branch}" not found in GitOps repository ${this.location}`,
        );
      }
      throw e;
    }
  }

  async listCommits(options: {
    since?: string;
    until: string;
    limit?: number;
  }): Promise<GitCommit[]> {
    const { since, until, limit } = options;
    if (since) {
      try {
        await runGit(this.dir, ['merge-base', '--is-ancestor', since, until]);
      } catch (e) {
        throw new StaleRefError(since);
      }
    }
    const range = since ? `${since}..${until}` : until;
    let revisions = [range];
    let walk = ['--first-parent', '--reverse'];
    if (limit !== undefined) {
      // A page: the oldest `limit` shas (40 bytes each, not whole commits),
      // then only those commits are read.
      const shas = (
        await runGit(this.dir, [
          'rev-list',
          '--first-parent',
          '--reverse',
          range,
        ])
      )
        .split('\n')
        .filter(Boolean)
        .slice(0, Math.max(0, limit));
      if (shas.length === 0) return [];
      revisions = shas;
      walk = ['--no-walk=unsorted'];
    }
    const out = await runGit(this.dir, [
      'log',
      ...walk,
      '--root',
      '--diff-merges=first-parent',
      // A rename is both paths: the old one was deleted (git log would list
      // only the new one, hiding a deleted manifest from every reader).
      '--no-renames',
      '--name-only',
      `--format=${RS}%H${US}%P${US}%T${US}%an${US}%ae${US}%cI${US}%B${US}`,
      ...revisions,
    ]);
    const commits: GitCommit[] = [];
    for (const record of out.split(RS)) {
      if (!record.trim()) continue;
      const fields = record.split(US);
      const [
        sha,
        parents,
        treeSha,
        authorName,
        authorEmail,
        committedAt,
        message,
      ] = fields;
      const files = (fields[7] ?? '')
        .split('\n')
        .map(s => s.trim())
        .filter(Boolean);
      commits.push({
        sha,
        parents: parents ? parents.split(' ') : [],
        treeSha,
        authorName,
        authorEmail,
        committedAt: new Date(committedAt).toISOString(),
        message: message.replace(/\n+$/, ''),
        changedFiles: files,
      });
    }
    return commits;
  }

  async readFiles(
    requests: Array<{ sha: string; path: string }>,
  ): Promise<FileContent[]> {
    const blobs = await catFiles(
      this.dir,
      requests.map(r => `${r.sha}:${r.path}`),
      this.maxFileBytes,
    );
    return blobs.map((blob, i) =>
      typeof blob === 'object'
        ? new OversizedFile(
            requests[i].path,
            blob.skippedSize,
            this.maxFileBytes,
          )
        : blob,
    );
  }

  commitUrl(sha: string): string | undefined {
    return this.commitUrlTemplate?.replace('{sha}', sha);
  }
}
