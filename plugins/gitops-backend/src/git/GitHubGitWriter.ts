import { GitHubGitSource } from './GitHubGitSource';
import { BranchMovedError, FileWrite, GitAuthor, GitWriter } from './GitWriter';

/**
 * Writes to a GitHub repository through the source's Octokit client (same
 * throttling, retries and error messages): one tree with the edited files
 * inline, one commit, then a ref update that GitHub only accepts as a
 * fast-forward — since the new commit's parent is the head that was read,
 * a branch that moved meanwhile is refused (422) and reported as
 * `BranchMovedError`. Pull requests are real GitHub pull requests.
 */
export class GitHubGitWriter implements GitWriter {
  private readonly pullRequests = new Map<
    string,
    { number: number; url: string }
  >();

  constructor(private readonly source: GitHubGitSource) {}

  async commit(options: {
    baseSha: string;
    branch: string;
    expectedOld: string | null;
    files: FileWrite[];
    message: string;
    author: GitAuthor;
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
        tree: options.files.map(f => ({
          path: f.path,
          mode: '100644',
          type: 'blob',
          content: f.content,
        })),
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

  /** Opens the pull request of a promotion branch; returns its web URL. */
  async openPullRequest(options: {
    branch: string;
    base: string;
    title: string;
    body: string;
  }): Promise<string> {
    const res = await this.source.api(
      'POST /repos/{owner}/{repo}/pulls',
      {
        head: options.branch,
        base: options.base,
        title: options.title,
        body: options.body,
      },
      { what: `a pull request from ${options.branch}` },
    );
    const pr = res.data as any;
    this.pullRequests.set(options.branch, {
      number: pr.number,
      url: pr.html_url,
    });
    return pr.html_url;
  }

  async merge(options: {
    branch: string;
    into: string;
    expectedOld: string;
    message: string;
    author: GitAuthor;
  }): Promise<string> {
    const pr = await this.findPullRequest(options.branch, options.into);
    const head = await this.branchHead(options.branch);
    const res = await this.source.api(
      'PUT /repos/{owner}/{repo}/pulls/{pull_number}/merge',
      {
        pull_number: pr.number,
        commit_title: options.message.split('\n')[0],
        commit_message: options.message.split('\n').slice(2).join('\n'),
        merge_method: 'merge',
        sha: head, // GitHub refuses (409) when the branch moved since it was read
      },
      {
        what: `pull request #${pr.number}`,
        unprocessable: m =>
          new Error(`GitHub cannot merge pull request #${pr.number}: ${m}`),
      },
    );
    return (res.data as any).sha as string;
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

  pullRequestUrl(branch: string): string | undefined {
    return this.pullRequests.get(branch)?.url;
  }

  private async findPullRequest(
    branch: string,
    base: string,
  ): Promise<{ number: number; url: string }> {
    const known = this.pullRequests.get(branch);
    if (known) return known;
    const owner = this.source.repositorySlug.split('/')[0];
    const res = await this.source.api(
      'GET /repos/{owner}/{repo}/pulls',
      { head: `${owner}:${branch}`, base, state: 'open' },
      { what: `the pull request of ${branch}` },
    );
    const pr = (res.data as any[])[0];
    if (!pr)
      throw new Error(`no open pull request from ${branch} into ${base}`);
    const found = { number: pr.number, url: pr.html_url };
    this.pullRequests.set(branch, found);
    return found;
  }
}
