/*
 * Contents API bodies: `content-file`, `content-symlink`,
 * `content-submodule` and the directory listing.
 */
import type { TreeEntry } from '../git/types';
import { encodePath, repoApi, repoHtml, RepoUrls } from './common';
import { base64Lines } from './gitdata';

export type ContentType = 'file' | 'dir' | 'symlink' | 'submodule';

export function contentType(e: TreeEntry): ContentType {
  if (e.type === 'tree') return 'dir';
  if (e.type === 'commit') return 'submodule';
  return e.mode === '120000' ? 'symlink' : 'file';
}

/** The fields every contents item has (`ref` is what the request named). */
function item(u: RepoUrls, e: TreeEntry, ref: string, type: ContentType) {
  const p = encodePath(e.path);
  const self = `${repoApi(u)}/contents/${p}?ref=${encodeURIComponent(ref)}`;
  const gitKind = type === 'dir' ? 'trees' : 'blobs';
  const git =
    type === 'submodule' ? null : `${repoApi(u)}/git/${gitKind}/${e.sha}`;
  const html =
    type === 'submodule'
      ? null
      : `${repoHtml(u)}/${type === 'dir' ? 'tree' : 'blob'}/${ref}/${p}`;
  return {
    name: e.path.split('/').pop() ?? e.path,
    path: e.path,
    sha: e.sha,
    size: e.size ?? 0,
    url: self,
    html_url: html,
    git_url: git,
    download_url:
      type === 'file' || type === 'symlink'
        ? `https://raw.githubusercontent.com/${u.owner}/${u.name}/${ref}/${p}`
        : null,
    type,
    _links: { self, git, html },
  };
}

/**
 * One entry of a directory listing. Submodules are listed as `file`, for
 * backwards compatibility, as GitHub documents.
 */
export function dirItem(u: RepoUrls, e: TreeEntry, ref: string) {
  const t = contentType(e);
  return item(u, e, ref, t === 'submodule' ? 'file' : t);
}

export function contentFile(
  u: RepoUrls,
  e: TreeEntry,
  ref: string,
  content: Buffer,
) {
  return {
    ...item(u, e, ref, 'file'),
    content: base64Lines(content),
    encoding: 'base64',
  };
}

export function contentSymlink(
  u: RepoUrls,
  e: TreeEntry,
  ref: string,
  target: string,
) {
  return { ...item(u, e, ref, 'symlink'), target };
}

export function contentSubmodule(
  u: RepoUrls,
  e: TreeEntry,
  ref: string,
  url: string,
) {
  return { ...item(u, e, ref, 'submodule'), submodule_git_url: url };
}
