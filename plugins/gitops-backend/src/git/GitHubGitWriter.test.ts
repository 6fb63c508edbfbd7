import {
  mockServices,
  registerMswTestHooks,
} from '@backstage/backend-test-utils';
import { createHash } from 'node:crypto';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { GitHubGitSource } from './GitHubGitSource';
import { GitHubGitWriter } from './GitHubGitWriter';
import { BranchMovedError } from './GitWriter';

// Octokit's throttling spaces GitHub writes about a second apart, as GitHub asks.
jest.setTimeout(60_000);

const API = 'https://api.github.com';
const REPO = `${API}/repos/acme/gitops`;

/**
 * A GitHub double for the Git data API: blobs inline in trees, commits, refs
 * that only move by fast-forward (422 otherwise), pull requests and their
 * merge (409 when the head moved); counts requests per route.
 */
/** Octokit sends `heads/main` URL-encoded (`heads%2Fmain`); GitHub takes both. */
const branchOf = (params: Record<string, unknown>) => {
  const raw = params.ref;
  const ref = decodeURIComponent(
    Array.isArray(raw) ? raw.join('/') : String(raw),
  );
  return ref.replace(/^heads\//, '');
};

class GitHubRepoDouble {
  trees = new Map<
    string,
    Map<string, { content: string; type: 'file' | 'symlink' }>
  >();
  commits = new Map<
    string,
    { tree: string; parents: string[]; message: string }
  >();
  refs = new Map<string, string>();
  pulls: Array<{
    number: number;
    head: string;
    base: string;
    state: string;
    mergedSha?: string;
    mergedHead?: string;
  }> = [];
  counts = new Map<string, number>();

  private hash(v: unknown) {
    return createHash('sha1').update(JSON.stringify(v)).digest('hex');
  }

  count(route: string) {
    this.counts.set(route, (this.counts.get(route) ?? 0) + 1);
  }

  seed(files: Record<string, string>, symlinks: Record<string, string> = {}) {
    const tree = new Map<
      string,
      { content: string; type: 'file' | 'symlink' }
    >();
    for (const [p, c] of Object.entries(files))
      tree.set(p, { content: c, type: 'file' });
    for (const [p, c] of Object.entries(symlinks))
      tree.set(p, { content: c, type: 'symlink' });
    const treeSha = this.hash([...tree]);
    this.trees.set(treeSha, tree);
    const sha = this.hash({ treeSha, root: true });
    this.commits.set(sha, { tree: treeSha, parents: [], message: 'root' });
    this.refs.set('main', sha);
    return sha;
  }

  isAncestor(a: string, b: string): boolean {
    if (a === b) return true;
    return (this.commits.get(b)?.parents ?? []).some(p =>
      this.isAncestor(a, p),
    );
  }

  fileAt(branch: string, path: string) {
    return this.trees
      .get(this.commits.get(this.refs.get(branch)!)!.tree)!
      .get(path)?.content;
  }

  handlers() {
    return [
      http.get(`${REPO}/git/commits/:sha`, ({ params }) => {
        this.count('GET commit');
        const c = this.commits.get(String(params.sha));
        return c
          ? HttpResponse.json({
              sha: params.sha,
              tree: { sha: c.tree },
              parents: c.parents.map(sha => ({ sha })),
            })
          : HttpResponse.json({ message: 'Not Found' }, { status: 404 });
      }),
      http.post(`${REPO}/git/trees`, async ({ request }) => {
        this.count('POST tree');
        const body = (await request.json()) as any;
        const tree = new Map(this.trees.get(body.base_tree));
        for (const e of body.tree)
          tree.set(e.path, { content: e.content, type: 'file' });
        const sha = this.hash([...tree]);
        this.trees.set(sha, tree);
        return HttpResponse.json({ sha }, { status: 201 });
      }),
      http.post(`${REPO}/git/commits`, async ({ request }) => {
        this.count('POST commit');
        const body = (await request.json()) as any;
        const sha = this.hash(body);
        this.commits.set(sha, {
          tree: body.tree,
          parents: body.parents,
          message: body.message,
        });
        return HttpResponse.json({ sha }, { status: 201 });
      }),
      http.post(`${REPO}/git/refs`, async ({ request }) => {
        this.count('POST ref');
        const body = (await request.json()) as any;
        const name = String(body.ref).replace('refs/heads/', '');
        if (this.refs.has(name))
          return HttpResponse.json(
            { message: 'Reference already exists' },
            { status: 422 },
          );
        this.refs.set(name, body.sha);
        return HttpResponse.json(
          { ref: body.ref, object: { sha: body.sha } },
          { status: 201 },
        );
      }),
      http.patch(`${REPO}/git/refs/:ref+`, async ({ params, request }) => {
        this.count('PATCH ref');
        const body = (await request.json()) as any;
        const current = this.refs.get(branchOf(params));
        if (!current)
          return HttpResponse.json(
            { message: 'Reference does not exist' },
            { status: 422 },
          );
        if (!body.force && !this.isAncestor(current, body.sha)) {
          return HttpResponse.json(
            { message: 'Update is not a fast forward' },
            { status: 422 },
          );
        }
        this.refs.set(branchOf(params), body.sha);
        return HttpResponse.json({ object: { sha: body.sha } });
      }),
      http.get(`${REPO}/git/ref/:ref+`, ({ params }) => {
        this.count('GET ref');
        const sha = this.refs.get(branchOf(params));
        return sha
          ? HttpResponse.json({ object: { sha } })
          : HttpResponse.json({ message: 'Not Found' }, { status: 404 });
      }),
      http.delete(`${REPO}/git/refs/:ref+`, ({ params }) => {
        this.count('DELETE ref');
        this.refs.delete(branchOf(params));
        return new HttpResponse(null, { status: 204 });
      }),
      http.get(`${REPO}/contents/*`, ({ request, params }) => {
        this.count('GET contents');
        const ref = new URL(request.url).searchParams.get('ref')!;
        const entry = this.trees
          .get(this.commits.get(ref)?.tree ?? '')
          ?.get(String((params as any)[0]));
        if (!entry)
          return HttpResponse.json({ message: 'Not Found' }, { status: 404 });
        return HttpResponse.json({
          type: entry.type,
          path: (params as any)[0],
        });
      }),
      http.post(`${REPO}/pulls`, async ({ request }) => {
        this.count('POST pull');
        const body = (await request.json()) as any;
        const number = this.pulls.length + 1;
        this.pulls.push({
          number,
          head: body.head,
          base: body.base,
          state: 'open',
        });
        return HttpResponse.json(
          { number, html_url: `https://github.com/acme/gitops/pull/${number}` },
          { status: 201 },
        );
      }),
      http.get(`${REPO}/pulls`, ({ request }) => {
        this.count('GET pulls');
        const params = new URL(request.url).searchParams;
        const head = params.get('head')!.split(':')[1];
        const state = params.get('state') ?? 'open';
        return HttpResponse.json(
          this.pulls
            .filter(
              p => p.head === head && (state === 'all' || p.state === state),
            )
            .reverse()
            .map(p => ({
              number: p.number,
              state: p.state,
              html_url: `https://github.com/acme/gitops/pull/${p.number}`,
              merged_at: p.mergedSha ? '2026-11-30T00:00:00Z' : null,
              merge_commit_sha: p.mergedSha ?? null,
              head: { ref: p.head, sha: p.mergedHead ?? this.refs.get(p.head) },
            })),
        );
      }),
      http.put(`${REPO}/pulls/:number/merge`, async ({ params, request }) => {
        this.count('PUT merge');
        const body = (await request.json()) as any;
        const pr = this.pulls.find(p => p.number === Number(params.number))!;
        const head = this.refs.get(pr.head)!;
        if (body.sha && body.sha !== head)
          return HttpResponse.json(
            { message: 'Head branch was modified' },
            { status: 409 },
          );
        const base = this.refs.get(pr.base)!;
        const sha = this.hash({ merge: [base, head] });
        this.commits.set(sha, {
          tree: this.commits.get(head)!.tree,
          parents: [base, head],
          message: body.commit_title,
        });
        this.refs.set(pr.base, sha);
        pr.state = 'closed';
        pr.mergedSha = sha;
        pr.mergedHead = head;
        return HttpResponse.json({ sha, merged: true });
      }),
    ];
  }
}

describe('GitHubGitWriter', () => {
  const server = setupServer();
  registerMswTestHooks(server);
  let gh: GitHubRepoDouble;
  let writer: GitHubGitWriter;
  const author = { name: 'alice', email: 'alice@example.com' };

  beforeEach(() => {
    gh = new GitHubRepoDouble();
    server.use(...gh.handlers());
    const source = new GitHubGitSource({
      url: 'https://github.com/acme/gitops',
      branch: 'main',
      apiBaseUrl: API,
      credentialsProvider: {
        getCredentials: async () => ({ type: 'token', token: 'ghp_secret' }),
      } as any,
      logger: mockServices.logger.mock(),
      retryAfterBaseMs: 1,
    } as any);
    writer = new GitHubGitWriter(source);
  });

  it('commits directly with one tree, one commit and a fast-forward ref update (4 requests)', async () => {
    const base = gh.seed({
      'apps/cart/prod/values.yaml': 'image:\n  tag: v1 # pinned\n',
    });
    const sha = await writer.commit({
      baseSha: base,
      branch: 'main',
      expectedOld: base,
      files: [
        {
          path: 'apps/cart/prod/values.yaml',
          content: 'image:\n  tag: v2 # pinned\n',
        },
      ],
      message: 'promote cart v2 to prod',
      author,
    });
    expect(gh.refs.get('main')).toBe(sha);
    expect(gh.fileAt('main', 'apps/cart/prod/values.yaml')).toBe(
      'image:\n  tag: v2 # pinned\n',
    );
    expect([...gh.counts.values()].reduce((a, b) => a + b, 0)).toBe(4);
  });

  it('removes the files marked delete in the same commit (a retired environment)', async () => {
    const base = gh.seed({
      'apps/cart/perf/values.yaml': 'image:\n  tag: v1\n',
      'apps/cart/prod/values.yaml': 'image:\n  tag: v1\n',
    });
    await writer.commit({
      baseSha: base,
      branch: 'main',
      expectedOld: base,
      files: [
        { path: 'apps/cart/perf/values.yaml', content: '', delete: true },
        { path: 'gitops-pipeline.yaml', content: 'kind: Pipeline\n' },
      ],
      message: 'retire perf',
      author,
    });
    expect(gh.fileAt('main', 'apps/cart/perf/values.yaml')).toBeUndefined();
    expect(gh.fileAt('main', 'apps/cart/prod/values.yaml')).toBe(
      'image:\n  tag: v1\n',
    );
    expect(gh.fileAt('main', 'gitops-pipeline.yaml')).toBe('kind: Pipeline\n');
  });

  it('reports a branch that moved since it was read as BranchMovedError and leaves it alone', async () => {
    const base = gh.seed({ 'a.yaml': 'tag: v1\n' });
    // Someone else pushes first.
    const other = await writer.commit({
      baseSha: base,
      branch: 'main',
      expectedOld: base,
      files: [{ path: 'b.yaml', content: 'x\n' }],
      message: 'other',
      author,
    });
    await expect(
      writer.commit({
        baseSha: base,
        branch: 'main',
        expectedOld: base,
        files: [{ path: 'a.yaml', content: 'tag: v2\n' }],
        message: 'late',
        author,
      }),
    ).rejects.toBeInstanceOf(BranchMovedError);
    expect(gh.refs.get('main')).toBe(other);
    expect(gh.fileAt('main', 'a.yaml')).toBe('tag: v1\n');
  });

  it('opens a real pull request from a new branch and merges it, refusing a moved head', async () => {
    const base = gh.seed({ 'a.yaml': 'tag: v1\n' });
    await writer.commit({
      baseSha: base,
      branch: 'gitops/promotion-7',
      expectedOld: null,
      files: [{ path: 'a.yaml', content: 'tag: v2\n' }],
      message: 'promote',
      author,
    });
    const url = await writer.openPullRequest({
      branch: 'gitops/promotion-7',
      base: 'main',
      title: 'promote',
      body: 'release notes',
    });
    expect(url).toBe('https://github.com/acme/gitops/pull/1');
    // Asking again (a retry, another replica) finds the open one.
    expect(
      await writer.openPullRequest({
        branch: 'gitops/promotion-7',
        base: 'main',
        title: 'promote',
        body: 'release notes',
      }),
    ).toBe(url);
    await expect(
      writer.commit({
        baseSha: base,
        branch: 'gitops/promotion-7',
        expectedOld: null,
        files: [],
        message: 'again',
        author,
      }),
    ).rejects.toBeInstanceOf(BranchMovedError);

    const reviewed = gh.refs.get('gitops/promotion-7')!;
    const merged = await writer.merge({
      branch: 'gitops/promotion-7',
      expectedHead: reviewed,
      into: 'main',
      expectedOld: base,
      message: 'Merge promotion #7\n\nGitops-Kind: promotion',
      author,
    });
    expect(gh.refs.get('main')).toBe(merged);
    expect(gh.fileAt('main', 'a.yaml')).toBe('tag: v2\n');
    await writer.deleteBranch('gitops/promotion-7');
    expect(await writer.branchHead('gitops/promotion-7')).toBeUndefined();
  });

  it('tells a symlink from a regular file, so promotions never write through one', async () => {
    const base = gh.seed(
      { 'a.yaml': 'tag: v1\n' },
      { 'link.yaml': '../../etc/passwd' },
    );
    expect(await writer.fileMode(base, 'a.yaml')).toBe('100644');
    expect(await writer.fileMode(base, 'link.yaml')).toBe('120000');
    expect(await writer.fileMode(base, 'missing.yaml')).toBeUndefined();
  });
});
