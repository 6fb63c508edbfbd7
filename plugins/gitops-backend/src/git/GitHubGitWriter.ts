import { GitHubGitSource } from './GitHubGitSource';
import {
  BranchMovedError,
  CommitInfo,
  FileWrite,
  GitAuthor,
  GitWriter,
  ReviewedHeadMovedError,
  ReviewState,
} from './GitWriter';

interface PullRequest {
  number: number;
  html_url: string;
  state: 'open' | 'closed';
  merged_at: string | null;
  merge_commit_sha: string | null;
  head: { sha: string; ref: string };
}

/**
 * Writes to a GitHub repository through the source's Octokit client (same
 * throttling, retries and error messages): one tree with the edited files
 * inline, one commit, then a ref update that GitHub only accepts as a
 * fast-forward — since the new commit's parent is the head that was read,
 * a branch that moved meanwhile is refused (422) and reported as
 * `BranchMovedError`. Pull requests are real GitHub pull requests, found
 * again by their branch on every call (nothing is remembered in memory, so
 * any replica can continue what another began), and merged with the sha
 * that was reviewed.
 */
export class GitHubGitWriter implements GitWriter {
  constructor(private readonly source: GitHubGitSource) {}

  async commit(options: {
    baseSha: string;
    branch: string;
    expectedOld: string | null;
    files: FileWrite[];
    message: string;
    author: GitAuthor;
    onCreated?: (sha: string) => Promise<void>;
  }): Promise<string> {
    const base = await this.source.api(
      'GET /repos/{owner}/{repo}/git/commits/{commit_sha}',
      { commit_sha: options.baseSha },
      { what: `commit ${options.baseSha.slice(0, 12)}` },
    );
    const baseTree = (base.data as any).tree.sha as string;
    const tree = await this.source.api(
      'POST /repos/{owner}/{repo}/git/trees',
      {
        base_tree: baseTree,
        // sha: null removes the path from the tree (GitHub's git data API).
        tree: options.files.map(f =>
          f.delete
            ? { path: f.path, mode: '100644', type: 'blob', sha: null }
            : {
                path: f.path,
                mode: '100644',
                type: 'blob',
                content: f.content,
              },
        ),
      },
      { what: 'a new tree' },
    );
    const commit = await this.source.api(
      'POST /repos/{owner}/{repo}/git/commits',
      {
        message: options.message,
        tree: (tree.data as any).sha,
        parents: [options.baseSha],
        author: { name: options.author.name, email: options.author.email },
      },
      { what: 'a new commit' },
    );
    const sha = (commit.data as any).sha as string;
    await options.onCreated?.(sha);
    const moved = () => new BranchMovedError(options.branch);
    if (options.expectedOld === null) {
      await this.source.api(
        'POST /repos/{owner}/{repo}/git/refs',
        { ref: `refs/heads/${options.branch}`, sha },
        { what: `branch ${options.branch}`, unprocessable: moved },
      );
    } else {
      await this.source.api(
        'PATCH /repos/{owner}/{repo}/git/refs/{ref}',
        { ref: `heads/${options.branch}`, sha, force: false },
        { what: `branch ${options.branch}`, unprocessable: moved },
      );
    }
    return sha;
  }

  /** Opens the pull request of a promotion branch, or returns the open one. */
  async openPullRequest(options: {
    branch: string;
    base: string;
    title: string;
    body: string;
  }): Promise<string> {
    const existing = await this.findPullRequest(
      options.branch,
      options.base,
      'open',
    );
    if (existing) return existing.html_url;
    try {
      const res = await this.source.api(
        'POST /repos/{owner}/{repo}/pulls',
        {
          head: options.branch,
          base: options.base,
          title: options.title,
          body: options.body,
        },
        {
          what: `a pull request from ${options.branch}`,
          unprocessable: m =>
            new Error(
              `GitHub cannot open a pull request from ${options.branch}: ${m}`,
            ),
        },
      );
      return (res.data as any).html_url;
    } catch (e) {
      // A 5xx whose request went through, retried by Octokit, ends in 422
      // ("Validation Failed": a pull request already exists for the
      // branch): adopt that one rather than fail, never open a second.
      const pr = await this.findPullRequest(
        options.branch,
        options.base,
        'open',
      ).catch(() => undefined);
      if (pr) return pr.html_url;
      throw e;
    }
  }

  async closePullRequest(branch: string, base: string): Promise<void> {
    const pr = await this.findPullRequest(branch, base, 'open');
    if (!pr) return;
    await this.source.api(
      'PATCH /repos/{owner}/{repo}/pulls/{pull_number}',
      { pull_number: pr.number, state: 'closed' },
      { what: `pull request #${pr.number}` },
    );
  }

  async merge(options: {
    branch: string;
    expectedHead: string;
    into: string;
    expectedOld: string;
    message: string;
    author: GitAuthor;
    onCreated?: (sha: string) => Promise<void>;
  }): Promise<string> {
    const pr = await this.findPullRequest(options.branch, options.into, 'all');
    if (!pr)
      throw new Error(
        `no pull request from ${options.branch} into ${options.into}`,
      );
    if (pr.merged_at && pr.merge_commit_sha) {
      // Merged already (a retry after a crash, or by hand): only adopt it
      // when what was merged is what was reviewed.
      if (pr.head.sha !== options.expectedHead)
        throw new ReviewedHeadMovedError(
          options.branch,
          options.expectedHead,
          pr.head.sha,
        );
      return pr.merge_commit_sha;
    }
    if (pr.head.sha !== options.expectedHead)
      throw new ReviewedHeadMovedError(
        options.branch,
        options.expectedHead,
        pr.head.sha,
      );
    const res = await this.source.api(
      'PUT /repos/{owner}/{repo}/pulls/{pull_number}/merge',
      {
        pull_number: pr.number,
        commit_title: options.message.split('\n')[0],
        commit_message: options.message.split('\n').slice(2).join('\n'),
        merge_method: 'merge',
        // GitHub refuses (409) when the head is no longer the reviewed commit.
        sha: options.expectedHead,
      },
      {
        what: `pull request #${pr.number}`,
        conflict: () =>
          new ReviewedHeadMovedError(
            options.branch,
            options.expectedHead,
            undefined,
          ),
        notAllowed: m =>
          new Error(
            `GitHub cannot merge pull request #${pr.number} (405): ${m}`,
          ),
        unprocessable: m =>
          new Error(`GitHub cannot merge pull request #${pr.number}: ${m}`),
      },
    );
    const sha = (res.data as any).sha as string;
    await options.onCreated?.(sha);
    return sha;
  }

  async reviewState(options: {
    branch: string;
    into: string;
    commitSha: string;
  }): Promise<ReviewState> {
    const pr = await this.findPullRequest(options.branch, options.into, 'all');
    if (!pr) {
      const head = await this.branchHead(options.branch);
      return head ? { state: 'open', headSha: head } : { state: 'closed' };
    }
    if (pr.merged_at)
      return {
        state: 'merged',
        mergeSha: pr.merge_commit_sha ?? undefined,
        headSha: pr.head.sha,
        url: pr.html_url,
      };
    if (pr.state === 'closed') return { state: 'closed', url: pr.html_url };
    return { state: 'open', headSha: pr.head.sha, url: pr.html_url };
  }

  async branchHead(branch: string): Promise<string | undefined> {
    const missing = new Error('missing');
    try {
      const res = await this.source.api(
        'GET /repos/{owner}/{repo}/git/ref/{ref}',
        { ref: `heads/${branch}` },
        { what: `branch ${branch}`, notFound: () => missing },
      );
      return (res.data as any).object.sha as string;
    } catch (e) {
      if (e === missing) return undefined;
      throw e;
    }
  }

  async deleteBranch(branch: string): Promise<void> {
    await this.source
      .api(
        'DELETE /repos/{owner}/{repo}/git/refs/{ref}',
        { ref: `heads/${branch}` },
        { what: `branch ${branch}`, notFound: () => new Error('gone') },
      )
      .catch(() => undefined);
  }

  async fileMode(sha: string, path: string): Promise<string | undefined> {
    const missing = new Error('missing');
    try {
      const res = await this.source.api(
        'GET /repos/{owner}/{repo}/contents/{path}',
        { path, ref: sha },
        { what: path, notFound: () => missing },
      );
      const data = res.data as any;
      if (Array.isArray(data)) return '040000';
      if (data.type === 'symlink') return '120000';
      if (data.type === 'submodule') return '160000';
      return '100644';
    } catch (e) {
      if (e === missing) return undefined;
      throw e;
    }
  }

  async isAncestor(ancestor: string, descendant: string): Promise<boolean> {
    if (ancestor === descendant) return true;
    const unrelated = new Error('unrelated');
    try {
      const res = await this.source.api(
        `GET /repos/{owner}/{repo}/compare/${ancestor}...${descendant}`,
        { per_page: 1 },
        { what: 'a comparison', notFound: () => unrelated },
      );
      const status = (res.data as any).status;
      return status === 'ahead' || status === 'identical';
    } catch (e) {
      if (e === unrelated) return false;
      throw e;
    }
  }

  async describeCommit(sha: string): Promise<CommitInfo> {
    const res = await this.source.api(
      'GET /repos/{owner}/{repo}/commits/{ref}',
      { ref: sha },
      { what: `commit ${sha.slice(0, 12)}` },
    );
    const data = res.data as any;
    return {
      sha,
      parents: (data.parents ?? []).map((p: any) => p.sha),
      message: String(data.commit?.message ?? ''),
      changedFiles: (data.files ?? []).map((f: any) => f.filename),
    };
  }

  /** The most recent pull request of a branch (GitHub lists newest first). */
  private async findPullRequest(
    branch: string,
    base: string,
    state: 'open' | 'all',
  ): Promise<PullRequest | undefined> {
    const owner = this.source.repositorySlug.split('/')[0];
    const res = await this.source.api(
      'GET /repos/{owner}/{repo}/pulls',
      { head: `${owner}:${branch}`, base, state, per_page: 10 },
      { what: `the pull request of ${branch}` },
    );
    return (res.data as PullRequest[])[0];
  }
}
