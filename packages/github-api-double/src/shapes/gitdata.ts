/* Git data API bodies: `git-ref`, `git-tree`, `blob`, `short-blob`. */
import type { RefData, TreeEntry } from '../git/types';
import { encodePath, nodeId, repoApi, RepoUrls } from './common';

/** `git-ref`. */
export function gitRef(u: RepoUrls, r: RefData) {
  const api = repoApi(u);
  const kind = r.type === 'tag' ? 'tags' : `${r.type}s`;
  return {
    ref: r.ref,
    node_id: nodeId('Ref', `${u.id}:${r.ref}`),
    url: `${api}/git/${encodePath(r.ref)}`,
    object: {
      sha: r.sha,
      type: r.type,
      url: `${api}/git/${kind}/${r.sha}`,
    },
  };
}

/** `git-tree`. */
export function gitTree(
  u: RepoUrls,
  sha: string,
  entries: TreeEntry[],
  truncated = false,
) {
  const api = repoApi(u);
  return {
    sha,
    url: `${api}/git/trees/${sha}`,
    tree: entries.map(e => ({
      path: e.path,
      mode: e.mode,
      type: e.type,
      sha: e.sha,
      ...(e.size !== undefined ? { size: e.size } : {}),
      ...(e.type === 'commit' ? {} : { url: `${api}/git/${e.type}s/${e.sha}` }),
    })),
    truncated,
  };
}

/** `blob` (base64). */
export function blob(u: RepoUrls, sha: string, content: Buffer) {
  return {
    sha,
    node_id: nodeId('Blob', `${u.id}:${sha}`),
    size: content.length,
    url: `${repoApi(u)}/git/blobs/${sha}`,
    content: base64Lines(content),
    encoding: 'base64',
  };
}

/** Base64 in lines of 60 characters, each ending with a newline, as GitHub sends it. */
export function base64Lines(content: Buffer): string {
  const b64 = content.toString('base64');
  let out = '';
  for (let i = 0; i < b64.length; i += 60) out += `${b64.slice(i, i + 60)}\n`;
  return out;
}
