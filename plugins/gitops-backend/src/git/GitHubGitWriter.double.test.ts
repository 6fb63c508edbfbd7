/*
 * The product's GitHub source and writer against the GitHub API double (a
 * real HTTP server over a real bare Git repository), configured the way a
 * backend is: `integrations.github: [{host: github.com, apiBaseUrl, token}]`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { mockServices } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { GitHubApiDouble, start } from '@gitops2/github-api-double';
import { GitRepoFixture } from '../testing/GitRepoFixture';
import { GitHubGitSource } from './GitHubGitSource';
import { GitHubGitWriter } from './GitHubGitWriter';
import {
  BranchMovedError,
  MergeNotRecordedError,
  ReviewedHeadMovedError,
} from './GitWriter';

// Octokit's throttling spaces GitHub writes about a second apart, as GitHub asks.
jest.setTimeout(90_000);

const SLUG = 'acme/gitops';
const VALUES = 'apps/cart/prod/values.yaml';
const author = { name: 'Portal', email: 'portal@example.com' };

describe('GitHubGitSource + GitHubGitWriter against the GitHub API double', () => {
  let repo: GitRepoFixture;
  let double: GitHubApiDouble;
  let source: GitHubGitSource;
  let writer: GitHubGitWriter;
  let first: string;
  let head: string;

  beforeAll(async () => {
    repo = new GitRepoFixture();
    repo.write(VALUES, 'image:\n  tag: v1\n').write('README.md', '# gitops\n');
    fs.symlinkSync(
      'values.yaml',
      path.join(repo.dir, 'apps/cart/prod/current.yaml'),
    );
    first = repo.commit('bootstrap');
    repo.write('apps/cart/dev/values.yaml', 'image:\n  tag: v2\n');
    head = repo.commit('cart v2 to dev');
    double = await start({ repos: [{ slug: SLUG, from: repo.dir }] });
    const config = new ConfigReader({
      integrations: {
        github: [{ host: 'github.com', apiBaseUrl: double.url, token: 'x' }],
      },
    });
    source = GitHubGitSource.fromConfig(config, {
      url: `https://github.com/${SLUG}`,
      branch: 'main',
      logger: mockServices.logger.mock(),
      retryAfterBaseMs: 1,
    });
    writer = new GitHubGitWriter(source);
  });
  afterAll(async () => {
    await double.close();
    repo.cleanup();
  });

  it('reads the head (then a 304), the history with changed files, and files', async () => {
    expect(await source.headCommit()).toBe(head);
    expect(await source.headCommit()).toBe(head);
    const heads = double.requests('GET /repos/{owner}/{repo}/commits/{ref}');
    expect(heads.map(r => [r.path, r.status])).toEqual([
      ['/repos/acme/gitops/commits/heads/main', 200],
      ['/repos/acme/gitops/commits/heads/main', 304],
    ]);
    expect(heads[0].userAgent).toMatch(/^backstage-plugin-gitops-backend/);
    expect(heads[0].auth).toBe('token');

    const commits = await source.listCommits({ until: head });
    expect(
      commits.map(c => [c.sha, c.message, c.authorName, c.changedFiles]),
    ).toEqual([
      [
        first,
        'bootstrap',
        'Ada Lovelace',
        ['README.md', 'apps/cart/prod/current.yaml', VALUES],
      ],
      [head, 'cart v2 to dev', 'Ada Lovelace', ['apps/cart/dev/values.yaml']],
    ]);
    expect(await source.listCommits({ since: first, until: head })).toEqual([
      commits[1],
    ]);
    expect(
      await source.readFiles([
        { sha: head, path: VALUES },
        { sha: head, path: 'apps/nope.yaml' },
      ]),
    ).toEqual(['image:\n  tag: v1\n', undefined]);
    expect(await writer.fileMode(head, VALUES)).toBe('100644');
    expect(await writer.fileMode(head, 'apps/cart/prod/current.yaml')).toBe(
      '120000',
    );
    expect(await writer.fileMode(head, 'apps/cart')).toBe('040000');
    expect(await writer.fileMode(head, 'apps/nope.yaml')).toBeUndefined();
  });

  it("retries the double's secondary rate limit (403 + retry-after) and a 502 like GitHub's", async () => {
    const route = 'GET /repos/{owner}/{repo}/git/ref/{ref}';
    double.faults.secondaryRateLimit(route, { retryAfter: 1 });
    double.faults.failNext(route, 502);
    expect(await writer.branchHead('main')).toBe(head);
    expect(double.requests(route).map(r => r.status)).toEqual([403, 502, 200]);
  });

  it('commits on a new branch, opens a pull request, merges it with the head sha; the merge is on main', async () => {
    const branch = 'gitops/promotion-1';
    const sha = await writer.commit({
      baseSha: head,
      branch,
      expectedOld: null,
      files: [{ path: VALUES, content: 'image:\n  tag: v2\n' }],
      message: 'Promote cart v2 to prod',
      author,
    });
    expect(await double.branchHead(SLUG, branch)).toBe(sha);
    expect(await writer.branchHead(branch)).toBe(sha);
    await expect(
      writer.commit({
        baseSha: head,
        branch,
        expectedOld: null,
        files: [],
        message: 'again',
        author,
      }),
    ).rejects.toBeInstanceOf(BranchMovedError);

    const url = await writer.openPullRequest({
      branch,
      base: 'main',
      title: 'Promote cart v2 to prod',
      body: 'release notes',
    });
    expect(url).toBe('https://github.com/acme/gitops/pull/1');

    const merged = await writer.merge({
      branch,
      expectedHead: (await writer.branchHead(branch))!,
      into: 'main',
      expectedOld: head,
      message: 'Merge promotion #1\n\nGitops-Kind: promotion',
      author,
    });
    expect(await double.branchHead(SLUG, 'main')).toBe(merged);
    expect(await double.pullRequest(SLUG, 1)).toMatchObject({
      state: 'closed',
      merged: true,
      mergeCommitSha: merged,
      headSha: sha,
    });
    const mergeBody = double.requests(
      'PUT /repos/{owner}/{repo}/pulls/{pull_number}/merge',
    )[0].body;
    expect(mergeBody).toMatchObject({ sha, merge_method: 'merge' });

    // What the source sees next: the merge commit, first-parent, its files
    // against main's previous head.
    expect(await source.headCommit()).toBe(merged);
    const [mergeCommit, ...rest] = await source.listCommits({
      since: head,
      until: merged,
    });
    expect(rest).toEqual([]);
    expect(mergeCommit).toMatchObject({
      sha: merged,
      parents: [head, sha],
      message: 'Merge promotion #1\n\nGitops-Kind: promotion',
      changedFiles: [VALUES],
    });
    expect(await source.readFiles([{ sha: merged, path: VALUES }])).toEqual([
      'image:\n  tag: v2\n',
    ]);
    // The pull request GitHub associates with the promotion and merge commits (GraphQL).
    const hosted = await source.commitAssociations([sha, merged, head], merged);
    const numbers = (c: string) =>
      hosted?.pullRequests.get(c)?.map(p => [p.number, p.branch]);
    expect([numbers(sha), numbers(merged), numbers(head)]).toEqual([
      [[1, branch]],
      [[1, branch]],
      [],
    ]);
    expect(hosted?.checks?.total).toBe(0);
    await writer.deleteBranch(branch);
    expect(await writer.branchHead(branch)).toBeUndefined();
  });

  it('a merge whose branch moved after it was read is refused (409) and main stays', async () => {
    const main = (await double.branchHead(SLUG, 'main'))!;
    const branch = 'gitops/promotion-2';
    await writer.commit({
      baseSha: main,
      branch,
      expectedOld: null,
      files: [{ path: VALUES, content: 'image:\n  tag: v3\n' }],
      message: 'Promote cart v3 to prod',
      author,
    });
    await writer.openPullRequest({
      branch,
      base: 'main',
      title: 'Promote cart v3 to prod',
      body: '',
    });
    const reviewed = (await writer.branchHead(branch))!;
    // Someone pushes to the branch right after the writer found its pull request.
    double.afterEffect(
      { route: 'GET /repos/{owner}/{repo}/pulls' },
      async () => {
        await double.pushCommit(SLUG, branch, {
          files: { 'apps/cart/prod/extra.yaml': 'x: 1\n' },
          message: 'a push by someone else',
        });
      },
      { once: true },
    );
    await expect(
      writer.merge({
        branch,
        expectedHead: reviewed,
        into: 'main',
        expectedOld: main,
        message: 'Merge promotion #2',
        author,
      }),
    ).rejects.toBeInstanceOf(ReviewedHeadMovedError);
    expect(
      double
        .requests('PUT /repos/{owner}/{repo}/pulls/{pull_number}/merge')
        .map(r => r.status),
    ).toEqual([200, 409]);
    expect(await double.branchHead(SLUG, 'main')).toBe(main);
    expect(await double.pullRequest(SLUG, 2)).toMatchObject({
      state: 'open',
      merged: false,
    });
  });

  it('a merge whose base moved since it was read is refused as BranchMovedError: the pull request stays open, main keeps the other commit', async () => {
    const main = (await double.branchHead(SLUG, 'main'))!;
    const branch = 'gitops/promotion-base-moved';
    await writer.commit({
      baseSha: main,
      branch,
      expectedOld: null,
      files: [{ path: VALUES, content: 'image:\n  tag: v5\n' }],
      message: 'Promote cart v5 to prod',
      author,
    });
    const url = await writer.openPullRequest({
      branch,
      base: 'main',
      title: 'Promote cart v5 to prod',
      body: '',
    });
    const reviewed = (await writer.branchHead(branch))!;
    // Main moves after the gates read it (expectedOld) and before the merge.
    await double.pushCommit(SLUG, 'main', {
      files: { 'apps/cart/dev/values.yaml': 'image:\n  tag: v9\n' },
      message: 'someone else, after the gates',
    });
    const moved = (await double.branchHead(SLUG, 'main'))!;
    const merges = double.requests(
      'PUT /repos/{owner}/{repo}/pulls/{pull_number}/merge',
    ).length;
    await expect(
      writer.merge({
        branch,
        expectedHead: reviewed,
        into: 'main',
        expectedOld: main,
        message: 'Merge promotion base-moved',
        author,
      }),
    ).rejects.toBeInstanceOf(BranchMovedError);
    expect(
      double.requests('PUT /repos/{owner}/{repo}/pulls/{pull_number}/merge'),
    ).toHaveLength(merges);
    expect(await double.branchHead(SLUG, 'main')).toBe(moved);
    expect(
      await double.pullRequest(SLUG, Number(url.split('/').pop())),
    ).toMatchObject({ state: 'open', merged: false });
  });

  it('a direct commit on a branch that moved is refused (422) as BranchMovedError', async () => {
    const main = (await double.branchHead(SLUG, 'main'))!;
    await double.pushCommit(SLUG, 'main', {
      files: { 'apps/cart/dev/values.yaml': 'image:\n  tag: v4\n' },
      message: 'someone else',
    });
    await expect(
      writer.commit({
        baseSha: main,
        branch: 'main',
        expectedOld: main,
        files: [{ path: VALUES, content: 'image:\n  tag: v4\n' }],
        message: 'late',
        author,
      }),
    ).rejects.toBeInstanceOf(BranchMovedError);
    const refused = double.requests(
      'PATCH /repos/{owner}/{repo}/git/refs/{ref}',
    );
    expect(refused.map(r => r.status)).toEqual([422]);
  });

  it('a commit deletes the files marked delete (sha: null in the tree), on a branch of its own', async () => {
    const main = (await double.branchHead(SLUG, 'main'))!;
    const sha = await writer.commit({
      baseSha: main,
      branch: 'gitops/retire-dev',
      expectedOld: null,
      files: [
        { path: 'apps/cart/dev/values.yaml', content: '', delete: true },
        { path: 'README.md', content: '# gitops, without dev\n' },
      ],
      message: 'retire environment dev',
      author,
    });
    const [dev, values, readme] = await source.readFiles([
      { sha, path: 'apps/cart/dev/values.yaml' },
      { sha, path: VALUES },
      { sha, path: 'README.md' },
    ]);
    expect(dev).toBeUndefined();
    // Files not named stay (earlier tests changed its content).
    expect(values).toMatch(/^image:\n {2}tag: v\d\n$/);
    expect(readme).toBe('# gitops, without dev\n');
    expect(await double.branchHead(SLUG, 'main')).toBe(main);
  });
  /** A pull request of its own on main's head, written and opened. */
  async function openedChange(branch: string, tag: string) {
    const main = (await double.branchHead(SLUG, 'main'))!;
    await writer.commit({
      baseSha: main,
      branch,
      expectedOld: null,
      files: [{ path: VALUES, content: `image:\n  tag: ${tag}\n` }],
      message: `Promote cart ${tag} to prod`,
      author,
    });
    const url = await writer.openPullRequest({
      branch,
      base: 'main',
      title: `Promote cart ${tag} to prod`,
      body: '',
    });
    return {
      main,
      reviewed: (await writer.branchHead(branch))!,
      number: Number(url.split('/').pop()),
    };
  }
  const MERGES = 'PUT /repos/{owner}/{repo}/pulls/{pull_number}/merge';

  it('a merge whose recording fails after GitHub merged it says the merge is in Git (MergeNotRecordedError with the sha); the intent was recorded before the PUT; merging again adopts it at the reviewed head and records it, with one merge on GitHub', async () => {
    const branch = 'gitops/promotion-unrecorded';
    const { main, reviewed } = await openedChange(branch, 'v6');
    const message =
      'Merge promotion #7 (gitops/promotion-unrecorded)\n\nGitops-Kind: promotion\nGitops-Action: 7\nGitops-Initiator: user:default/alice\n';
    const merges = double.requests(MERGES).length;
    const intents: unknown[] = [];
    const options = {
      branch,
      expectedHead: reviewed,
      into: 'main',
      expectedOld: main,
      message,
      author,
      onIntent: async (intent: unknown) => {
        // Before GitHub is asked: no merge request yet.
        intents.push({ intent, mergesSoFar: double.requests(MERGES).length });
      },
    };
    const failed = await writer
      .merge({
        ...options,
        onCreated: async () => {
          throw new Error('database down');
        },
      })
      .catch(e => e);
    const merged = (await double.branchHead(SLUG, 'main'))!;
    expect(merged).not.toBe(main);
    expect(failed).toBeInstanceOf(MergeNotRecordedError);
    expect(failed).toMatchObject({ branch, sha: merged });
    expect(failed.message).toBe(
      `the merge of ${branch} is in Git as ${merged.slice(
        0,
        12,
      )}, but recording it failed: database down`,
    );
    const reviewedTree = (
      await source.listCommits({ since: main, until: reviewed })
    ).at(-1)!.treeSha;
    expect(reviewedTree).toMatch(/^[0-9a-f]{40}$/);
    expect(intents).toEqual([
      {
        intent: {
          baseSha: main,
          headSha: reviewed,
          message:
            'Merge promotion #7 (gitops/promotion-unrecorded)\n\nGitops-Kind: promotion\nGitops-Action: 7\nGitops-Initiator: user:default/alice\n',
          // The merge will take the reviewed head's tree (main is its base).
          treeSha: reviewedTree,
        },
        mergesSoFar: merges,
      },
    ]);
    // The merge commit GitHub made is the one the intent describes.
    const commit = await writer.describeCommit(merged);
    expect(commit.parents).toEqual([main, reviewed]);
    expect(commit.message.trimEnd()).toBe(message.trimEnd());

    const recorded: string[] = [];
    const again = await writer.merge({
      ...options,
      expectedOld: merged,
      onCreated: async sha => {
        recorded.push(sha);
      },
    });
    expect(again).toBe(merged);
    expect(recorded).toEqual([merged]);
    expect(double.requests(MERGES)).toHaveLength(merges + 1);
  });

  it('a pull request merged by hand on GitHub is adopted at the reviewed head but not recorded as the portal’s (its message is not the one the portal writes)', async () => {
    const branch = 'gitops/promotion-by-hand';
    const { main, reviewed, number } = await openedChange(branch, 'v7');
    await double.mergePullRequest(SLUG, number);
    const merged = (await double.branchHead(SLUG, 'main'))!;
    const recorded: string[] = [];
    expect(
      await writer.merge({
        branch,
        expectedHead: reviewed,
        into: 'main',
        expectedOld: main,
        message: 'Merge promotion #8\n\nGitops-Initiator: user:default/alice\n',
        author,
        onCreated: async sha => {
          recorded.push(sha);
        },
      }),
    ).toBe(merged);
    expect(recorded).toEqual([]);
  });
});
