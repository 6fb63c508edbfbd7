/*
 * One bare Git repository, read and written with git plumbing only
 * (rev-parse, cat-file, log, ls-tree, diff-tree, hash-object, read-tree /
 * update-index / write-tree on a private index, commit-tree, update-ref with
 * the expected old value, merge-base, merge-tree).
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { parseDiffTree } from './diff';
import { git, gitRaw } from './run';
import { writeTree } from './writeTree';
import {
  CommitData,
  FileChange,
  GitIdentity,
  ObjectType,
  RefData,
  TreeEdit,
  TreeEntry,
} from './types';

export { TreeEditError } from './writeTree';

const HEX_RE = /^[0-9a-f]{4,64}$/;
const COMMIT_FORMAT = [
  '%H',
  '%T',
  '%P',
  '%an',
  '%ae',
  '%aI',
  '%cn',
  '%ce',
  '%cI',
  '%B',
].join('%x00');
const COMMIT_FIELDS = 10;

/** `2024-05-01T12:00:00+02:00` → `2024-05-01T10:00:00Z`. */
export function toGitHubDate(iso: string): string {
  return new Date(iso).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function parseCommits(out: string): CommitData[] {
  const fields = out.split('\x00');
  const commits: CommitData[] = [];
  for (let i = 0; i + COMMIT_FIELDS <= fields.length; i += COMMIT_FIELDS) {
    const f = fields.slice(i, i + COMMIT_FIELDS);
    const sha = f[0].replace(/^\n/, '');
    if (!sha) break;
    commits.push({
      sha,
      tree: f[1],
      parents: f[2] ? f[2].split(' ') : [],
      author: { name: f[3], email: f[4], date: toGitHubDate(f[5]) },
      committer: { name: f[6], email: f[7], date: toGitHubDate(f[8]) },
      message: f[9].replace(/\n+$/, ''),
    });
  }
  return commits;
}

function identityEnv(author: GitIdentity, committer: GitIdentity) {
  return {
    GIT_AUTHOR_NAME: author.name,
    GIT_AUTHOR_EMAIL: author.email,
    GIT_AUTHOR_DATE: author.date,
    GIT_COMMITTER_NAME: committer.name,
    GIT_COMMITTER_EMAIL: committer.email,
    GIT_COMMITTER_DATE: committer.date,
  };
}

/** A bare repository on disk. */
export class GitRepo {
  private emptyTreeSha?: string;

  private constructor(readonly dir: string) {}

  /** Clones `source` (a path or file:// URL) with `git clone --bare` into `target`. */
  static async cloneBare(source: string, target: string): Promise<GitRepo> {
    await fs.mkdir(path.dirname(target), { recursive: true });
    await git(path.dirname(target), [
      'clone',
      '--bare',
      '--quiet',
      source,
      target,
    ]);
    return GitRepo.open(target);
  }

  /** Opens an existing bare repository (in place: writes change it). */
  static async open(dir: string): Promise<GitRepo> {
    const bare = (await git(dir, ['rev-parse', '--is-bare-repository'])).trim();
    if (bare !== 'true') {
      throw new Error(`${dir} is not a bare Git repository`);
    }
    return new GitRepo(dir);
  }

  private run(args: string[], options?: Parameters<typeof git>[2]) {
    return git(this.dir, args, options);
  }

  // --- objects ---------------------------------------------------------------

  /** The type of an object, or undefined when there is no such object. */
  async objectType(sha: string): Promise<ObjectType | undefined> {
    if (!HEX_RE.test(sha)) return undefined;
    const { stdout, code } = await gitRaw(
      this.dir,
      ['cat-file', '-t', `${sha}`],
      { okCodes: [1, 128] },
    );
    return code === 0 ? (stdout.toString().trim() as ObjectType) : undefined;
  }

  /** The full sha of a commit named by a full or abbreviated sha, or undefined. */
  async commitBySha(sha: string): Promise<string | undefined> {
    if (!HEX_RE.test(sha) || sha.length < 7) return undefined;
    return this.peel(sha, 'commit');
  }

  private async peel(
    rev: string,
    type: 'commit' | 'tree',
  ): Promise<string | undefined> {
    const { stdout, code } = await gitRaw(
      this.dir,
      [
        'rev-parse',
        '--verify',
        '--quiet',
        '--end-of-options',
        `${rev}^{${type}}`,
      ],
      { okCodes: [1, 128] },
    );
    return code === 0 ? stdout.toString().trim() : undefined;
  }

  /**
   * The commit a GitHub `ref` parameter names: a sha (7+ hex digits), a
   * branch, a tag, or a qualified ref (`heads/main`, `refs/tags/v1`).
   */
  async resolveCommit(ref: string): Promise<string | undefined> {
    if (!ref || ref.includes('..') || ref.startsWith('-')) return undefined;
    const bySha = await this.commitBySha(ref);
    if (bySha) return bySha;
    const candidates = ref.startsWith('refs/')
      ? [ref]
      : [`refs/heads/${ref}`, `refs/tags/${ref}`, `refs/${ref}`];
    for (const c of candidates) {
      const ref0 = await this.readRef(c);
      if (ref0) return this.peel(ref0.sha, 'commit');
    }
    return undefined;
  }

  /** The tree of a commit (or a tree sha itself), or undefined. */
  async treeOf(rev: string): Promise<string | undefined> {
    if (!HEX_RE.test(rev)) return undefined;
    return this.peel(rev, 'tree');
  }

  async readCommit(sha: string): Promise<CommitData | undefined> {
    if ((await this.objectType(sha)) !== 'commit') return undefined;
    return (await this.readCommits([sha]))[0];
  }

  /** Commits by sha, in the given order (every sha must be a commit). */
  async readCommits(shas: string[]): Promise<CommitData[]> {
    if (shas.length === 0) return [];
    const unique = [...new Set(shas)];
    const out = await this.run(
      ['log', '--no-walk=unsorted', `--format=${COMMIT_FORMAT}%x00`, '--stdin'],
      { input: `${unique.join('\n')}\n` },
    );
    // git prints each commit once, whatever the input repeats.
    const bySha = new Map(parseCommits(out).map(c => [c.sha, c]));
    return shas.map(s => {
      const c = bySha.get(s);
      if (!c) throw new Error(`${s} is not a commit`);
      return c;
    });
  }

  /**
   * A page of `git log <start>` (newest first) and the total count, with
   * the list endpoint's filters: `path`, `author` (name or email),
   * `since` / `until` (committer date).
   */
  async log(
    start: string,
    skip: number,
    max: number,
    filters: {
      path?: string;
      author?: string;
      since?: string;
      until?: string;
    } = {},
  ): Promise<{ commits: CommitData[]; total: number }> {
    const opts: string[] = [];
    if (filters.author)
      opts.push(`--author=${filters.author}`, '--fixed-strings');
    if (filters.since) opts.push(`--since=${filters.since}`);
    if (filters.until) opts.push(`--until=${filters.until}`);
    const paths = filters.path ? [filters.path.replace(/^\/+/, '')] : [];
    const [out, count] = await Promise.all([
      this.run([
        'log',
        `--format=${COMMIT_FORMAT}%x00`,
        `--skip=${skip}`,
        `--max-count=${max}`,
        ...opts,
        start,
        '--',
        ...paths,
      ]),
      this.run(['rev-list', '--count', ...opts, start, '--', ...paths]),
    ]);
    return { commits: parseCommits(out), total: Number(count.trim()) };
  }

  /** Shas of commits reachable from `head` and not from `base`, oldest first. */
  async commitsBetween(base: string, head: string): Promise<string[]> {
    const out = await this.run([
      'rev-list',
      '--reverse',
      '--date-order',
      head,
      `^${base}`,
      '--',
    ]);
    return out.split('\n').filter(Boolean);
  }

  async countBetween(base: string, head: string): Promise<number> {
    const out = await this.run(['rev-list', '--count', head, `^${base}`, '--']);
    return Number(out.trim());
  }

  async mergeBase(a: string, b: string): Promise<string | undefined> {
    const { stdout, code } = await gitRaw(this.dir, ['merge-base', a, b], {
      okCodes: [1],
    });
    return code === 0 ? stdout.toString().trim() : undefined;
  }

  /** True when `ancestor` is reachable from `descendant` (or equal to it). */
  async isAncestor(ancestor: string, descendant: string): Promise<boolean> {
    const { code } = await gitRaw(
      this.dir,
      ['merge-base', '--is-ancestor', ancestor, descendant],
      { okCodes: [1] },
    );
    return code === 0;
  }

  async emptyTree(): Promise<string> {
    if (!this.emptyTreeSha) {
      this.emptyTreeSha = (
        await this.run(['hash-object', '-t', 'tree', '--stdin'], { input: '' })
      ).trim();
    }
    return this.emptyTreeSha;
  }

  /**
   * Paths changed from `from` (a commit or tree; undefined: the empty tree)
   * to `to`, with rename detection, in `git diff-tree` order.
   */
  async diff(from: string | undefined, to: string): Promise<FileChange[]> {
    const base = from ?? (await this.emptyTree());
    const [raw, numstat] = await Promise.all([
      this.run(['diff-tree', '-r', '-M', '--raw', '-z', base, to]),
      this.run(['diff-tree', '-r', '-M', '--numstat', '-z', base, to]),
    ]);
    return parseDiffTree(raw, numstat);
  }

  // --- trees and blobs -------------------------------------------------------

  /**
   * The entry at `filePath` in a commit or tree (`''`: the root tree), or
   * undefined when there is none.
   */
  async entry(
    treeish: string,
    filePath: string,
  ): Promise<TreeEntry | undefined> {
    const clean = filePath.replace(/^\/+|\/+$/g, '');
    if (clean === '') {
      const sha = await this.treeOf(treeish);
      return sha ? { mode: '040000', type: 'tree', sha, path: '' } : undefined;
    }
    const out = await this.run(['ls-tree', '-l', '-z', treeish, '--', clean]);
    return parseLsTree(out).find(e => e.path === clean);
  }

  /** The entries of a tree (recursively: every blob and submodule, and the subtrees). */
  async listTree(treeish: string, recursive = false): Promise<TreeEntry[]> {
    const args = ['ls-tree', '-l', '-z'];
    if (recursive) args.push('-r', '-t');
    return parseLsTree(await this.run([...args, treeish]));
  }

  async readBlob(sha: string): Promise<Buffer> {
    return (await gitRaw(this.dir, ['cat-file', 'blob', sha])).stdout;
  }

  async writeBlob(content: Buffer | string): Promise<string> {
    return (
      await this.run(['hash-object', '-w', '-t', 'blob', '--stdin'], {
        input: content,
      })
    ).trim();
  }

  /**
   * Writes a tree: `base` (a tree sha; undefined: empty) with `edits`
   * applied (see writeTree.ts). Throws `TreeEditError` for an edit GitHub
   * refuses.
   */
  writeTree(base: string | undefined, edits: TreeEdit[]): Promise<string> {
    return writeTree(this, base, edits);
  }

  /** Writes a commit object (no ref moves). */
  async writeCommit(options: {
    tree: string;
    parents: string[];
    message: string;
    author: GitIdentity;
    committer: GitIdentity;
  }): Promise<string> {
    const args = ['commit-tree', options.tree];
    for (const p of options.parents) args.push('-p', p);
    return (
      await this.run(args, {
        input: options.message,
        env: identityEnv(options.author, options.committer),
      })
    ).trim();
  }

  /**
   * `git merge-tree --write-tree`: the tree merging `theirs` into `ours`,
   * or `conflicts: true`.
   */
  async mergeTrees(
    ours: string,
    theirs: string,
  ): Promise<{ tree: string; conflicts: boolean }> {
    const { stdout, code } = await gitRaw(
      this.dir,
      [
        'merge-tree',
        '--write-tree',
        '--no-messages',
        '--name-only',
        ours,
        theirs,
      ],
      { okCodes: [1] },
    );
    const tree = stdout.toString().split('\n')[0].trim();
    return { tree, conflicts: code === 1 };
  }

  // --- refs ------------------------------------------------------------------

  /** Refs whose name starts with `prefix` (whole path components), sorted. */
  async listRefs(prefix = 'refs/'): Promise<RefData[]> {
    const out = await this.run([
      'for-each-ref',
      '--format=%(objectname) %(objecttype) %(refname)',
      prefix.replace(/\/+$/, ''),
    ]);
    return out
      .split('\n')
      .filter(Boolean)
      .map(line => {
        const [sha, type, ...rest] = line.split(' ');
        return { sha, type: type as ObjectType, ref: rest.join(' ') };
      });
  }

  /** One ref by its full name, or undefined. */
  async readRef(ref: string): Promise<RefData | undefined> {
    if (!ref.startsWith('refs/')) return undefined;
    return (await this.listRefs(ref)).find(r => r.ref === ref);
  }

  /**
   * Compare-and-set of a ref: points `ref` at `sha` only if it is currently
   * at `expected` (null: only if it does not exist). False when it was not.
   */
  async casRef(
    ref: string,
    sha: string,
    expected: string | null,
  ): Promise<boolean> {
    const { code } = await gitRaw(
      this.dir,
      ['update-ref', '-m', 'github-api-double', ref, sha, expected ?? ''],
      { okCodes: [1, 128] },
    );
    return code === 0;
  }

  /** Deletes a ref if it is at `expected` (any value when undefined). */
  async deleteRef(ref: string, expected?: string): Promise<boolean> {
    const args = ['update-ref', '-d', ref];
    if (expected) args.push(expected);
    const { code } = await gitRaw(this.dir, args, { okCodes: [1, 128] });
    return code === 0;
  }

  /** Validates a ref name as `git check-ref-format` does. */
  async isValidRefName(ref: string): Promise<boolean> {
    const { code } = await gitRaw(this.dir, ['check-ref-format', ref], {
      okCodes: [1, 128],
    });
    return code === 0;
  }

  /** The branch HEAD points at (the default branch). */
  async headBranch(): Promise<string | undefined> {
    const { stdout, code } = await gitRaw(
      this.dir,
      ['symbolic-ref', '--quiet', '--short', 'HEAD'],
      { okCodes: [1, 128] },
    );
    return code === 0 ? stdout.toString().trim() : undefined;
  }
}

function parseLsTree(out: string): TreeEntry[] {
  return out
    .split('\x00')
    .filter(Boolean)
    .map(line => {
      const tab = line.indexOf('\t');
      const [mode, type, sha, size] = line.slice(0, tab).split(/ +/);
      return {
        mode: mode === '040000' || type === 'tree' ? '040000' : mode,
        type: type as TreeEntry['type'],
        sha,
        path: line.slice(tab + 1),
        ...(type === 'blob' ? { size: Number(size) } : {}),
      };
    });
}
