import { GitHubGitSource } from './GitHubGitSource';
import {
  BranchMovedError,
  CommitInfo,
  FileWrite,
  GitAuthor,
  GitWriter,
  MergeNotRecordedError,
  ReviewedHeadMovedError,
  ReviewState,
} from './GitWriter';
import { MergeIntent, normalizedMessage } from './mergeIntent';

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
    onIntent?: (intent: MergeIntent) => Promise<void>;
    onCreated?: (sha: string) => Promise<void>;
  }): Promise<string> {
    const { title, body, stored } = githubMergeMessage(options.message);
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
      await this.recordAdopted(pr.merge_commit_sha, options, stored);
      return pr.merge_commit_sha;
    }
    if (pr.head.sha !== options.expectedHead)
      throw new ReviewedHeadMovedError(
        options.branch,
        options.expectedHead,
        pr.head.sha,
      );
    // GitHub's merge has no "only if the base is still at" parameter: the
    // base is read right before it, so a base that moved after the gates
    // read it (expectedOld) is refused like a local compare-and-set. The
    // window left (this read to the merge) is closed only by the branch
    // protection "require branches to be up to date" (docs/promotion.md).
    const base = await this.source.api(
      'GET /repos/{owner}/{repo}/git/ref/{ref}',
      { ref: `heads/${options.into}` },
      { what: `branch ${options.into}` },
    );
    if ((base.data as any).object?.sha !== options.expectedOld)
      throw new BranchMovedError(options.into);
    // Before GitHub is asked: the merge commit it will make is the portal's
    // even if recording its sha fails afterwards (failing here: nothing merged).
    await options.onIntent?.({
      baseSha: options.expectedOld,
      headSha: options.expectedHead,
      message: stored,
      treeSha: await this.mergeTree(options.expectedOld, options.expectedHead),
    });
    let sha: string;
    try {
      const res = await this.source.api(
        'PUT /repos/{owner}/{repo}/pulls/{pull_number}/merge',
        {
          pull_number: pr.number,
          commit_title: title,
          commit_message: body,
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
      sha = (res.data as any).sha as string;
    } catch (e) {
      // GitHub may have merged although its answer was lost (a 502 after
      // the merge, then 405 "not mergeable" on the retry): what the pull
      // request says decides, never the error.
      const merged = await this.mergedAt(options, stored);
      if (merged) return merged;
      throw e;
    }
    await recordMerge(options.branch, sha, options.onCreated);
    return sha;
  }

  /**
   * After a merge request failed: the merge commit when the pull request is
   * merged at the reviewed head after all (recorded as the portal's when it
   * is exactly the portal's merge), else undefined (not merged, or the pull
   * request cannot be read: the original error stands).
   */
  private async mergedAt(
    options: {
      branch: string;
      into: string;
      expectedHead: string;
      onCreated?: (sha: string) => Promise<void>;
    },
    stored: string,
  ): Promise<string | undefined> {
    const pr = await this.findPullRequest(
      options.branch,
      options.into,
      'all',
    ).catch(() => undefined);
    if (!pr?.merged_at || !pr.merge_commit_sha) return undefined;
    if (pr.head.sha !== options.expectedHead) return undefined;
    await this.recordAdopted(pr.merge_commit_sha, options, stored);
    return pr.merge_commit_sha;
  }

  /**
   * Records the merge commit of a pull request merged before this call (a
   * retry after the recording failed) only when it is the merge the portal
   * asks for: the reviewed head as second parent and this very message. A
   * merge by hand (another message) is adopted, not recorded as the portal's.
   */
  private async recordAdopted(
    sha: string,
    options: {
      branch: string;
      expectedHead: string;
      onCreated?: (sha: string) => Promise<void>;
    },
    stored: string,
  ): Promise<void> {
    if (!options.onCreated) return;
    const commit = await this.describeCommit(sha);
    if (
      commit.parents.length !== 2 ||
      commit.parents[1] !== options.expectedHead ||
      normalizedMessage(commit.message) !== normalizedMessage(stored)
    )
      return;
    await recordMerge(options.branch, sha, options.onCreated);
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
        number: pr.number,
        headSha: pr.head.sha,
        url: pr.html_url,
      };
    if (pr.state === 'closed') return { state: 'closed', url: pr.html_url };
    return { state: 'open', headSha: pr.head.sha, url: pr.html_url };
  }

  async mergedBy(number: number): Promise<string | undefined> {
    const res = await this.source.api(
      'GET /repos/{owner}/{repo}/pulls/{pull_number}',
      { pull_number: number },
      { what: `pull request #${number}` },
    );
    return (res.data as any).merged_by?.login ?? undefined;
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

  /**
   * The tree GitHub's merge of `head` into `base` will have, when it can be
   * known in advance: `head`'s own when `base` is one of its ancestors (the
   * portal builds its branches on the branch it merges into); otherwise
   * undefined (a three-way merge).
   */
  private async mergeTree(
    base: string,
    head: string,
  ): Promise<string | undefined> {
    if (!(await this.isAncestor(base, head))) return undefined;
    const res = await this.source.api(
      'GET /repos/{owner}/{repo}/git/commits/{commit_sha}',
      { commit_sha: head },
      { what: `commit ${head.slice(0, 12)}` },
    );
    const tree = (res.data as any).tree?.sha;
    return typeof tree === 'string' ? tree : undefined;
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
      treeSha:
        typeof data.commit?.tree?.sha === 'string'
          ? data.commit.tree.sha
          : undefined,
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

/**
 * GitHub's merge API takes a title and a body and stores
 * `title\n\nbody`: the portal's message split the same way (its second
 * line is blank), and what GitHub will store.
 */
function githubMergeMessage(message: string): {
  title: string;
  body: string;
  stored: string;
} {
  const lines = message.split('\n');
  const title = lines[0];
  const body = lines.slice(2).join('\n');
  return { title, body, stored: body ? `${title}\n\n${body}` : title };
}

/** The merge is on GitHub: a recording that fails says so. */
async function recordMerge(
  branch: string,
  sha: string,
  onCreated?: (sha: string) => Promise<void>,
): Promise<void> {
  try {
    await onCreated?.(sha);
  } catch (e) {
    throw new MergeNotRecordedError(branch, sha, e);
  }
}
