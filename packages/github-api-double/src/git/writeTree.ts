/*
 * Builds a tree as GitHub's `POST /git/trees` does: a base tree with
 * entries replaced, added (nested paths create the intermediate trees) or
 * deleted, on a private index file (read-tree, update-index, write-tree).
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { GitRepo } from './GitRepo';
import { git, GitError } from './run';
import type { TreeEdit } from './types';

/** A tree edit GitHub refuses (422). */
export class TreeEditError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TreeEditError';
  }
}

function cleanPath(p: string): string {
  const clean = p.replace(/^\/+|\/+$/g, '');
  if (
    !clean ||
    clean.split('/').some(s => s === '' || s === '.' || s === '..')
  ) {
    throw new TreeEditError(`Invalid path: ${p}`);
  }
  return clean;
}

export async function writeTree(
  repo: GitRepo,
  base: string | undefined,
  edits: TreeEdit[],
): Promise<string> {
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'gh-double-index-'));
  // An empty work tree: ls-files and update-index refuse to run without one.
  const env = {
    GIT_INDEX_FILE: path.join(tmp, 'index'),
    GIT_WORK_TREE: tmp,
    GIT_LITERAL_PATHSPECS: '1',
  };
  const run = (args: string[], input?: string) =>
    git(repo.dir, args, { env, input });
  const removeUnder = async (p: string): Promise<boolean> => {
    const listed = await run(['ls-files', '-z', '--', p]);
    if (!listed) return false;
    await run(['update-index', '--force-remove', '-z', '--stdin'], listed);
    return true;
  };
  try {
    await run(base ? ['read-tree', base] : ['read-tree', '--empty']);
    for (const e of edits) {
      const p = cleanPath(e.path);
      if (e.sha === null) {
        if (!(await removeUnder(p))) {
          throw new TreeEditError(`path not found: ${p}`);
        }
        continue;
      }
      const sha =
        e.content !== undefined ? await repo.writeBlob(e.content) : e.sha!;
      if (e.type !== 'commit' && (await repo.objectType(sha)) !== e.type) {
        throw new TreeEditError(`${e.type} sha ${sha} does not exist`);
      }
      // Replace whatever is at the path (a file, or a whole directory).
      await removeUnder(p);
      if (e.type === 'tree') {
        await run(['read-tree', `--prefix=${p}/`, sha]);
      } else {
        await run([
          'update-index',
          '--add',
          '--cacheinfo',
          `${e.mode},${sha},${p}`,
        ]);
      }
    }
    return (await run(['write-tree'])).trim();
  } catch (e) {
    if (e instanceof GitError) {
      throw new TreeEditError(e.stderr.trim().split('\n').pop() || e.message);
    }
    throw e;
  } finally {
    await fs.rm(tmp, { recursive: true, force: true });
  }
}
