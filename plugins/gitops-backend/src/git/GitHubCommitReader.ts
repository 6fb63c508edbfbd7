import { GitHubApiClient } from './GitHubApiClient';
import type {
  ApiCommit,
  ApiCompare,
  ApiFile,
  CallContext,
  CommitInfo,
  Response,
} from './githubApiTypes';
import {
  SHA_RE,
  fileNames,
  mapLimit,
  nextLink,
  toCommitInfo,
  toText,
} from './githubHelpers';
import { LruCache } from './LruCache';
import { PushedRevisions } from './PushedRevisions';
import type { GitCommit } from './types';

/**
 * GitHub caps the changed files of one commit at 3000 (300 per page) and of a
 * comparison at 300; a list this long may be truncated.
 */
const COMMIT_FILES_CAP = 3000;
const COMPARE_FILES_CAP = 300;
const PER_PAGE = 100;

/**
 * Commits addressed by sha: history pages, comparisons, changed files and
 * resolved revisions, all immutable and cached in bounded LRUs.
 */
export class GitHubCommitReader {
  private readonly listPages = new LruCache<{
    commits: CommitInfo[];
    next?: string;
  }>(2000);
  private readonly compares = new LruCache<ApiCompare>(200);
  private readonly resolvedRefs = new LruCache<string>(20_000);
  private readonly commitFiles: LruCache<string[] | null>;
  /** Revisions its `push` webhooks named (no request to resolve them). */
  readonly pushed = new PushedRevisions();

  constructor(
    private readonly client: GitHubApiClient,
    private readonly slug: string,
    private readonly concurrency: number,
    commitCacheSize: number,
  ) {
    this.commitFiles = new LruCache(commitCacheSize);
  }

  /**
   * The full sha a revision (short or full sha) names, or undefined when the
   * repository has no such commit. One request (`application/vnd.github.sha`,
   * no body to speak of) per revision, cached.
   */
  async resolveCommit(ref: string): Promise<string | undefined> {
    const cached = this.resolvedRefs.get(ref) ?? this.pushed.resolve(ref);
    if (cached) return cached;
    const NONE = new Error('none');
    try {
      const res = await this.call(
        'GET /repos/{owner}/{repo}/commits/{ref}',
        { ref, headers: { accept: 'application/vnd.github.sha' } },
        {
          what: `commit ${ref.slice(0, 12)}`,
          notFound: () => NONE,
          unprocessable: () => NONE,
        },
      );
      const sha = toText(res.data).trim();
      if (!SHA_RE.test(sha)) return undefined;
      this.resolvedRefs.set(ref, sha);
      return sha;
    } catch (e) {
      if (e === NONE) return undefined;
      throw e;
    }
  }

  async listPage(
    until: string,
    url: string | undefined,
  ): Promise<{ commits: CommitInfo[]; next?: string }> {
    const key = url ?? `first:${until}`;
    const immutable = SHA_RE.test(until);
    const cached = immutable ? this.listPages.get(key) : undefined;
    if (cached) return cached;
    const res = url
      ? await this.call(
          `GET ${this.checkedNextUrl(url)}`,
          {},
          { what: `the history of ${until.slice(0, 12)}` },
        )
      : await this.call(
          'GET /repos/{owner}/{repo}/commits',
          { sha: until, per_page: PER_PAGE },
          {
            what: `the history of ${until.slice(0, 12)}`,
            unprocessable: () =>
              new Error(
                `commit ${until.slice(0, 12)} not found in GitHub repository ${
                  this.slug
                } (422)`,
              ),
          },
        );
    if (!Array.isArray(res.data)) {
      throw new Error(
        `GitHub returned an unexpected commit list for ${this.slug}`,
      );
    }
    const page = {
      commits: (res.data as ApiCommit[]).map(toCommitInfo),
      next: nextLink(res.headers.link),
    };
    if (immutable) this.listPages.set(key, page);
    return page;
  }

  async compare(
    base: string,
    head: string,
    page = 1,
  ): Promise<ApiCompare | undefined> {
    const key = `${base}...${head}:${page}`;
    const cached = this.compares.get(key);
    if (cached) return cached;
    const NOT_FOUND_COMMIT = new Error('not found');
    try {
      const res = await this.call(
        `GET /repos/{owner}/{repo}/compare/${base}...${head}`,
        { per_page: PER_PAGE, page },
        {
          what: `${base.slice(0, 12)}...${head.slice(0, 12)}`,
          notFound: () => NOT_FOUND_COMMIT,
        },
      );
      const data = res.data as ApiCompare;
      if (SHA_RE.test(base) && SHA_RE.test(head)) this.compares.set(key, data);
      return data;
    } catch (e) {
      // An unknown sha: it was force-pushed away and garbage-collected.
      if (e === NOT_FOUND_COMMIT) return undefined;
      throw e;
    }
  }

  async withChangedFiles(commits: CommitInfo[]): Promise<GitCommit[]> {
    return mapLimit(commits, this.concurrency, async c => {
      const files = await this.changedFiles(c);
      return files ? { ...c, changedFiles: files } : { ...c };
    });
  }

  /**
   * Paths changed against the first parent: the commit endpoint (up to 3000
   * files, 300 per page) for ordinary and root commits, the comparison with
   * the first parent for merges (whose diff GitHub would otherwise be free to
   * present against any parent). Null when the list may be truncated.
   */
  private async changedFiles(c: CommitInfo): Promise<string[] | undefined> {
    const cached = this.commitFiles.get(c.sha);
    if (cached !== undefined) return cached ?? undefined;
    let files: string[] | null;
    if (c.parents.length > 1) {
      const cmp = await this.compare(c.parents[0], c.sha);
      const list = cmp?.files ?? [];
      files = cmp && list.length < COMPARE_FILES_CAP ? fileNames(list) : null;
    } else {
      const all: ApiFile[] = [];
      let res = await this.call(
        `GET /repos/{owner}/{repo}/commits/${c.sha}`,
        {},
        { what: `commit ${c.sha.slice(0, 12)}` },
      );
      all.push(...((res.data as ApiCommit).files ?? []));
      let next = nextLink(res.headers.link);
      while (next && all.length < COMMIT_FILES_CAP) {
        res = await this.call(
          `GET ${this.checkedNextUrl(next)}`,
          {},
          { what: `commit ${c.sha.slice(0, 12)}` },
        );
        all.push(...((res.data as ApiCommit).files ?? []));
        next = nextLink(res.headers.link);
      }
      files = all.length < COMMIT_FILES_CAP ? fileNames(all) : null;
    }
    this.commitFiles.set(c.sha, files);
    return files ?? undefined;
  }

  private checkedNextUrl(url: string): string {
    return this.client.checkedNextUrl(url);
  }

  private call(
    route: string,
    params: Record<string, unknown>,
    ctx: CallContext,
  ): Promise<Response> {
    return this.client.call(route, params, ctx);
  }
}
