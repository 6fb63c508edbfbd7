import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { MergeIntent } from './mergeIntent';
import {
  BranchMovedError,
  CommitInfo,
  FileWrite,
  GitAuthor,
  GitWriter,
  ReviewedHeadMovedError,
  ReviewState,
} from './GitWriter';
import { GitCommandError, runGit } from './runGit';

/**
 * Writes to a local Git repository with plumbing commands only (a private
 * index file, hash-object, write-tree, commit-tree, update-ref with the old
 * value), so nothing depends on a work tree and every ref update is atomic.
 * When the repository has a clean work tree on the updated branch, the work
 * tree follows, so people looking at it see the new files.
 */
export class LocalGitWriter implements GitWriter {
  constructor(private readonly dir: string) {}

  async commit(options: {
    baseSha: string;
    branch: string;
    expectedOld: string | null;
    files: FileWrite[];
    message: string;
    author: GitAuthor;
    onCreated?: (sha: string) => Promise<void>;
  }): Promise<string> {
    const tree = await this.treeWith(options.baseSha, options.files);
    const sha = (
      await runGit(
        this.dir,
        ['commit-tree', tree, '-p', options.baseSha, '-F', '-'],
        {
          input: options.message,
          env: authorEnv(options.author),
        },
      )
    ).trim();
    await options.onCreated?.(sha);
    await this.updateRef(options.branch, sha, options.expectedOld);
    return sha;
  }

  async merge(options: {
    branch: string;
    expectedHead: string;
    into: string;
    expectedOld: string;
    message: string;
    author: GitAuthor;
    onIntent?: (intent: MergeIntent) => Promise<void>;
    onCreated?: (sha: string) => Promise<void>;
  }): Promise<string> {
    const head = await this.branchHead(options.branch);
    if (head !== options.expectedHead) {
      throw new ReviewedHeadMovedError(
        options.branch,
        options.expectedHead,
        head,
      );
    }
    // From here on only the reviewed commit is used, whatever the branch does.
    const reviewed = options.expectedHead;
    let target: string;
    const isAncestor = await this.isAncestor(options.expectedOld, reviewed);
    if (isAncestor) {
      target = reviewed; // fast-forward
      // No commit is made: the intent, recorded before the branch moves, is
      // what tells reconciliation the portal merged it after a crash.
      await options.onIntent?.({
        baseSha: options.expectedOld,
        headSha: reviewed,
        message: options.message,
        treeSha: (
          await runGit(this.dir, ['rev-parse', `${reviewed}^{tree}`])
        ).trim(),
      });
    } else {
      const tree = (
        await runGit(this.dir, [
          'merge-tree',
          '--write-tree',
          options.expectedOld,
          reviewed,
        ]).catch(e => {
          throw new Error(
            `branch "${options.branch}" conflicts with "${options.into}": ${
              e instanceof Error ? e.message : e
            }`,
          );
        })
      )
        .split('\n')[0]
        .trim();
      target = (
        await runGit(
          this.dir,
          [
            'commit-tree',
            tree,
            '-p',
            options.expectedOld,
            '-p',
            reviewed,
            '-F',
            '-',
          ],
          { input: options.message, env: authorEnv(options.author) },
        )
      ).trim();
      await options.onCreated?.(target);
    }
    await this.updateRef(options.into, target, options.expectedOld);
    return target;
  }

  async describeCommit(sha: string): Promise<CommitInfo> {
    const out = await runGit(this.dir, [
      'show',
      '-s',
      '--format=%T%x00%P%x00%B',
      sha,
    ]);
    const [tree, parents, message] = out.split('\0');
    const parentList = parents.trim() ? parents.trim().split(' ') : [];
    const files = parentList.length
      ? await runGit(this.dir, [
          'diff-tree',
          '--no-commit-id',
          '--name-only',
          '-r',
          parentList[0],
          sha,
        ])
      : await runGit(this.dir, ['ls-tree', '-r', '--name-only', sha]);
    return {
      sha,
      parents: parentList,
      message: (message ?? '').replace(/\n+$/, ''),
      changedFiles: files.split('\n').filter(Boolean),
      treeSha: tree.trim() || undefined,
    };
  }

  /**
   * Local repositories have no pull requests: the branch is merged when its
   * commit is in the target branch (at the branch's head when that is in it
   * too), closed when it is gone unmerged.
   */
  async reviewState(options: {
    branch: string;
    into: string;
    commitSha: string;
  }): Promise<ReviewState> {
    const into = await this.branchHead(options.into);
    const head = await this.branchHead(options.branch);
    if (into && (await this.isAncestor(options.commitSha, into))) {
      // The head it was merged at: the branch's, when that is merged too
      // (someone added commits before merging by hand).
      const merged =
        head && (await this.isAncestor(head, into)) ? head : options.commitSha;
      return { state: 'merged', headSha: merged };
    }
    return head ? { state: 'open', headSha: head } : { state: 'closed' };
  }

  /**
   * False when `a` is not in the history of `b`, or is no commit here (a
   * commit object never written or collected); any other Git failure
   * throws: "cannot tell" is never "no".
   */
  isAncestor(a: string, b: string): Promise<boolean> {
    return runGit(this.dir, ['merge-base', '--is-ancestor', a, b]).then(
      () => true,
      e => {
        if (
          e instanceof GitCommandError &&
          (e.code === 1 ||
            /not a valid (commit|object) name|bad object|unknown revision/i.test(
              e.stderr,
            ))
        )
          return false;
        throw e;
      },
    );
  }

  async branchHead(branch: string): Promise<string | undefined> {
    try {
      return (
        await runGit(this.dir, [
          'rev-parse',
          '--verify',
          '--quiet',
          `refs/heads/${branch}`,
        ])
      ).trim();
    } catch {
      return undefined;
    }
  }

  async deleteBranch(branch: string): Promise<void> {
    await runGit(this.dir, ['update-ref', '-d', `refs/heads/${branch}`]).catch(
      () => undefined,
    );
  }

  async fileMode(sha: string, file: string): Promise<string | undefined> {
    const out = await runGit(this.dir, ['ls-tree', sha, '--', file]);
    const line = out.split('\n').find(Boolean);
    return line ? line.split(/\s/)[0] : undefined;
  }

  private async treeWith(baseSha: string, files: FileWrite[]): Promise<string> {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gitops-index-'));
    const env = { GIT_INDEX_FILE: path.join(tmp, 'index') };
    try {
      await runGit(this.dir, ['read-tree', baseSha], { env });
      for (const f of files) {
        if (f.delete) {
          await runGit(
            this.dir,
            ['update-index', '--force-remove', '--', f.path],
            {
              env,
            },
          );
          continue;
        }
        const blob = (
          await runGit(this.dir, ['hash-object', '-w', '--stdin'], {
            input: f.content,
          })
        ).trim();
        await runGit(
          this.dir,
          ['update-index', '--add', '--cacheinfo', `100644,${blob},${f.path}`],
          { env },
        );
      }
      return (await runGit(this.dir, ['write-tree'], { env })).trim();
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  }

  private async updateRef(
    branch: string,
    sha: string,
    expectedOld: string | null,
  ): Promise<void> {
    const ref = `refs/heads/${branch}`;
    const checkedOut = await this.checkedOutCleanly(branch);
    try {
      // An empty old value means "must not exist yet".
      await runGit(this.dir, ['update-ref', ref, sha, expectedOld ?? '']);
    } catch (e) {
      if (e instanceof GitCommandError) throw new BranchMovedError(branch);
      throw e;
    }
    if (checkedOut && expectedOld) {
      // Keep a clean demo work tree in step with its branch.
      await runGit(this.dir, ['read-tree', '-m', '-u', expectedOld, sha]).catch(
        () => undefined,
      );
    }
  }

  private async checkedOutCleanly(branch: string): Promise<boolean> {
    try {
      const bare =
        (
          await runGit(this.dir, ['rev-parse', '--is-bare-repository'])
        ).trim() === 'true';
      if (bare) return false;
      const current = (
        await runGit(this.dir, ['symbolic-ref', '--quiet', 'HEAD'])
      ).trim();
      if (current !== `refs/heads/${branch}`) return false;
      const status = await runGit(this.dir, [
        'status',
        '--porcelain',
        '--untracked-files=no',
      ]);
      return status.trim() === '';
    } catch {
      return false;
    }
  }
}

function authorEnv(author: GitAuthor): Record<string, string> {
  return {
    GIT_AUTHOR_NAME: author.name,
    GIT_AUTHOR_EMAIL: author.email,
    GIT_COMMITTER_NAME: 'GitOps 2.0 portal',
    GIT_COMMITTER_EMAIL: 'gitops-portal@noreply.invalid',
  };
}
