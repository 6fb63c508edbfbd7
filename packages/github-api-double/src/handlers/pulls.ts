/*
 * Pull requests over HTTP: create, list (head/base/state filters, Link
 * pagination), get (mergeability computed with a real test merge), update
 * (close / reopen), merge (409 on a moved head, 405 when not mergeable).
 */
import { ApiError, notFound, Reply } from '../http/reply';
import { Ctx, linkHeader, pageParams } from '../http/context';
import { DoubleUser, organisationId, repoApi } from '../shapes/common';
import { pullRequest, pullRequestSimple, PullState } from '../shapes/pulls';
import { repository } from '../shapes/repository';
import { MergeMethod } from '../pulls/PullRequests';
import { invalidRequest } from './gitdata';

/** The organisation that owns a served repository. */
export function ownerOf(ctx: Pick<Ctx, 'repo'>): DoubleUser {
  return {
    login: ctx.repo.owner,
    id: organisationId(ctx.repo.owner),
    name: ctx.repo.owner,
    email: '',
    type: 'Organization',
  };
}

export function repoBody(ctx: Ctx) {
  return repository(ctx.urls, ownerOf(ctx), {
    defaultBranch: ctx.repo.defaultBranch,
    createdAt: ctx.repo.createdAt,
    pushedAt: ctx.repo.createdAt,
  });
}

async function full(ctx: Ctx, pr: PullState) {
  await ctx.repo.pulls.checkMergeable(pr, ctx.user);
  return pullRequest(
    ctx.urls,
    pr,
    ownerOf(ctx),
    repoBody(ctx),
    await ctx.repo.pulls.figuresOf(pr),
  );
}

function pullNumber(ctx: Ctx): number {
  const n = Number(ctx.params.pull_number);
  if (!Number.isInteger(n) || n <= 0) throw notFound();
  return n;
}

/** `POST /repos/{owner}/{repo}/pulls` */
export async function createPull(ctx: Ctx): Promise<Reply> {
  const body = ctx.body ?? {};
  for (const f of ['head', 'base']) {
    if (typeof body[f] !== 'string')
      throw invalidRequest(`"${f}" wasn't supplied.`);
  }
  const pr = await ctx.repo.pulls.create(
    {
      head: body.head,
      base: body.base,
      title: body.title,
      body: body.body,
      draft: body.draft,
    },
    ctx.user,
  );
  const figures = await ctx.repo.pulls.figuresOf(pr);
  return {
    status: 201,
    json: pullRequest(ctx.urls, pr, ownerOf(ctx), repoBody(ctx), figures),
    headers: { location: `${repoApi(ctx.urls)}/pulls/${pr.number}` },
  };
}

/** `GET /repos/{owner}/{repo}/pulls` */
export async function listPulls(ctx: Ctx): Promise<Reply> {
  const state = ctx.query.get('state') ?? 'open';
  if (!['open', 'closed', 'all'].includes(state)) {
    throw new ApiError(422, 'Validation Failed', {
      errors: [{ resource: 'Search', field: 'state', code: 'invalid' }],
    });
  }
  const head = ctx.query.get('head');
  const base = ctx.query.get('base');
  let list = (await ctx.repo.pulls.all()).filter(
    pr => state === 'all' || pr.state === state,
  );
  if (head) {
    const colon = head.indexOf(':');
    const owner = colon >= 0 ? head.slice(0, colon) : ctx.repo.owner;
    const branch = colon >= 0 ? head.slice(colon + 1) : head;
    list = list.filter(pr => owner === ctx.repo.owner && pr.head === branch);
  }
  if (base) list = list.filter(pr => pr.base === base);
  const sort = ctx.query.get('sort') ?? 'created';
  const key = (pr: PullState) =>
    sort === 'updated' ? pr.updatedAt : pr.createdAt;
  const dflt = sort === 'created' || !ctx.query.get('sort') ? 'desc' : 'asc';
  const direction = ctx.query.get('direction') ?? dflt;
  list.sort((a, b) => {
    const c = key(a).localeCompare(key(b)) || a.number - b.number;
    return direction === 'asc' ? c : -c;
  });
  const { page, perPage } = pageParams(ctx.query, {
    perPage: 30,
    maxPerPage: 100,
  });
  const owner = ownerOf(ctx);
  const repo = repoBody(ctx);
  return {
    status: 200,
    json: list
      .slice((page - 1) * perPage, page * perPage)
      .map(pr => pullRequestSimple(ctx.urls, pr, owner, repo)),
    headers: linkHeader(ctx, page, Math.ceil(list.length / perPage)),
  };
}

/** `GET /repos/{owner}/{repo}/pulls/{pull_number}` */
export async function getPull(ctx: Ctx): Promise<Reply> {
  const pr = await ctx.repo.pulls.get(pullNumber(ctx));
  if (!pr) throw notFound();
  return { status: 200, json: await full(ctx, pr) };
}

/** `PATCH /repos/{owner}/{repo}/pulls/{pull_number}` */
export async function updatePull(ctx: Ctx): Promise<Reply> {
  const body = ctx.body ?? {};
  const pr = await ctx.repo.pulls.update(pullNumber(ctx), {
    title: body.title,
    body: body.body,
    state: body.state,
  });
  if (!pr) throw notFound();
  return { status: 200, json: await full(ctx, pr) };
}

/** `PUT /repos/{owner}/{repo}/pulls/{pull_number}/merge` */
export async function mergePull(ctx: Ctx): Promise<Reply> {
  const body = ctx.body ?? {};
  const sha = await ctx.repo.pulls.merge(
    pullNumber(ctx),
    {
      sha: typeof body.sha === 'string' ? body.sha : undefined,
      method: body.merge_method as MergeMethod | undefined,
      title:
        typeof body.commit_title === 'string' ? body.commit_title : undefined,
      message:
        typeof body.commit_message === 'string'
          ? body.commit_message
          : undefined,
    },
    ctx.user,
  );
  if (!sha) throw notFound();
  return {
    status: 200,
    json: { sha, merged: true, message: 'Pull Request successfully merged' },
  };
}

/** `GET /repos/{owner}/{repo}/pulls/{pull_number}/merge`: 204 when merged, else 404. */
export async function checkMerged(ctx: Ctx): Promise<Reply> {
  const pr = await ctx.repo.pulls.get(pullNumber(ctx));
  if (!pr || !pr.mergedAt) throw notFound();
  return { status: 204 };
}
