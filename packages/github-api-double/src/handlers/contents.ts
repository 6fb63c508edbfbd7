/*
 * `GET /repos/{owner}/{repo}/contents/{path}?ref=`: a file (base64 JSON, or
 * the bytes with `application/vnd.github.raw`), a directory (a JSON array,
 * whatever the media type), a symlink (type `symlink` with its `target`; the
 * raw media type gives the link's own text), a submodule.
 */
import { ApiError, Reply } from '../http/reply';
import { Ctx, mediaOf } from '../http/context';
import {
  contentFile,
  contentSubmodule,
  contentSymlink,
  contentType,
  dirItem,
} from '../shapes/contents';
import type { TreeEntry } from '../git/types';

const ONE_MB = 1024 * 1024;
const DOCS =
  'https://docs.github.com/rest/repos/contents#get-repository-content';

async function submoduleUrl(
  ctx: Ctx,
  commit: string,
  entry: TreeEntry,
): Promise<string> {
  const modules = await ctx.repo.git.entry(commit, '.gitmodules');
  if (!modules || modules.type !== 'blob') return '';
  const text = (await ctx.repo.git.readBlob(modules.sha)).toString('utf8');
  let section = '';
  const urls = new Map<string, { path?: string; url?: string }>();
  for (const line of text.split('\n')) {
    const header = line.match(/^\s*\[submodule\s+"(.*)"\]\s*$/);
    if (header) {
      section = header[1];
      urls.set(section, {});
      continue;
    }
    const kv = line.match(/^\s*(path|url)\s*=\s*(.*?)\s*$/);
    if (kv && urls.has(section)) urls.get(section)![kv[1] as 'path'] = kv[2];
  }
  return [...urls.values()].find(s => s.path === entry.path)?.url ?? '';
}

export async function getContent(ctx: Ctx): Promise<Reply> {
  const refParam = ctx.query.get('ref') || ctx.repo.defaultBranch;
  const commit = await ctx.repo.git.resolveCommit(refParam);
  if (!commit) {
    throw new ApiError(404, `No commit found for the ref ${refParam}`, {
      documentationUrl: DOCS,
    });
  }
  const path = (ctx.params.path ?? '').replace(/^\/+|\/+$/g, '');
  const entry = await ctx.repo.git.entry(commit, path);
  if (!entry) throw new ApiError(404, 'Not Found', { documentationUrl: DOCS });
  const { media, type } = mediaOf(ctx.headers);
  const kind = contentType(entry);

  if (kind === 'dir') {
    const entries = (await ctx.repo.git.listTree(`${entry.sha}`)).map(e => ({
      ...e,
      path: path ? `${path}/${e.path}` : e.path,
    }));
    const list = entries.map(e => dirItem(ctx.urls, e, refParam));
    if (media === 'object') {
      return {
        status: 200,
        json: { ...dirItem(ctx.urls, entry, refParam), entries: list },
      };
    }
    return { status: 200, json: list };
  }
  if (kind === 'submodule') {
    const url = await submoduleUrl(ctx, commit, entry);
    return {
      status: 200,
      json: contentSubmodule(ctx.urls, entry, refParam, url),
    };
  }
  const bytes = await ctx.repo.git.readBlob(entry.sha);
  if (media === 'raw') {
    return {
      status: 200,
      raw: {
        body: bytes,
        contentType: `${type}; charset=utf-8`,
        mediaType: 'github.v3; param=raw',
      },
    };
  }
  if (kind === 'symlink') {
    return {
      status: 200,
      json: contentSymlink(ctx.urls, entry, refParam, bytes.toString('utf8')),
    };
  }
  if (bytes.length > ONE_MB) {
    if (media === 'object') {
      return {
        status: 200,
        json: {
          ...contentFile(ctx.urls, entry, refParam, Buffer.alloc(0)),
          content: '',
          encoding: 'none',
        },
      };
    }
    throw new ApiError(
      403,
      'This API returns blobs up to 1 MB in size. The requested blob is too large to fetch via the API, but you can use the Git Data API to request blobs up to 100 MB in size.',
      {
        errors: [{ resource: 'Blob', field: 'data', code: 'too_large' }],
        documentationUrl: DOCS,
      },
    );
  }
  return { status: 200, json: contentFile(ctx.urls, entry, refParam, bytes) };
}
