/*
 * Pull requests through the REST API and by hand, checked against the Git
 * history they leave in the bare repository.
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

describe('github-api-double: pull requests', () => {
  let src: SourceRepo;
  let double: GitHubApiDouble;
  let gh: Octokit;
  let branchN = 0;

  /** A branch off main with one commit writing `file`. */
  async function branch(file = 'apps/cart/values.yaml', content?: string) {
    const name = `gitops/promotion-${++branchN}`;
    const main = (await double.branchHead(SLUG, 'main'))!;
    const sha = await double.pushCommit(SLUG, name, {
      parent: main,
      files: { [file]: content ?? `tag: promo-${branchN}\n` },
      message: `promote ${branchN}`,
    });
    return { name, sha, main };
  }

  beforeEach(async () => {
    src = createSourceRepo(1);
    double = await start({ repos: [{ slug: SLUG, from: src.dir }] });
    gh = octokitFor(double.url);
  });
  afterEach(async () => {
    await double.close();
    src.remove();
  });

  it('opens a pull request, refuses a second one for the same head, finds it by head', async () => {
    const b = await branch();
    const pr = await gh.rest.pulls.create({
      ...o,
      head: b.name,
      base: 'main',
      title: 'Promote cart',
      body: 'notes',
    });
    expect(pr.status).toBe(201);
    expect(pr.data).toMatchObject({
      number: 1,
      state: 'open',
      merged: false,
      html_url: 'https://github.com/acme/gitops/pull/1',
      head: { ref: b.name, sha: b.sha, label: `acme:${b.name}` },
      base: { ref: 'main', sha: b.main },
      user: { login: 'gitops-bot' },
    });
    const again = await failure(
      gh.rest.pulls.create({ ...o, head: b.name, base: 'main', title: 'x' }),
    );
    expect(again.status).toBe(422);
    expect(again.response.data.message).toBe('Validation Failed');
    expect(again.response.data.errors).toEqual([
      {
        resource: 'PullRequest',
        code: 'custom',
        message: `A pull request already exists for acme:${b.name}.`,
      },
    ]);
    const found = await gh.rest.pulls.list({
      ...o,
      head: `acme:${b.name}`,
      base: 'main',
      state: 'open',
    });
    expect(found.data.map(p => p.number)).toEqual([1]);
    expect(
      (await gh.rest.pulls.list({ ...o, head: 'acme:other', state: 'all' }))
        .data,
    ).toEqual([]);
    const missing = await failure(
      gh.rest.pulls.create({ ...o, head: 'nope', base: 'main', title: 'x' }),
    );
    expect(missing.response.data.errors[0]).toMatchObject({
      field: 'head',
      code: 'invalid',
    });
    const nothing = await failure(
      gh.rest.pulls.create({ ...o, head: 'main', base: b.name, title: 'x' }),
    );
    expect(nothing.response.data.errors[0].message).toBe(
      `No commits between ${b.name} and main`,
    );
  });

  it('merges with a real merge commit on the base when the head sha matches; 409 when the head moved; 405 once merged', async () => {
    const b = await branch();
    const { data: pr } = await gh.rest.pulls.create({
      ...o,
      head: b.name,
      base: 'main',
      title: 'Promote cart',
    });
    const open = await gh.rest.pulls.get({ ...o, pull_number: pr.number });
    expect([open.data.mergeable, open.data.mergeable_state]).toEqual([
      true,
      'clean',
    ]);
    expect(open.data.merge_commit_sha).toMatch(/^[0-9a-f]{40}$/); // the test merge
    expect([open.data.commits, open.data.changed_files]).toEqual([1, 1]);

    // Someone pushes to the promotion branch after it was read.
    const moved = await double.pushCommit(SLUG, b.name, {
      files: { 'apps/cart/values.yaml': 'tag: hotfix\n' },
      message: 'hotfix',
    });
    const stale = await failure(
      gh.rest.pulls.merge({ ...o, pull_number: pr.number, sha: b.sha }),
    );
    expect([stale.status, stale.response.data.message]).toEqual([
      409,
      'Head branch was modified. Review and try the merge again.',
    ]);
    expect(await double.branchHead(SLUG, 'main')).toBe(b.main);

    const merged = await gh.rest.pulls.merge({
      ...o,
      pull_number: pr.number,
      sha: moved,
      merge_method: 'merge',
      commit_title: 'Merge promotion',
      commit_message: 'Gitops-Kind: promotion',
    });
    expect(merged.data).toEqual({
      sha: expect.stringMatching(/^[0-9a-f]{40}$/),
      merged: true,
      message: 'Pull Request successfully merged',
    });
    const main = await double.branchHead(SLUG, 'main');
    expect(main).toBe(merged.data.sha);
    const commit = (await gh.rest.git.getCommit({ ...o, commit_sha: main! }))
      .data;
    expect(commit.parents.map(p => p.sha)).toEqual([b.main, moved]);
    expect(commit.message).toBe('Merge promotion\n\nGitops-Kind: promotion');
    expect(commit.committer.name).toBe('GitHub');
    expect(await double.readFile(SLUG, 'main', 'apps/cart/values.yaml')).toBe(
      'tag: hotfix\n',
    );

    const after = (await gh.rest.pulls.get({ ...o, pull_number: pr.number }))
      .data;
    expect(after).toMatchObject({
      state: 'closed',
      merged: true,
      merge_commit_sha: main,
      merged_by: { login: 'gitops-bot' },
      head: { sha: moved },
    });
    expect(after.merged_at).toBeTruthy();
    const twice = await failure(
      gh.rest.pulls.merge({ ...o, pull_number: pr.number }),
    );
    expect([twice.status, twice.response.data.message]).toEqual([
      405,
      'Pull Request is not mergeable',
    ]);
    expect(
      (await gh.rest.pulls.checkIfMerged({ ...o, pull_number: pr.number }))
        .status,
    ).toBe(204);
    expect(
      (await gh.rest.pulls.list({ ...o, state: 'closed' })).data.map(
        p => p.number,
      ),
    ).toEqual([1]);
  });

  it('squash-merges into one commit with the pull request tree', async () => {
    const b = await branch('apps/cart/new.yaml', 'x: 1\n');
    const { data: pr } = await gh.rest.pulls.create({
      ...o,
      head: b.name,
      base: 'main',
      title: 'Add new',
    });
    const { data } = await gh.rest.pulls.merge({
      ...o,
      pull_number: pr.number,
      merge_method: 'squash',
    });
    const commit = (await gh.rest.git.getCommit({ ...o, commit_sha: data.sha }))
      .data;
    expect(commit.parents.map(p => p.sha)).toEqual([b.main]);
    expect(commit.message).toBe(
      `Add new (#${pr.number})\n\n* promote ${branchN}`,
    );
    expect(await double.readFile(SLUG, 'main', 'apps/cart/new.yaml')).toBe(
      'x: 1\n',
    );
  });

  it('reports a conflicting pull request as not mergeable (405) and leaves the base alone', async () => {
    const b = await branch('apps/cart/values.yaml', 'tag: mine\n');
    await double.pushCommit(SLUG, 'main', {
      files: { 'apps/cart/values.yaml': 'tag: theirs\n' },
    });
    const { data: pr } = await gh.rest.pulls.create({
      ...o,
      head: b.name,
      base: 'main',
      title: 'conflicting',
    });
    const got = (await gh.rest.pulls.get({ ...o, pull_number: pr.number }))
      .data;
    expect([got.mergeable, got.mergeable_state]).toEqual([false, 'dirty']);
    const main = await double.branchHead(SLUG, 'main');
    const refused = await failure(
      gh.rest.pulls.merge({ ...o, pull_number: pr.number }),
    );
    expect(refused.status).toBe(405);
    expect(await double.branchHead(SLUG, 'main')).toBe(main);
  });

  it('closes and reopens with PATCH; closes by itself when its head branch is deleted', async () => {
    const b = await branch();
    const { data: pr } = await gh.rest.pulls.create({
      ...o,
      head: b.name,
      base: 'main',
      title: 'x',
    });
    const closed = await gh.rest.pulls.update({
      ...o,
      pull_number: pr.number,
      state: 'closed',
    });
    expect([closed.data.state, closed.data.merged]).toEqual(['closed', false]);
    const reopened = await gh.rest.pulls.update({
      ...o,
      pull_number: pr.number,
      state: 'open',
    });
    expect(reopened.data.state).toBe('open');
    await gh.rest.git.deleteRef({ ...o, ref: `heads/${b.name}` });
    const after = (await gh.rest.pulls.get({ ...o, pull_number: pr.number }))
      .data;
    expect([after.state, after.merged, after.head.sha]).toEqual([
      'closed',
      false,
      b.sha,
    ]);
  });

  it('merges and closes by hand, as a person on github.com; a head pushed into the base marks the pull request merged', async () => {
    const b1 = await branch();
    const { data: pr1 } = await gh.rest.pulls.create({
      ...o,
      head: b1.name,
      base: 'main',
      title: 'one',
    });
    const sha = await double.mergePullRequest(SLUG, pr1.number);
    const got = (await gh.rest.pulls.get({ ...o, pull_number: pr1.number }))
      .data;
    expect([got.merged, got.merge_commit_sha, got.merged_by?.login]).toEqual([
      true,
      sha,
      'octocat',
    ]);
    expect(double.count('GET /repos/{owner}/{repo}/pulls/{pull_number}')).toBe(
      1,
    ); // by-hand actions are not requests

    const b2 = await branch('apps/cart/two.yaml');
    const { data: pr2 } = await gh.rest.pulls.create({
      ...o,
      head: b2.name,
      base: 'main',
      title: 'two',
    });
    await double.closePullRequest(SLUG, pr2.number);
    expect(await double.pullRequest(SLUG, pr2.number)).toMatchObject({
      state: 'closed',
      merged: false,
    });

    const b3 = await branch('apps/cart/three.yaml');
    const { data: pr3 } = await gh.rest.pulls.create({
      ...o,
      head: b3.name,
      base: 'main',
      title: 'three',
    });
    await double.setBranch(SLUG, 'main', b3.sha); // fast-forward push
    expect(await double.pullRequest(SLUG, pr3.number)).toMatchObject({
      state: 'closed',
      merged: true,
      mergeCommitSha: b3.sha,
    });
  });
});
