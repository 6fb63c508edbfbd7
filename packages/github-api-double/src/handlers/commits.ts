/*
 * Commits: the list (`git log`, Link pagination), the single commit (JSON
 * with its changed files, 300 a page up to 3000, or the bare sha with
 * `application/vnd.github.sha`) and the comparison `base...head` (250
 * commits without paging, like GitHub).
 */
import { ApiError, notFound, Reply } from '../http/reply';
import {
  commitOr422,
  Ctx,
  linkHeader,
  mediaOf,
  pageParams,
} from '../http/context';
import { comparison, restCommit } from '../shapes/commits';

const COMMIT_FILES_PAGE = 300;
const COMMIT_FILES_MAX = 3000;
const COMPARE_UNPAGED_COMMITS = 250;
const COMPARE_FILES_MAX = 300;

async function ensureNotEmpty(ctx: Ctx) {
  if ((await ctx.repo.git.listRefs('refs/heads')).length === 0) {
    throw new ApiError(409, 'Git Repository is empty.');
  }
}

/** `GET /repos/{owner}/{repo}/commits` */
export async function listCommits(ctx: Ctx): Promise<Reply> {
  await ensureNotEmpty(ctx);
  const start = await commitOr422(
    ctx,
    ctx.query.get('sha') || ctx.repo.defaultBranch,
  );
  const { page, perPage } = pageParams(ctx.query, {
    perPage: 30,
    maxPerPage: 100,
  });
  const q = (name: string) => ctx.query.get(name) || undefined;
  const { commits, total } = await ctx.repo.git.log(
    start,
    (page - 1) * perPage,
    perPage,
    {
      path: q('path'),
      author: q('author'),
      since: q('since'),
      until: q('until'),
    },
  );
  return {
    status: 200,
    json: commits.map(c => restCommit(ctx.urls, c)),
    headers: linkHeader(ctx, page, Math.ceil(total / perPage)),
  };
}

/** `GET /repos/{owner}/{repo}/commits/{ref}` */
export async function getCommit(ctx: Ctx): Promise<Reply> {
  await ensureNotEmpty(ctx);
  const sha = await commitOr422(ctx, ctx.params.ref);
  const { media, type } = mediaOf(ctx.headers);
  if (media === 'sha') {
    return {
      status: 200,
      raw: {
        body: sha,
        contentType: `${type}; charset=utf-8`,
        mediaType: 'github.v3; param=sha',
        etag: `"${sha}"`,
      },
    };
  }
  if (media !== 'json') {
    throw new ApiError(415, `Unsupported 'Accept' header: ${type}`);
  }
  const git = ctx.repo.git;
  const commit = (await git.readCommit(sha))!;
  const all = (await git.diff(commit.parents[0], sha)).slice(
    0,
    COMMIT_FILES_MAX,
  );
  const { page, perPage } = pageParams(ctx.query, {
    perPage: COMMIT_FILES_PAGE,
    maxPerPage: COMMIT_FILES_PAGE,
  });
  const files = all.slice((page - 1) * perPage, page * perPage);
  return {
    status: 200,
    json: restCommit(ctx.urls, commit, { page: files, all }),
    headers: linkHeader(
      { ...ctx, subPath: `/commits/${sha}` },
      page,
      Math.ceil(all.length / perPage),
    ),
  };
}

/** `GET /repos/{owner}/{repo}/compare/{basehead}` */
export async function compareCommits(ctx: Ctx): Promise<Reply> {
  const spec = ctx.params.basehead;
  const dots = spec.indexOf('...');
  if (dots <= 0) throw notFound();
  const stripOwner = (r: string) =>
    r.startsWith(`${ctx.repo.owner}:`) ? r.slice(ctx.repo.owner.length + 1) : r;
  const git = ctx.repo.git;
  const base = await git.resolveCommit(stripOwner(spec.slice(0, dots)));
  const head = await git.resolveCommit(stripOwner(spec.slice(dots + 3)));
  if (!base || !head) throw notFound();
  const mergeBase = await git.mergeBase(base, head);
  if (!mergeBase) {
    throw new ApiError(
      404,
      `No common ancestor between ${spec.slice(0, dots)} and ${spec.slice(
        dots + 3,
      )}.`,
    );
  }
  const ahead = await git.commitsBetween(base, head);
  const behindBy = await git.countBetween(head, base);
  let status: 'diverged' | 'ahead' | 'behind' | 'identical' = 'identical';
  if (ahead.length && behindBy) status = 'diverged';
  else if (ahead.length) status = 'ahead';
  else if (behindBy) status = 'behind';

  const paged = ctx.query.has('page') || ctx.query.has('per_page');
  let shas: string[];
  let headers: Record<string, string> = {};
  let withFiles = true;
  if (paged) {
    const { page, perPage } = pageParams(ctx.query, {
      perPage: 30,
      maxPerPage: 100,
    });
    shas = ahead.slice((page - 1) * perPage, page * perPage);
    headers = linkHeader(ctx, page, Math.ceil(ahead.length / perPage));
    withFiles = page === 1;
  } else {
    shas = ahead.slice(-COMPARE_UNPAGED_COMMITS);
  }
  const [commits, [baseCommit, mergeBaseCommit], files] = await Promise.all([
    git.readCommits(shas),
    git.readCommits([base, mergeBase]),
    withFiles ? git.diff(mergeBase, head) : Promise.resolve(undefined),
  ]);
  return {
    status: 200,
    json: comparison(ctx.urls, spec, {
      base: baseCommit,
      mergeBase: mergeBaseCommit,
      status,
      aheadBy: ahead.length,
      behindBy,
      commits,
      files: files?.slice(0, COMPARE_FILES_MAX),
      head,
    }),
    headers,
  };
}
