import type { LoggerService } from '@backstage/backend-plugin-api';
import type { Config } from '@backstage/config';
import {
  DefaultGithubCredentialsProvider,
  GithubCredentialsProvider,
  ScmIntegrations,
} from '@backstage/integration';
import type { ChecksSummary } from '@gitops2/plugin-gitops-common';
import {
  DEFAULT_MAX_FILE_BYTES,
  FileContent,
  GitCommit,
  GitSource,
  StaleRefError,
} from './types';
import type { HostedPullRequest } from './githubChecks';
import type {
  ApiCompare,
  CallContext,
  CommitInfo,
  Response,
} from './githubApiTypes';
import type { GitHubGitSourceOptions } from './GitHubGitSourceOptions';
import { GitHubApiClient } from './GitHubApiClient';
import { GitHubCommitAssociations } from './GitHubCommitAssociations';
import { GitHubFileReader } from './GitHubFileReader';
import { GitHubCommitReader } from './GitHubCommitReader';
import type { PushedCommits } from './PushedRevisions';
import {
  SHA_RE,
  encodePath,
  parseGitHubUrl,
  redactUrl,
  toCommitInfo,
  toText,
} from './githubHelpers';

export { summarizeChecks } from './githubChecks';
export type { HostedPullRequest } from './githubChecks';
export type { CallContext, Response } from './githubApiTypes';
export type { GitHubGitSourceOptions } from './GitHubGitSourceOptions';
export { parseGitHubUrl } from './githubHelpers';

/**
 * One credentials provider per configuration: a GitHub App's installation
 * token (and its installation list) is cached by the provider, so every
 * repository of a backend shares it instead of minting its own.
 */
const providers = new WeakMap<Config, GithubCredentialsProvider>();
function credentialsProviderOf(
  config: Config,
  integrations: ScmIntegrations,
): GithubCredentialsProvider {
  let provider = providers.get(config);
  if (!provider) {
    provider = DefaultGithubCredentialsProvider.fromIntegrations(integrations);
    providers.set(config, provider);
  }
  return provider;
}

/**
 * A GitOps repository on github.com or GitHub Enterprise, read through the
 * REST API (Octokit with throttling and retries). Same semantics as
 * LocalGitSource: first-parent history, StaleRefError after a force-push.
 *
 * Requests are kept low: the branch head is a conditional request (a 304
 * does not count against the rate limit), and everything addressed by a
 * commit sha (history pages, changed files, file contents) is immutable and
 * cached in bounded in-memory LRUs.
 */
export class GitHubGitSource implements GitSource {
  readonly location: string;
  private readonly slug: string;
  private readonly branch: string;
  private readonly client: GitHubApiClient;
  private readonly associations: GitHubCommitAssociations;
  private readonly concurrency: number;

  private head?: { etag: string; sha: string };
  private readonly commits: GitHubCommitReader;
  private readonly fileReader: GitHubFileReader;

  /**
   * Creates the source for a `github` repository of app-config: API base URL
   * and token (or GitHub App) from the `integrations.github` entry of the
   * repository's host.
   */
  static fromConfig(
    config: Config,
    options: { url: string; branch: string; logger: LoggerService } & Partial<
      Omit<GitHubGitSourceOptions, 'url' | 'branch' | 'logger'>
    >,
  ): GitHubGitSource {
    const { host } = parseGitHubUrl(options.url);
    const integrations = ScmIntegrations.fromConfig(config);
    const integration = integrations.github.byHost(host);
    if (!integration) {
      throw new Error(
        `no integrations.github entry for host ${host}; add one (with a token or a GitHub App) to read ${redactUrl(
          options.url,
        )}`,
      );
    }
    const apiBaseUrl =
      integration.config.apiBaseUrl ??
      (host === 'github.com'
        ? 'https://api.github.com'
        : `https://${host}/api/v3`);
    return new GitHubGitSource({
      credentialsProvider: credentialsProviderOf(config, integrations),
      ...options,
      apiBaseUrl: options.apiBaseUrl ?? apiBaseUrl,
    });
  }

  constructor(options: GitHubGitSourceOptions) {
    const { host, owner, repo } = parseGitHubUrl(options.url);
    this.slug = `${owner}/${repo}`;
    this.location = `https://${host}/${owner}/${repo}`;
    this.branch = options.branch;
    this.concurrency = Math.max(1, options.concurrency ?? 4);
    this.client = new GitHubApiClient({
      host,
      owner,
      repo,
      location: this.location,
      apiBaseUrl: options.apiBaseUrl.replace(/\/+$/, ''),
      credentialsProvider: options.credentialsProvider,
      logger: options.logger,
      maxRetries: options.maxRetries ?? 3,
      maxRetryAfterSeconds: options.maxRetryAfterSeconds ?? 120,
      retryAfterBaseMs: options.retryAfterBaseMs ?? 1000,
      onRateLimitHeaders: options.onRateLimitHeaders,
    });
    this.commits = new GitHubCommitReader(
      this.client,
      this.slug,
      this.concurrency,
      options.commitCacheSize ?? 20_000,
    );
    this.associations = new GitHubCommitAssociations(
      this.client,
      owner,
      repo,
      options.logger,
    );
    this.fileReader = new GitHubFileReader(
      this.client,
      this.concurrency,
      options.fileCacheSize ?? 5000,
      options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES,
    );
  }

  async headCommit(): Promise<string> {
    const cached = this.head;
    const res = await this.call(
      `GET /repos/{owner}/{repo}/commits/heads/${encodePath(this.branch)}`,
      {
        headers: {
          accept: 'application/vnd.github.sha',
          ...(cached ? { 'if-none-match': cached.etag } : {}),
        },
      },
      {
        what: `the head of branch "${this.branch}"`,
        unprocessable: () =>
          new Error(
            `branch "${this.branch}" not found in GitHub repository ${this.slug} (422)`,
          ),
      },
    );
    if (res.status === 304 && cached) return cached.sha;
    const sha = toText(res.data).trim();
    if (!SHA_RE.test(sha)) {
      throw new Error(
        `GitHub returned no commit sha for branch "${this.branch}" of ${this.slug} (status ${res.status})`,
      );
    }
    const etag = res.headers.etag;
    this.head = typeof etag === 'string' ? { etag, sha } : undefined;
    return sha;
  }

  /**
   * Walks the commit list of `until` (newest first, 100 per page) along the
   * first-parent chain until `since`; the list endpoint returns every
   * ancestor, so commits merged in from other branches are skipped.
   */
  async listCommits(options: {
    since?: string;
    until: string;
    limit?: number;
  }): Promise<GitCommit[]> {
    const { since, until } = options;
    // A page: the oldest `limit` commits; only their changed files are read.
    const oldest = (list: CommitInfo[]) =>
      options.limit === undefined ? list : list.slice(0, options.limit);
    const seen = new Map<string, CommitInfo>();
    const chain: CommitInfo[] = [];
    let cursor: string | undefined = until;
    let next: string | undefined;
    let pages = 0;
    let compare: ApiCompare | undefined;

    for (;;) {
      if (since !== undefined && cursor === since) break;
      if (cursor === undefined) {
        // The root was reached without meeting `since`.
        if (since !== undefined) {
          return this.withChangedFiles(
            oldest(
              await this.notOnFirstParentChain(since, until, chain, compare),
            ),
          );
        }
        break;
      }
      const commit = seen.get(cursor);
      if (commit) {
        chain.push(commit);
        cursor = commit.parents[0];
        continue;
      }
      if (pages > 0 && !next) {
        if (since !== undefined) {
          return this.withChangedFiles(
            oldest(
              await this.notOnFirstParentChain(since, until, chain, compare),
            ),
          );
        }
        throw new Error(
          `GitHub's history of ${this.slug} at ${until.slice(
            0,
            12,
          )} is missing commit ${cursor.slice(0, 12)}`,
        );
      }
      if (since !== undefined && pages === 1 && !compare) {
        // `since` is not among the newest 100 commits: find out now whether
        // it is still in the history at all, rather than after walking all
        // of it (a force-push would otherwise cost the whole history twice).
        compare = await this.compare(since, until);
        if (
          !compare ||
          compare.status === 'diverged' ||
          compare.status === 'behind'
        ) {
          throw new StaleRefError(since);
        }
      }
      const page = await this.listPage(until, next);
      pages++;
      for (const c of page.commits) seen.set(c.sha, c);
      next = page.next;
    }
    return this.withChangedFiles(oldest(chain.reverse()));
  }

  readFiles(
    requests: Array<{ sha: string; path: string }>,
  ): Promise<FileContent[]> {
    return this.fileReader.readFiles(requests);
  }

  commitUrl(sha: string): string | undefined {
    return `${this.location}/commit/${sha}`;
  }

  // ---------------------------------------------------------------------------

  // --- source repositories (correlation) ------------------------------------

  /**
   * The full sha a revision (short or full sha) names, or undefined when the
   * repository has no such commit. One request (`application/vnd.github.sha`,
   * no body to speak of) per revision, cached.
   */
  resolveCommit(ref: string): Promise<string | undefined> {
    return this.commits.resolveCommit(ref);
  }

  /**
   * Remembers the commits a `push` webhook named, so that
   * resolveCommit answers them without a request. Returns how many.
   */
  rememberPushed(push: PushedCommits): number {
    return this.commits.pushed.remember(push);
  }

  /**
   * Commits of `head` not in `base`, newest first, through every page of
   * GitHub's comparison (which lists at most 250 commits without paging),
   * up to `max`; `behindBy` counts the commits of `base` not in `head`.
   * Undefined when a sha is unknown.
   */
  async compareCommits(
    base: string,
    head: string,
    max = 10_000,
  ): Promise<
    { commits: CommitInfo[]; aheadBy: number; behindBy: number } | undefined
  > {
    const first = await this.compare(base, head, 1);
    if (!first) return undefined;
    const commits = [...first.commits];
    const want = Math.min(first.ahead_by, max);
    for (let page = 2; commits.length < want; page++) {
      const next = await this.compare(base, head, page);
      if (!next || next.commits.length === 0) break;
      commits.push(...next.commits);
    }
    return {
      commits: commits.slice(0, want).map(toCommitInfo).reverse(),
      aheadBy: first.ahead_by,
      behindBy: first.behind_by,
    };
  }

  /** Up to `max` commits reachable from `sha`, newest first. */
  async history(sha: string, max: number): Promise<CommitInfo[]> {
    const out: CommitInfo[] = [];
    let url: string | undefined;
    while (out.length < max) {
      const page = await this.listPage(sha, url);
      out.push(...page.commits);
      if (!page.next) break;
      url = page.next;
    }
    return out.slice(0, max);
  }

  /** Forgets the remembered CI results of a commit (CI reported anew). */
  forgetChecks(sha: string): void {
    this.associations.forgetChecks(sha);
  }

  /**
   * The pull requests GitHub associates with each commit, and the CI results
   * (check runs and commit statuses) of `checksOf`, in one GraphQL query per
   * 100 commits. Undefined when GraphQL is not available (no token): callers
   * fall back to what commit messages say.
   */
  commitAssociations(
    shas: string[],
    checksOf?: string,
  ): Promise<
    | {
        pullRequests: Map<string, HostedPullRequest[]>;
        checks?: ChecksSummary;
      }
    | undefined
  > {
    return this.associations.commitAssociations(shas, checksOf);
  }

  /**
   * One GraphQL query (no variables: its arguments are literals) through
   * this repository's client and credentials; the answer's body
   * (`{data, errors}`).
   */
  async graphql(query: string, what: string): Promise<any> {
    const res = await this.call(
      `POST ${this.client.graphqlUrl}`,
      { query },
      { what },
    );
    return res.data;
  }

  /** Web link to a pull request. */
  pullRequestUrl(n: number): string {
    return `${this.location}/pull/${n}`;
  }

  private listPage(
    until: string,
    url: string | undefined,
  ): Promise<{ commits: CommitInfo[]; next?: string }> {
    return this.commits.listPage(until, url);
  }

  private compare(
    base: string,
    head: string,
    page = 1,
  ): Promise<ApiCompare | undefined> {
    return this.commits.compare(base, head, page);
  }

  /**
   * `since` was not met on the first-parent chain of `until`. Either history
   * was rewritten (StaleRefError), or `since` is an ancestor reached only
   * through a merge's second parent; then, as `git log --first-parent
   * since..until`, the chain is cut where it reaches commits of `since`.
   */
  private async notOnFirstParentChain(
    since: string,
    until: string,
    chain: CommitInfo[],
    known?: ApiCompare,
  ): Promise<CommitInfo[]> {
    const first = known ?? (await this.compare(since, until));
    if (!first || first.status === 'diverged' || first.status === 'behind') {
      throw new StaleRefError(since);
    }
    if (first.status === 'identical') return [];
    // Commits reachable from `until` but not from `since`.
    const fresh = new Set(first.commits.map(c => c.sha));
    for (let page = 2; fresh.size < first.total_commits; page++) {
      const more = await this.compare(since, until, page);
      if (!more || more.commits.length === 0) break;
      for (const c of more.commits) fresh.add(c.sha);
    }
    const result: CommitInfo[] = [];
    for (const c of chain) {
      if (!fresh.has(c.sha)) break;
      result.push(c);
    }
    return result.reverse();
  }

  private withChangedFiles(commits: CommitInfo[]): Promise<GitCommit[]> {
    return this.commits.withChangedFiles(commits);
  }

  /**
   * One GitHub API call through this source's throttled, retrying client,
   * with its precise errors (used by GitHubGitWriter for writes).
   */
  api(
    route: string,
    params: Record<string, unknown>,
    ctx: CallContext,
  ): Promise<Response> {
    return this.call(route, params, ctx);
  }

  /** `owner/name` of the repository. */
  get repositorySlug(): string {
    return this.slug;
  }

  private call(
    route: string,
    params: Record<string, unknown>,
    ctx: CallContext,
  ): Promise<Response> {
    return this.client.call(route, params, ctx);
  }
}
