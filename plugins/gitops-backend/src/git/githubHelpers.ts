import type { ApiCommit, ApiFile, CommitInfo } from './githubApiTypes';

/** A full commit sha. */
export const SHA_RE = /^[0-9a-f]{40}$/;

/** Splits `https://<host>/<owner>/<repo>[.git]`; credentials in the URL are dropped. */
export function parseGitHubUrl(url: string): {
  host: string;
  owner: string;
  repo: string;
} {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(
      `${redactUrl(url)} is not a URL; expected https://<host>/<owner>/<repo>`,
    );
  }
  const parts = parsed.pathname
    .replace(/\/+$/, '')
    .replace(/\.git$/, '')
    .split('/')
    .filter(Boolean);
  if (parsed.protocol !== 'https:' || parts.length !== 2) {
    throw new Error(`${redactUrl(url)} is not https://<host>/<owner>/<repo>`);
  }
  return { host: parsed.host, owner: parts[0], repo: parts[1] };
}

export function redactUrl(url: string): string {
  return url.replace(/\/\/[^/@]*@/, '//');
}

export function toCommitInfo(c: ApiCommit): CommitInfo {
  const date = c.commit.committer?.date ?? c.commit.author?.date;
  return {
    sha: c.sha,
    parents: (c.parents ?? []).map(p => p.sha),
    ...(c.commit.tree?.sha ? { treeSha: c.commit.tree.sha } : {}),
    authorName: c.commit.author?.name ?? '',
    authorEmail: c.commit.author?.email ?? '',
    committedAt: date
      ? new Date(date).toISOString()
      : new Date(0).toISOString(),
    message: (c.commit.message ?? '').replace(/\n+$/, ''),
  };
}

export function fileNames(files: ApiFile[]): string[] {
  const names = new Set<string>();
  for (const f of files) {
    names.add(f.filename);
    if (f.previous_filename) names.add(f.previous_filename);
  }
  return [...names];
}

export function nextLink(link: unknown): string | undefined {
  if (typeof link !== 'string') return undefined;
  for (const part of link.split(',')) {
    const m = part.match(/<([^>]+)>\s*;\s*rel="?next"?/);
    if (m) return m[1];
  }
  return undefined;
}

export function isRateLimited(
  headers: Record<string, unknown>,
  message: string,
): boolean {
  return (
    headers['x-ratelimit-remaining'] === '0' || /rate limit/i.test(message)
  );
}

export function secondsUntilReset(reset: unknown): number {
  const at = Number(reset) * 1000;
  if (!Number.isFinite(at) || at <= 0) return 60;
  return Math.max(Math.ceil((at - Date.now()) / 1000) + 1, 0);
}

export function encodePath(path: string): string {
  return path.split('/').map(encodeURIComponent).join('/');
}

export function fileKey(sha: string, path: string): string {
  return `${sha}:${path}`;
}

export function toText(data: unknown): string {
  if (typeof data === 'string') return data;
  if (data instanceof ArrayBuffer) return new TextDecoder().decode(data);
  return '';
}

export function sleep(ms: number): Promise<void> {
  return new Promise(resolve => setTimeout(resolve, ms));
}

/** Runs `fn` over `items` with at most `limit` calls in flight; keeps order. */
export async function mapLimit<T, R>(
  items: T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (!failed && next < items.length) {
      const i = next++;
      try {
        out[i] = await fn(items[i]);
      } catch (e) {
        failed = true;
        throw e;
      }
    }
  };
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, worker),
  );
  return out;
}
