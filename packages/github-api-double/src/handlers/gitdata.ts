/*
 * The Git data API: commits, trees and blobs (read and create) with
 * GitHub's validation messages. Refs are in refs.ts.
 */
import { TreeEditError } from '../git/GitRepo';
import type { GitIdentity, TreeEdit } from '../git/types';
import { ApiError, notFound, Reply } from '../http/reply';
import { Ctx } from '../http/context';
import { gitCommit } from '../shapes/commits';
import { blob, gitTree } from '../shapes/gitdata';
import { noreplyEmail, repoApi } from '../shapes/common';
import { SHA_RE } from '../util';

const MODES = ['100644', '100755', '040000', '160000', '120000'];
const TYPES = ['blob', 'tree', 'commit'];

/** GitHub's wording when a body field is missing or of the wrong type. */
export const invalidRequest = (detail: string) =>
  new ApiError(422, `Invalid request.\n\n${detail}`);

export function requireString(body: any, field: string): string {
  const v = body?.[field];
  if (v === undefined || v === null)
    throw invalidRequest(`"${field}" wasn't supplied.`);
  if (typeof v !== 'string')
    throw invalidRequest(
      `For 'properties/${field}', ${JSON.stringify(v)} is not a string.`,
    );
  return v;
}

/** `GET /repos/{owner}/{repo}/git/commits/{commit_sha}` */
export async function getGitCommit(ctx: Ctx): Promise<Reply> {
  const sha = ctx.params.commit_sha;
  const c = SHA_RE.test(sha) ? await ctx.repo.git.readCommit(sha) : undefined;
  if (!c) throw notFound();
  return { status: 200, json: gitCommit(ctx.urls, c) };
}

function identity(ctx: Ctx, given: any, fallback?: GitIdentity): GitIdentity {
  if (given && typeof given === 'object') {
    const name = requireString(given, 'name');
    const email = requireString(given, 'email');
    const date =
      typeof given.date === 'string'
        ? new Date(given.date).toISOString().replace(/\.\d{3}Z$/, 'Z')
        : fallback?.date ?? ctx.now();
    return { name, email, date };
  }
  return (
    fallback ?? {
      name: ctx.user.name,
      email: ctx.user.email || noreplyEmail(ctx.user),
      date: ctx.now(),
    }
  );
}

/** `POST /repos/{owner}/{repo}/git/commits` */
export async function createGitCommit(ctx: Ctx): Promise<Reply> {
  const message = requireString(ctx.body, 'message');
  const tree = requireString(ctx.body, 'tree');
  const parents: unknown = ctx.body.parents ?? [];
  if (!Array.isArray(parents) || parents.some(p => typeof p !== 'string')) {
    throw invalidRequest(
      `For 'properties/parents', ${JSON.stringify(
        parents,
      )} is not an array of strings.`,
    );
  }
  const git = ctx.repo.git;
  if (!SHA_RE.test(tree) || (await git.objectType(tree)) !== 'tree') {
    throw new ApiError(422, 'Tree SHA does not exist');
  }
  for (const p of parents as string[]) {
    if (!SHA_RE.test(p) || (await git.objectType(p)) !== 'commit') {
      throw new ApiError(
        422,
        'Parent SHA does not exist or is not a commit object',
      );
    }
  }
  const author = identity(ctx, ctx.body.author);
  const committer = identity(ctx, ctx.body.committer, author);
  const sha = await git.writeCommit({
    tree,
    parents: parents as string[],
    message,
    author,
    committer,
  });
  const commit = (await git.readCommit(sha))!;
  return {
    status: 201,
    json: gitCommit(ctx.urls, commit),
    headers: { location: `${repoApi(ctx.urls)}/git/commits/${sha}` },
  };
}

/** `GET /repos/{owner}/{repo}/git/trees/{tree_sha}[?recursive=1]` */
export async function getTree(ctx: Ctx): Promise<Reply> {
  const git = ctx.repo.git;
  const name = ctx.params.tree_sha;
  const commit = SHA_RE.test(name) ? undefined : await git.resolveCommit(name);
  const sha = await git.treeOf(commit ?? name);
  if (!sha) throw notFound();
  const recursive = !!ctx.query.get('recursive');
  const entries = await git.listTree(sha, recursive);
  return { status: 200, json: gitTree(ctx.urls, sha, entries) };
}

function treeEdit(e: any, i: number): TreeEdit {
  const where = `tree.${i}`;
  if (!e || typeof e !== 'object')
    throw invalidRequest(`"${where}" is not an object.`);
  const path = requireString(e, 'path');
  if (!MODES.includes(e.mode))
    throw invalidRequest(`For 'items', "${e.mode}" is not a valid mode.`);
  if (!TYPES.includes(e.type))
    throw invalidRequest(`For 'items', "${e.type}" is not a valid type.`);
  const hasSha = 'sha' in e;
  const hasContent = typeof e.content === 'string';
  if (hasSha && hasContent) {
    throw new ApiError(
      422,
      'Must supply either tree.sha or tree.content. Request will be rejected if both are present.',
    );
  }
  if (!hasSha && !hasContent) {
    throw new ApiError(422, 'Must supply either tree.sha or tree.content.');
  }
  return {
    path,
    mode: e.mode,
    type: e.type,
    ...(hasContent ? { content: e.content } : { sha: e.sha }),
  };
}

/** `POST /repos/{owner}/{repo}/git/trees` (entries by sha or inline `content`; `sha: null` deletes). */
export async function createTree(ctx: Ctx): Promise<Reply> {
  const entries = ctx.body?.tree;
  if (!Array.isArray(entries)) throw invalidRequest(`"tree" wasn't supplied.`);
  const edits = entries.map(treeEdit);
  const git = ctx.repo.git;
  let base: string | undefined;
  if (ctx.body.base_tree !== undefined && ctx.body.base_tree !== null) {
    const b = String(ctx.body.base_tree);
    base = SHA_RE.test(b) ? await git.treeOf(b) : undefined;
    if (!base) throw new ApiError(422, 'base_tree is not a valid tree oid');
  }
  let sha: string;
  try {
    sha = await git.writeTree(base, edits);
  } catch (e) {
    if (e instanceof TreeEditError) {
      throw new ApiError(422, e.message);
    }
    throw e;
  }
  const listing = await git.listTree(sha);
  return {
    status: 201,
    json: gitTree(ctx.urls, sha, listing),
    headers: { location: `${repoApi(ctx.urls)}/git/trees/${sha}` },
  };
}

/** `POST /repos/{owner}/{repo}/git/blobs` */
export async function createBlob(ctx: Ctx): Promise<Reply> {
  const content = requireString(ctx.body, 'content');
  const encoding = ctx.body.encoding ?? 'utf-8';
  if (encoding !== 'utf-8' && encoding !== 'base64') {
    throw invalidRequest(
      `For 'properties/encoding', "${encoding}" is not a valid encoding.`,
    );
  }
  const bytes = Buffer.from(content, encoding === 'base64' ? 'base64' : 'utf8');
  const sha = await ctx.repo.git.writeBlob(bytes);
  const url = `${repoApi(ctx.urls)}/git/blobs/${sha}`;
  return { status: 201, json: { url, sha }, headers: { location: url } };
}

/** `GET /repos/{owner}/{repo}/git/blobs/{file_sha}` */
export async function getBlob(ctx: Ctx): Promise<Reply> {
  const sha = ctx.params.file_sha;
  if (!SHA_RE.test(sha) || (await ctx.repo.git.objectType(sha)) !== 'blob') {
    throw notFound();
  }
  return {
    status: 200,
    json: blob(ctx.urls, sha, await ctx.repo.git.readBlob(sha)),
  };
}
