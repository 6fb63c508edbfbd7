/*
 * Reads and writes through the REST API, driven by @octokit/rest, checked
 * against what Git itself says about the bare repository.
 */
import { Octokit } from '@octokit/rest';
import { start } from './server';
import type { GitHubApiDouble } from './api';
import { createSourceRepo, SourceRepo } from './__testUtils__/sourceRepo';
import {
  failure,
  octokitFor,
  OWNER,
  REPO,
  SLUG,
} from './__testUtils__/octokit';

const o = { owner: OWNER, repo: REPO };

describe('github-api-double: commits, compare, contents, Git data', () => {
  let src: SourceRepo;
  let double: GitHubApiDouble;
  let gh: Octokit;

  beforeAll(async () => {
    src = createSourceRepo(3);
    double = await start({ repos: [{ slug: SLUG, from: src.dir }] });
    gh = octokitFor(double.url);
  });
  afterAll(async () => {
    await double.close();
    src.remove();
  });

  it('answers the head sha with application/vnd.github.sha, and 304 to its ETag without charging it', async () => {
    const head = src.main[3];
    const first = await gh.request('GET /repos/{owner}/{repo}/commits/{ref}', {
      ...o,
      ref: 'heads/main',
      headers: { accept: 'application/vnd.github.sha' },
    });
    expect(String(first.data)).toBe(head);
    expect(first.headers.etag).toBe(`"${head}"`);
    const used = double.rateLimit.state().used;
    const again = await failure(
      gh.request('GET /repos/{owner}/{repo}/commits/{ref}', {
        ...o,
        ref: 'heads/main',
        headers: {
          accept: 'application/vnd.github.sha',
          'if-none-match': first.headers.etag,
        },
      }),
    );
    expect(again.status).toBe(304);
    expect(double.rateLimit.state().used).toBe(used);
    // The documented use: the local sha as the ETag.
    const bare = await failure(
      gh.request('GET /repos/{owner}/{repo}/commits/{ref}', {
        ...o,
        ref: 'main',
        headers: {
          accept: 'application/vnd.github.sha',
          'if-none-match': head,
        },
      }),
    );
    expect(bare.status).toBe(304);
    expect(
      (await failure(gh.rest.repos.getCommit({ ...o, ref: 'heads/nope' })))
        .response.data.message,
    ).toBe('No commit found for SHA: heads/nope');
  });

  it('lists commits newest first with Link pagination addressed by repository id', async () => {
    const all = await gh.paginate(gh.rest.repos.listCommits, {
      ...o,
      sha: 'main',
      per_page: 2,
    });
    expect(all.map(c => c.sha)).toEqual([...src.main].reverse());
    expect(all[0].commit.message).toBe('cart v3');
    expect(all[3].parents).toEqual([]);
    const pages = double.requests('GET /repos/{owner}/{repo}/commits');
    expect(pages.map(r => r.path)).toEqual([
      '/repos/acme/gitops/commits',
      '/repositories/100001/commits',
    ]);
    expect(pages[1].query).toBe('?sha=main&per_page=2&page=2');
    const readme = await gh.rest.repos.listCommits({ ...o, path: 'README.md' });
    expect(readme.data.map(c => c.sha)).toEqual([src.main[0]]);
    const since = await gh.rest.repos.listCommits({
      ...o,
      since: '2024-01-01T00:02:00Z',
    });
    expect(since.data.map(c => c.sha)).toEqual([src.main[3], src.main[2]]);
  });

  it('serves a commit with its changed files against the first parent (all files for the root)', async () => {
    const { data } = await gh.rest.repos.getCommit({ ...o, ref: src.main[2] });
    expect(data.files?.map(f => [f.filename, f.status, f.additions])).toEqual([
      ['apps/cart/values.yaml', 'modified', 1],
    ]);
    expect(data.stats).toEqual({ total: 2, additions: 1, deletions: 1 });
    const root = await gh.rest.repos.getCommit({ ...o, ref: src.main[0] });
    expect(root.data.files?.map(f => [f.filename, f.status])).toEqual([
      ['README.md', 'added'],
      ['apps/cart/current.yaml', 'added'],
      ['apps/cart/values.yaml', 'added'],
    ]);
    // A short sha works too.
    const short = await gh.rest.repos.getCommit({
      ...o,
      ref: src.main[1].slice(0, 7),
    });
    expect(short.data.sha).toBe(src.main[1]);
  });

  it('compares: ahead, behind, identical, diverged, with the merge base and the files', async () => {
    const cmp = (basehead: string) =>
      gh.rest.repos.compareCommitsWithBasehead({ ...o, basehead });
    const ahead = (await cmp(`${src.main[1]}...main`)).data;
    expect([ahead.status, ahead.ahead_by, ahead.behind_by]).toEqual([
      'ahead',
      2,
      0,
    ]);
    expect(ahead.commits.map(c => c.sha)).toEqual(src.main.slice(2)); // oldest first
    expect(ahead.merge_base_commit.sha).toBe(src.main[1]);
    expect(ahead.files?.map(f => f.filename)).toEqual([
      'apps/cart/values.yaml',
    ]);
    const behind = (await cmp(`main...${src.main[1]}`)).data;
    expect([behind.status, behind.ahead_by, behind.behind_by]).toEqual([
      'behind',
      0,
      2,
    ]);
    expect((await cmp('main...main')).data.status).toBe('identical');

    const side = await double.pushCommit(SLUG, 'side', {
      parent: src.main[1],
      files: { 'apps/cart/other.yaml': 'x: 1\n' },
      message: 'side work',
    });
    const diverged = (await cmp(`main...${side}`)).data;
    expect([diverged.status, diverged.ahead_by, diverged.behind_by]).toEqual([
      'diverged',
      1,
      2,
    ]);
    expect(diverged.files?.map(f => f.filename)).toEqual([
      'apps/cart/other.yaml',
    ]); // three-dot: from the merge base
    expect((await failure(cmp(`${'0'.repeat(40)}...main`))).status).toBe(404);
    await double.setBranch(SLUG, 'side', null);
  });

  it('serves contents: base64 JSON, raw bytes, symlinks as type symlink, directories as arrays, 404s', async () => {
    const file = await gh.rest.repos.getContent({
      ...o,
      path: 'apps/cart/values.yaml',
      ref: src.main[2],
    });
    const f = file.data as any;
    expect([f.type, f.size, f.encoding]).toEqual(['file', 8, 'base64']);
    expect(Buffer.from(f.content, 'base64').toString()).toBe('tag: v2\n');

    const raw = await gh.request('GET /repos/{owner}/{repo}/contents/{path}', {
      ...o,
      path: 'apps/cart/values.yaml',
      headers: { accept: 'application/vnd.github.raw' },
    });
    expect(String(raw.data)).toBe('tag: v3\n');
    expect(raw.headers['content-type']).toBe(
      'application/vnd.github.raw; charset=utf-8',
    );

    const link = (
      await gh.rest.repos.getContent({ ...o, path: 'apps/cart/current.yaml' })
    ).data as any;
    expect([link.type, link.target]).toEqual(['symlink', 'values.yaml']);

    const dir = (await gh.rest.repos.getContent({ ...o, path: 'apps/cart' }))
      .data as any[];
    expect(dir.map(e => [e.name, e.type])).toEqual([
      ['current.yaml', 'symlink'],
      ['values.yaml', 'file'],
    ]);
    const root = (await gh.rest.repos.getContent({ ...o, path: '' }))
      .data as any[];
    expect(root.map(e => [e.path, e.type])).toEqual([
      ['README.md', 'file'],
      ['apps', 'dir'],
    ]);

    const missing = await failure(
      gh.rest.repos.getContent({ ...o, path: 'apps/nope.yaml' }),
    );
    expect([missing.status, missing.response.data.message]).toEqual([
      404,
      'Not Found',
    ]);
    const badRef = await failure(
      gh.rest.repos.getContent({ ...o, path: 'README.md', ref: 'nope' }),
    );
    expect(badRef.response.data.message).toBe(
      'No commit found for the ref nope',
    );
  });

  it('writes through the Git data API: tree with inline content, commit, ref create / fast-forward / force / delete', async () => {
    const head = src.main[3];
    const base = await gh.rest.git.getCommit({ ...o, commit_sha: head });
    const tree = await gh.rest.git.createTree({
      ...o,
      base_tree: base.data.tree.sha,
      tree: [
        {
          path: 'apps/shop/prod/values.yaml',
          mode: '100644',
          type: 'blob',
          content: 'tag: v9\n',
        },
        { path: 'README.md', mode: '100644', type: 'blob', sha: null },
      ],
    });
    expect(tree.status).toBe(201);
    expect(tree.data.tree.map(e => [e.path, e.type])).toEqual([
      ['apps', 'tree'],
    ]);
    const commit = await gh.rest.git.createCommit({
      ...o,
      message: 'promote shop v9',
      tree: tree.data.sha,
      parents: [head],
      author: {
        name: 'Bob',
        email: 'bob@example.com',
        date: '2024-02-01T10:00:00+01:00',
      },
    });
    expect(commit.data.author).toEqual({
      name: 'Bob',
      email: 'bob@example.com',
      date: '2024-02-01T09:00:00Z',
    });
    expect(commit.data.committer.name).toBe('Bob'); // defaults to the author
    const sha = commit.data.sha;

    const created = await gh.rest.git.createRef({
      ...o,
      ref: 'refs/heads/promo',
      sha,
    });
    expect([created.status, created.data.object.sha]).toEqual([201, sha]);
    expect(
      await double.readFile(SLUG, 'promo', 'apps/shop/prod/values.yaml'),
    ).toBe('tag: v9\n');
    expect(await double.readFile(SLUG, 'promo', 'README.md')).toBeUndefined();

    const exists = await failure(
      gh.rest.git.createRef({ ...o, ref: 'refs/heads/promo', sha }),
    );
    expect([exists.status, exists.response.data.message]).toEqual([
      422,
      'Reference already exists',
    ]);

    const notFf = await failure(
      gh.rest.git.updateRef({
        ...o,
        ref: 'heads/promo',
        sha: head,
        force: false,
      }),
    );
    expect([notFf.status, notFf.response.data.message]).toEqual([
      422,
      'Update is not a fast forward',
    ]);
    expect(await double.branchHead(SLUG, 'promo')).toBe(sha);
    const forced = await gh.rest.git.updateRef({
      ...o,
      ref: 'heads/promo',
      sha: head,
      force: true,
    });
    expect(forced.data.object.sha).toBe(head);
    const ff = await gh.rest.git.updateRef({ ...o, ref: 'heads/promo', sha });
    expect(ff.data.object.sha).toBe(sha);

    expect(
      (await gh.rest.git.getRef({ ...o, ref: 'heads/promo' })).data.ref,
    ).toBe('refs/heads/promo');
    expect(
      (await gh.rest.git.deleteRef({ ...o, ref: 'heads/promo' })).status,
    ).toBe(204);
    const gone = await failure(
      gh.rest.git.getRef({ ...o, ref: 'heads/promo' }),
    );
    expect(gone.status).toBe(404);
    const deleteAgain = await failure(
      gh.rest.git.deleteRef({ ...o, ref: 'heads/promo' }),
    );
    expect([deleteAgain.status, deleteAgain.response.data.message]).toEqual([
      422,
      'Reference does not exist',
    ]);
    const updateMissing = await failure(
      gh.rest.git.updateRef({ ...o, ref: 'heads/promo', sha }),
    );
    expect(updateMissing.response.data.message).toBe(
      'Reference does not exist',
    );
  });

  it('refuses commits on unknown trees or parents, and refs to unknown objects', async () => {
    const noTree = await failure(
      gh.rest.git.createCommit({ ...o, message: 'x', tree: 'f'.repeat(40) }),
    );
    expect([noTree.status, noTree.response.data.message]).toEqual([
      422,
      'Tree SHA does not exist',
    ]);
    const tree = (
      await gh.rest.git.getCommit({ ...o, commit_sha: src.main[0] })
    ).data.tree.sha;
    const noParent = await failure(
      gh.rest.git.createCommit({
        ...o,
        message: 'x',
        tree,
        parents: ['e'.repeat(40)],
      }),
    );
    expect(noParent.response.data.message).toBe(
      'Parent SHA does not exist or is not a commit object',
    );
    const noObject = await failure(
      gh.rest.git.createRef({ ...o, ref: 'refs/heads/x', sha: 'e'.repeat(40) }),
    );
    expect(noObject.response.data.message).toBe('Object does not exist');
  });
});

describe('github-api-double: a comparison longer than 250 commits', () => {
  let src: SourceRepo;
  let double: GitHubApiDouble;
  let gh: Octokit;

  beforeAll(async () => {
    src = createSourceRepo(300);
    double = await start({ repos: [{ slug: SLUG, from: src.dir }] });
    gh = octokitFor(double.url);
  });
  afterAll(async () => {
    await double.close();
    src.remove();
  });

  it('lists at most 250 commits without paging (the most recent last), all of them with per_page/page', async () => {
    const basehead = `${src.main[0]}...main`;
    const unpaged = (
      await gh.request('GET /repos/{owner}/{repo}/compare/{basehead}', {
        ...o,
        basehead,
      })
    ).data;
    expect([
      unpaged.total_commits,
      unpaged.ahead_by,
      unpaged.commits.length,
    ]).toEqual([300, 300, 250]);
    expect(unpaged.commits[249].sha).toBe(src.main[300]);
    expect(unpaged.commits[0].sha).toBe(src.main[51]);

    const page = (n: number) =>
      gh.rest.repos.compareCommitsWithBasehead({
        ...o,
        basehead,
        per_page: 100,
        page: n,
      });
    const p1 = await page(1);
    expect(p1.data.commits[0].sha).toBe(src.main[1]); // the earliest first
    expect(p1.data.files?.length).toBe(1);
    expect(p1.headers.link).toContain('rel="next"');
    const p3 = await page(3);
    expect(p3.data.commits.map(c => c.sha)).toEqual(src.main.slice(201));
    expect(p3.data.files).toBeUndefined(); // files come with page 1 only
  });
});
