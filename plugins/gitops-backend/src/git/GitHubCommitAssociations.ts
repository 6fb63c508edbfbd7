import type { LoggerService } from '@backstage/backend-plugin-api';
import type { ChecksSummary } from '@gitops2/plugin-gitops-common';
import type { GitHubApiClient } from './GitHubApiClient';
import { HostedPullRequest, summarizeChecks } from './githubChecks';
import { SHA_RE } from './githubHelpers';

/** How long pull-request associations and CI results of a commit are reused. */
const ASSOCIATIONS_TTL_MS = 10 * 60_000;
const ASSOCIATIONS_CACHE_SIZE = 20_000;

/** A bounded insertion-ordered cache: the oldest entry goes first. */
function remember<V>(cache: Map<string, V>, key: string, value: V): void {
  cache.delete(key);
  cache.set(key, value);
  if (cache.size > ASSOCIATIONS_CACHE_SIZE) {
    cache.delete(cache.keys().next().value as string);
  }
}

/**
 * Pull requests GitHub associates with commits and the CI results of a
 * commit (GraphQL), remembered for a few minutes.
 */
export class GitHubCommitAssociations {
  constructor(
    private readonly client: GitHubApiClient,
    private readonly owner: string,
    private readonly repo: string,
    private readonly logger: LoggerService,
  ) {}

  private get slug(): string {
    return `${this.owner}/${this.repo}`;
  }

  /** Forgets the remembered CI results of a commit (CI reported anew). */
  forgetChecks(sha: string): void {
    this.checksCache.delete(sha);
  }

  /**
   * The pull requests GitHub associates with each commit, and the CI results
   * (check runs and commit statuses) of `checksOf`, in one GraphQL query per
   * 100 commits. Undefined when GraphQL is not available (no token): callers
   * fall back to what commit messages say.
   */
  async commitAssociations(
    shas: string[],
    checksOf?: string,
  ): Promise<
    | {
        pullRequests: Map<string, HostedPullRequest[]>;
        checks?: ChecksSummary;
      }
    | undefined
  > {
    const pullRequests = new Map<string, HostedPullRequest[]>();
    let checks: ChecksSummary | undefined;
    const now = Date.now();
    const fresh = (at: number) => now - at < ASSOCIATIONS_TTL_MS;
    // Repeat views (e.g. "pending for the next environment") are served from
    // memory: pull requests of a commit rarely change within minutes.
    const valid: string[] = [];
    for (const sha of new Set(shas)) {
      if (!SHA_RE.test(sha)) continue;
      const hit = this.associationCache.get(sha);
      if (hit && fresh(hit.at)) pullRequests.set(sha, hit.prs);
      else valid.push(sha);
    }
    let wantChecks = checksOf && SHA_RE.test(checksOf) ? checksOf : undefined;
    const cachedChecks = wantChecks
      ? this.checksCache.get(wantChecks)
      : undefined;
    if (cachedChecks && fresh(cachedChecks.at)) {
      checks = cachedChecks.checks;
      wantChecks = undefined;
    }
    const url = `${this.client.apiBaseUrl.replace(
      /\/api\/v3$/,
      '/api',
    )}/graphql`;
    const chunks: string[][] = [];
    for (let i = 0; i < valid.length; i += 100)
      chunks.push(valid.slice(i, i + 100));
    if (chunks.length === 0 && wantChecks) chunks.push([]);
    for (const [index, chunk] of chunks.entries()) {
      const fields = chunk.map(
        (sha, j) =>
          `c${j}: object(oid: "${sha}") { ... on Commit { associatedPullRequests(first: 10) { nodes { number title body headRefName } } } }`,
      );
      if (index === 0 && wantChecks) {
        fields.push(
          `checks: object(oid: "${wantChecks}") { ... on Commit { statusCheckRollup { contexts(first: 100) { nodes { __typename ... on CheckRun { name status conclusion detailsUrl } ... on StatusContext { context state targetUrl } } } } } }`,
        );
      }
      let data: any;
      try {
        const res = await this.client.call(
          `POST ${url}`,
          {
            query: `query($owner: String!, $name: String!) { repository(owner: $owner, name: $name) { ${fields.join(
              ' ',
            )} } }`,
            variables: { owner: this.owner, name: this.repo },
          },
          { what: 'the pull requests of commits' },
        );
        data = (res.data as any)?.data?.repository;
      } catch (e) {
        const message = e instanceof Error ? e.message : String(e);
        // Without a usable token GraphQL is not available: fall back to
        // commit messages. Anything else (rate limits, outages) fails the
        // rollout, which stays pending for the next run.
        if (!this.client.anonymous && !/\(401\)|\(403\)/.test(message)) throw e;
        this.logger.debug(
          `no pull requests from GitHub GraphQL for ${this.slug}: ${message}`,
        );
        return undefined;
      }
      if (!data) return undefined;
      chunk.forEach((sha, j) => {
        const nodes: any[] = data[`c${j}`]?.associatedPullRequests?.nodes ?? [];
        const prs: HostedPullRequest[] = nodes
          .filter(n => typeof n?.number === 'number')
          .map(n => ({
            number: n.number,
            title: typeof n.title === 'string' ? n.title : undefined,
            body:
              typeof n.body === 'string' ? n.body.slice(0, 20_000) : undefined,
            branch:
              typeof n.headRefName === 'string' ? n.headRefName : undefined,
          }));
        pullRequests.set(sha, prs);
        remember(this.associationCache, sha, { prs, at: now });
      });
      if (index === 0 && wantChecks) {
        checks = summarizeChecks(
          data.checks?.statusCheckRollup?.contexts?.nodes ?? [],
        );
        remember(this.checksCache, wantChecks, { checks, at: now });
      }
    }
    return { pullRequests, checks };
  }

  private readonly associationCache = new Map<
    string,
    { prs: HostedPullRequest[]; at: number }
  >();
  private readonly checksCache = new Map<
    string,
    { checks: ChecksSummary; at: number }
  >();
}
