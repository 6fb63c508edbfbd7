/*
 * What the double answers, validated against GitHub's official OpenAPI
 * description (@octokit/openapi): every served operation's success body,
 * and the error bodies the product reacts to.
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
import { GitHubOpenApi } from './__testUtils__/openapi';

const o = { owner: OWNER, repo: REPO };

describe("github-api-double bodies against GitHub's OpenAPI description", () => {
  let spec: GitHubOpenApi;
  let src: SourceRepo;
  let double: GitHubApiDouble;
  let gh: Octokit;

  beforeAll(async () => {
    spec = GitHubOpenApi.load();
    src = createSourceRepo(2);
    double = await start({ repos: [{ slug: SLUG, from: src.dir }] });
    gh = octokitFor(double.url);
  });
  afterAll(async () => {
    await double.close();
    src.remove();
  });

  const expectValid = (operationId: string, status: number, body: unknown) =>
    expect({
      operationId,
      status,
      errors: spec.validate(operationId, status, body),
    }).toEqual({
      operationId,
      status,
      errors: [],
    });

  it('catches what it should: a missing required field, a wrong type, an invented field', () => {
    const ref = {
      ref: 'refs/heads/main',
      node_id: 'x',
      url: 'https://api.github.com/repos/a/b/git/refs/heads/main',
      object: {
        type: 'commit',
        sha: 'a'.repeat(40),
        url: 'https://api.github.com/x',
      },
    };
    expect(spec.validate('git/get-ref', 200, ref)).toEqual([]);
    expect(
      spec.validate('git/get-ref', 200, { ...ref, node_id: undefined }).join(),
    ).toMatch(/must have required property 'node_id'/);
    expect(
      spec
        .validate('git/get-ref', 200, {
          ...ref,
          object: { ...ref.object, sha: 'abc' },
        })
        .join(),
    ).toMatch(/must NOT have fewer than 40 characters/);
    expect(spec.validate('git/get-ref', 200, { ...ref, invented: 1 })).toEqual([
      ".invented is not in GitHub's schema",
    ]);
  });

  it('commits: list, single (with files), compare', async () => {
    expectValid(
      'repos/list-commits',
      200,
      (await gh.rest.repos.listCommits(o)).data,
    );
    expectValid(
      'repos/get-commit',
      200,
      (await gh.rest.repos.getCommit({ ...o, ref: src.main[1] })).data,
    );
    const side = await double.pushCommit(SLUG, 'side', {
      parent: src.main[1],
      files: { 'a.txt': 'a\n' },
    });
    expectValid(
      'repos/compare-commits-with-basehead',
      200,
      (
        await gh.rest.repos.compareCommitsWithBasehead({
          ...o,
          basehead: `main...${side}`,
        })
      ).data,
    );
  });

  it('contents: file, directory, symlink', async () => {
    for (const path of [
      'apps/cart/values.yaml',
      'apps/cart',
      'apps/cart/current.yaml',
      '',
    ]) {
      expectValid(
        'repos/get-content',
        200,
        (await gh.rest.repos.getContent({ ...o, path })).data,
      );
    }
  });

  it('Git data: commit, tree, blob, ref (read and write)', async () => {
    const head = src.main[2];
    const commit = await gh.rest.git.getCommit({ ...o, commit_sha: head });
    expectValid('git/get-commit', 200, commit.data);
    expectValid(
      'git/get-tree',
      200,
      (
        await gh.rest.git.getTree({
          ...o,
          tree_sha: commit.data.tree.sha,
          recursive: '1',
        })
      ).data,
    );
    const blob = await gh.rest.git.createBlob({ ...o, content: 'hello\n' });
    expectValid('git/create-blob', 201, blob.data);
    expectValid(
      'git/get-blob',
      200,
      (await gh.rest.git.getBlob({ ...o, file_sha: blob.data.sha })).data,
    );
    const tree = await gh.rest.git.createTree({
      ...o,
      base_tree: commit.data.tree.sha,
      tree: [{ path: 'b/c.txt', mode: '100644', type: 'blob', content: 'c\n' }],
    });
    expectValid('git/create-tree', 201, tree.data);
    const created = await gh.rest.git.createCommit({
      ...o,
      message: 'm',
      tree: tree.data.sha,
      parents: [head],
    });
    expectValid('git/create-commit', 201, created.data);
    expectValid(
      'git/create-ref',
      201,
      (
        await gh.rest.git.createRef({
          ...o,
          ref: 'refs/heads/x',
          sha: created.data.sha,
        })
      ).data,
    );
    expectValid(
      'git/get-ref',
      200,
      (await gh.rest.git.getRef({ ...o, ref: 'heads/x' })).data,
    );
    expectValid(
      'git/update-ref',
      200,
      (
        await gh.rest.git.updateRef({
          ...o,
          ref: 'heads/x',
          sha: head,
          force: true,
        })
      ).data,
    );
    expectValid(
      'git/list-matching-refs',
      200,
      (await gh.rest.git.listMatchingRefs({ ...o, ref: 'heads' })).data,
    );
  });

  it('pull requests: create, list, get, update, merge; the repository and the rate limit', async () => {
    const b = await double.pushCommit(SLUG, 'promo', {
      parent: src.main[2],
      files: { 'apps/cart/values.yaml': 'tag: v9\n' },
    });
    const created = await gh.rest.pulls.create({
      ...o,
      head: 'promo',
      base: 'main',
      title: 'Promote',
      body: null as any,
    });
    expectValid('pulls/create', 201, created.data);
    expectValid(
      'pulls/list',
      200,
      (await gh.rest.pulls.list({ ...o, head: 'acme:promo' })).data,
    );
    expectValid(
      'pulls/get',
      200,
      (await gh.rest.pulls.get({ ...o, pull_number: created.data.number }))
        .data,
    );
    expectValid(
      'pulls/update',
      200,
      (
        await gh.rest.pulls.update({
          ...o,
          pull_number: created.data.number,
          title: 'Promote v9',
        })
      ).data,
    );
    const merged = await gh.rest.pulls.merge({
      ...o,
      pull_number: created.data.number,
      sha: b,
    });
    expectValid('pulls/merge', 200, merged.data);
    expectValid(
      'pulls/get',
      200,
      (await gh.rest.pulls.get({ ...o, pull_number: created.data.number }))
        .data,
    );
    expectValid('repos/get', 200, (await gh.rest.repos.get(o)).data);
    expectValid('rate-limit/get', 200, (await gh.rest.rateLimit.get()).data);
  });

  it('errors: 404, 422 validation failures, 409 and 405 of a merge', async () => {
    expectValid(
      'git/get-ref',
      404,
      (await failure(gh.rest.git.getRef({ ...o, ref: 'heads/none' }))).response
        .data,
    );
    expectValid(
      'git/create-ref',
      422,
      (
        await failure(
          gh.rest.git.createRef({
            ...o,
            ref: 'refs/heads/main',
            sha: src.main[0],
          }),
        )
      ).response.data,
    );
    expectValid(
      'git/update-ref',
      422,
      (
        await failure(
          gh.rest.git.updateRef({ ...o, ref: 'heads/main', sha: src.main[0] }),
        )
      ).response.data,
    );
    await double.pushCommit(SLUG, 'p2', {
      parent: src.main[2],
      files: { 'z.txt': 'z\n' },
    });
    const pr = await gh.rest.pulls.create({
      ...o,
      head: 'p2',
      base: 'main',
      title: 't',
    });
    expectValid(
      'pulls/create',
      422,
      (
        await failure(
          gh.rest.pulls.create({ ...o, head: 'p2', base: 'main', title: 't' }),
        )
      ).response.data,
    );
    expectValid(
      'pulls/merge',
      409,
      (
        await failure(
          gh.rest.pulls.merge({
            ...o,
            pull_number: pr.data.number,
            sha: src.main[0],
          }),
        )
      ).response.data,
    );
    await gh.rest.pulls.merge({ ...o, pull_number: pr.data.number });
    expectValid(
      'pulls/merge',
      405,
      (
        await failure(
          gh.rest.pulls.merge({ ...o, pull_number: pr.data.number }),
        )
      ).response.data,
    );
  });
});
