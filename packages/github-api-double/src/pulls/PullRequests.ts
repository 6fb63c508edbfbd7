/*
 * The pull requests of one repository, over real Git: creation checks the
 * branches and that there is something to merge; the merge writes a real
 * merge (or squash) commit on the base branch with a compare-and-set of the
 * base ref; GitHub's automatic transitions (head branch deleted → closed,
 * head pushed into the base → merged) are applied whenever pull requests
 * are read. Also writes GitHub's `refs/pull/{n}/head` and `refs/pull/{n}/merge`.
 */
import { GitRepo } from '../git/GitRepo';
import { GitIdentity } from '../git/types';
import { ApiError, validationFailed } from '../http/reply';
import { DoubleUser, noreplyEmail } from '../shapes/common';
import { PullFigures, PullState } from '../shapes/pulls';

export type MergeMethod = 'merge' | 'squash' | 'rebase';

const MERGE_DOCS =
  'https://docs.github.com/rest/pulls/pulls#merge-a-pull-request';
const CREATE_DOCS =
  'https://docs.github.com/rest/pulls/pulls#create-a-pull-request';

/** GitHub's committer of web and API merges. */
const GITHUB_COMMITTER = { name: 'GitHub', email: 'noreply@github.com' };

export class PullRequests {
  private readonly pulls = new Map<number, PullState>();
  private readonly figures = new Map<number, PullFigures>();
  private nextNumber: number;

  constructor(
    private readonly git: GitRepo,
    private readonly owner: string,
    private readonly clock: () => string,
    private readonly nextId: () => number,
    firstNumber = 1,
  ) {
    this.nextNumber = firstNumber;
  }

  private async branchSha(branch: string): Promise<string | undefined> {
    return (await this.git.readRef(`refs/heads/${branch}`))?.sha;
  }

  /** Points a `refs/pull/...` ref (GitHub's, not writable through the API) at `sha`. */
  private async setRef(ref: string, sha: string): Promise<void> {
    const old = (await this.git.readRef(ref))?.sha ?? null;
    await this.git.casRef(ref, sha, old);
  }

  /** Every pull request, oldest first, after the automatic transitions. */
  async all(): Promise<PullState[]> {
    for (const pr of this.pulls.values()) await this.refresh(pr);
    return [...this.pulls.values()];
  }

  async get(n: number): Promise<PullState | undefined> {
    const pr = this.pulls.get(n);
    if (pr) await this.refresh(pr);
    return pr;
  }

  /** Applies what GitHub does by itself to an open pull request when branches move. */
  private async refresh(pr: PullState): Promise<void> {
    if (pr.state !== 'open') return;
    const [head, base] = await Promise.all([
      this.branchSha(pr.head),
      this.branchSha(pr.base),
    ]);
    if (!head || !base) {
      await this.freeze(pr);
      pr.state = 'closed';
      pr.closedAt = this.clock();
      pr.updatedAt = pr.closedAt;
      return;
    }
    if (head !== pr.headSha || base !== pr.baseSha) {
      pr.headSha = head;
      pr.baseSha = base;
      pr.mergeable = null;
      this.figures.delete(pr.number);
      await this.setRef(`refs/pull/${pr.number}/head`, head);
    }
    if (await this.git.isAncestor(head, base)) {
      // The head was pushed into the base: GitHub marks the pull request merged.
      await this.freeze(pr);
      pr.state = 'closed';
      pr.mergedAt = this.clock();
      pr.closedAt = pr.mergedAt;
      pr.updatedAt = pr.mergedAt;
      pr.mergeCommitSha = head;
      pr.mergeable = null;
    }
  }

  /** Keeps the figures of a pull request that stops following its branches. */
  private async freeze(pr: PullState): Promise<void> {
    await this.figuresOf(pr);
  }

  /** Commits, additions, deletions, changed files (base...head). */
  async figuresOf(pr: PullState): Promise<PullFigures> {
    const known = this.figures.get(pr.number);
    if (known) return known;
    const mergeBase = await this.git.mergeBase(pr.baseSha, pr.headSha);
    const files = mergeBase ? await this.git.diff(mergeBase, pr.headSha) : [];
    const f: PullFigures = {
      commits: await this.git.countBetween(pr.baseSha, pr.headSha),
      additions: files.reduce((s, x) => s + x.additions, 0),
      deletions: files.reduce((s, x) => s + x.deletions, 0),
      changedFiles: files.length,
    };
    this.figures.set(pr.number, f);
    return f;
  }

  /**
   * Computes mergeability as GitHub does, with a test merge commit
   * (`refs/pull/{n}/merge`, the open pull request's `merge_commit_sha`).
   */
  async checkMergeable(pr: PullState, user: DoubleUser): Promise<void> {
    if (pr.state !== 'open' || pr.mergeable !== null) return;
    const { tree, conflicts } = await this.git.mergeTrees(
      pr.baseSha,
      pr.headSha,
    );
    pr.mergeable = !conflicts;
    if (conflicts) {
      pr.mergeCommitSha = null;
      return;
    }
    const now = this.clock();
    const sha = await this.git.writeCommit({
      tree,
      parents: [pr.baseSha, pr.headSha],
      message: `Merge ${pr.headSha} into ${pr.baseSha}`,
      author: identity(user, now),
      committer: { ...GITHUB_COMMITTER, date: now },
    });
    await this.setRef(`refs/pull/${pr.number}/merge`, sha);
    pr.mergeCommitSha = sha;
  }

  /** `POST /pulls`: validates like GitHub, then opens the pull request. */
  async create(
    input: {
      head: string;
      base: string;
      title?: string;
      body?: string | null;
      draft?: boolean;
    },
    user: DoubleUser,
  ): Promise<PullState> {
    const fail = (e: Record<string, unknown>) =>
      new ApiError(422, 'Validation Failed', {
        errors: [{ resource: 'PullRequest', ...e }],
        documentationUrl: CREATE_DOCS,
      });
    if (typeof input.title !== 'string' || input.title === '') {
      throw fail({ code: 'missing_field', field: 'title' });
    }
    let head = String(input.head ?? '');
    const colon = head.indexOf(':');
    if (colon >= 0) {
      if (head.slice(0, colon) !== this.owner) {
        throw fail({ field: 'head', code: 'invalid' });
      }
      head = head.slice(colon + 1);
    }
    const base = String(input.base ?? '');
    const headSha = head ? await this.branchSha(head) : undefined;
    if (!headSha) throw fail({ field: 'head', code: 'invalid' });
    const baseSha = base ? await this.branchSha(base) : undefined;
    if (!baseSha) throw fail({ field: 'base', code: 'invalid' });
    for (const pr of await this.all()) {
      if (pr.state === 'open' && pr.head === head && pr.base === base) {
        throw fail({
          code: 'custom',
          message: `A pull request already exists for ${this.owner}:${head}.`,
        });
      }
    }
    if (await this.git.isAncestor(headSha, baseSha)) {
      throw fail({
        code: 'custom',
        message: `No commits between ${base} and ${head}`,
      });
    }
    const now = this.clock();
    const pr: PullState = {
      number: this.nextNumber++,
      id: this.nextId(),
      title: input.title,
      body: input.body ?? null,
      head,
      base,
      user,
      state: 'open',
      draft: !!input.draft,
      createdAt: now,
      updatedAt: now,
      closedAt: null,
      mergedAt: null,
      mergedBy: null,
      mergeCommitSha: null,
      headSha,
      baseSha,
      mergeable: null,
    };
    this.pulls.set(pr.number, pr);
    await this.setRef(`refs/pull/${pr.number}/head`, headSha);
    return pr;
  }

  /** `PATCH /pulls/{n}`: title, body, state (close / reopen). */
  async update(
    n: number,
    input: { title?: string; body?: string | null; state?: string },
  ): Promise<PullState | undefined> {
    const pr = await this.get(n);
    if (!pr) return undefined;
    const now = this.clock();
    if (input.state !== undefined && input.state !== pr.state) {
      if (input.state === 'closed') {
        await this.freeze(pr);
        pr.state = 'closed';
        pr.closedAt = now;
      } else if (input.state === 'open') {
        if (pr.mergedAt) {
          throw validationFailed({
            resource: 'PullRequest',
            code: 'custom',
            message: 'Cannot reopen a merged pull request',
          });
        }
        const [head, base] = await Promise.all([
          this.branchSha(pr.head),
          this.branchSha(pr.base),
        ]);
        if (!head || !base) {
          throw validationFailed({
            resource: 'PullRequest',
            code: 'custom',
            message: 'state cannot be changed. The branch has been deleted.',
          });
        }
        pr.state = 'open';
        pr.closedAt = null;
        pr.mergeable = null;
        this.figures.delete(pr.number);
        await this.refresh(pr);
      } else {
        throw validationFailed({
          resource: 'PullRequest',
          field: 'state',
          code: 'invalid',
        });
      }
    }
    if (input.title !== undefined) pr.title = String(input.title);
    if (input.body !== undefined) pr.body = input.body;
    pr.updatedAt = now;
    return pr;
  }

  /**
   * `PUT /pulls/{n}/merge`. 409 when `sha` is not the head any more; 405
   * when the pull request is closed, conflicts, or the base moved during the
   * merge. Returns the merge commit.
   */
  async merge(
    n: number,
    input: {
      sha?: string;
      method?: MergeMethod;
      title?: string;
      message?: string;
    },
    user: DoubleUser,
  ): Promise<string | undefined> {
    const pr = await this.get(n);
    if (!pr) return undefined;
    const method = input.method ?? 'merge';
    if (!['merge', 'squash', 'rebase'].includes(method)) {
      throw validationFailed({
        resource: 'PullRequest',
        field: 'merge_method',
        code: 'invalid',
      });
    }
    const notMergeable = () =>
      new ApiError(405, 'Pull Request is not mergeable', {
        documentationUrl: MERGE_DOCS,
      });
    if (pr.state !== 'open') throw notMergeable();
    if (input.sha !== undefined && input.sha !== pr.headSha) {
      throw new ApiError(
        409,
        'Head branch was modified. Review and try the merge again.',
        { documentationUrl: MERGE_DOCS },
      );
    }
    if (method === 'rebase') {
      throw new ApiError(
        405,
        'Rebase merges are not allowed on this repository.',
        {
          documentationUrl: MERGE_DOCS,
        },
      );
    }
    const { tree, conflicts } = await this.git.mergeTrees(
      pr.baseSha,
      pr.headSha,
    );
    if (conflicts) {
      pr.mergeable = false;
      throw notMergeable();
    }
    const now = this.clock();
    let message: string;
    let parents: string[];
    if (method === 'squash') {
      const shas = await this.git.commitsBetween(pr.baseSha, pr.headSha);
      const commits = await this.git.readCommits(shas);
      const title = input.title ?? `${pr.title} (#${pr.number})`;
      const body =
        input.message ?? commits.map(c => `* ${c.message}`).join('\n\n');
      message = body ? `${title}\n\n${body}` : title;
      parents = [pr.baseSha];
    } else {
      const title =
        input.title ??
        `Merge pull request #${pr.number} from ${this.owner}/${pr.head}`;
      const body = input.message ?? pr.title;
      message = body ? `${title}\n\n${body}` : title;
      parents = [pr.baseSha, pr.headSha];
    }
    const sha = await this.git.writeCommit({
      tree,
      parents,
      message,
      author: identity(method === 'squash' ? pr.user : user, now),
      committer: { ...GITHUB_COMMITTER, date: now },
    });
    await this.figuresOf(pr);
    if (!(await this.git.casRef(`refs/heads/${pr.base}`, sha, pr.baseSha))) {
      throw new ApiError(
        405,
        'Base branch was modified. Review and try the merge again.',
        { documentationUrl: MERGE_DOCS },
      );
    }
    pr.state = 'closed';
    pr.mergedAt = now;
    pr.closedAt = now;
    pr.updatedAt = now;
    pr.mergedBy = user;
    pr.mergeCommitSha = sha;
    pr.mergeable = null;
    return sha;
  }
}

function identity(user: DoubleUser, date: string): GitIdentity {
  return {
    name: user.name,
    email: user.email || noreplyEmail(user),
    date,
  };
}
