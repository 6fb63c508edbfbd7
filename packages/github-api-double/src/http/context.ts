/*
 * What a handler gets: the parsed request, the repository it names, the
 * authenticated user; and the helpers every handler shares (media types,
 * pagination with GitHub's Link header).
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { ServedRepo } from '../ServedRepo';
import type { DoubleUser, RepoUrls } from '../shapes/common';
import { ApiError, Reply } from './reply';

export interface Ctx {
  method: string;
  params: Record<string, string>;
  query: URLSearchParams;
  /** Parsed JSON body (writes), else undefined. */
  body: any;
  headers: IncomingHttpHeaders;
  user: DoubleUser;
  /** API base URL of the double, e.g. `http://127.0.0.1:40123`. */
  api: string;
  /** Web base URL, e.g. `https://github.com`. */
  html: string;
  /** Set for `/repos/{owner}/{repo}/…` routes. */
  repo: ServedRepo;
  urls: RepoUrls;
  /** The path below the repository (`/commits`), for pagination links. */
  subPath: string;
  /** Now, as GitHub prints timestamps. */
  now: () => string;
}

export type Handler = (ctx: Ctx) => Promise<Reply>;

/** The media type a request asks for (GitHub's `Accept` conventions). */
export type Media = 'json' | 'raw' | 'sha' | 'object' | 'diff' | 'patch';

export function mediaOf(headers: IncomingHttpHeaders): {
  media: Media;
  /** As requested, for the response's content-type. */
  type: string;
} {
  const accept = String(headers.accept ?? '').toLowerCase();
  const m = accept.match(
    /application\/vnd\.github(?:\.v3)?\.(raw|sha|object|diff|patch)(?:\+json)?/,
  );
  if (!m) return { media: 'json', type: 'application/json' };
  return { media: m[1] as Media, type: m[0] };
}

/** `per_page` / `page` of a list, as GitHub validates and caps them. */
export function pageParams(
  query: URLSearchParams,
  defaults: { perPage: number; maxPerPage: number },
): { page: number; perPage: number } {
  const raw = (name: string, dflt: number) => {
    const v = query.get(name);
    if (v === null || v === '') return dflt;
    const n = Number(v);
    return Number.isFinite(n) ? Math.floor(n) : dflt;
  };
  const perPage = Math.min(
    Math.max(raw('per_page', defaults.perPage), 1),
    defaults.maxPerPage,
  );
  const page = Math.max(raw('page', 1), 1);
  return { page, perPage };
}

/**
 * GitHub's Link header for page `page` of `pages`: addressed by repository
 * id (`/repositories/{id}/…`), as github.com writes it, with the request's
 * other query parameters kept.
 */
export function linkHeader(
  ctx: Ctx,
  page: number,
  pages: number,
): Record<string, string> {
  if (pages <= 1) return {};
  const url = (p: number) => {
    const q = new URLSearchParams(ctx.query);
    q.delete('page');
    q.append('page', String(p));
    return `<${ctx.api}/repositories/${ctx.repo.id}${ctx.subPath}?${q}>`;
  };
  const parts: string[] = [];
  if (page > 1) parts.push(`${url(page - 1)}; rel="prev"`);
  if (page < pages) {
    parts.push(`${url(page + 1)}; rel="next"`);
    parts.push(`${url(pages)}; rel="last"`);
  }
  if (page > 1) parts.push(`${url(1)}; rel="first"`);
  return parts.length ? { link: parts.join(', ') } : {};
}

/** Resolves a `ref` parameter to a commit, or throws GitHub's 422 "No commit found for SHA". */
export async function commitOr422(ctx: Ctx, ref: string): Promise<string> {
  const sha = await ctx.repo.git.resolveCommit(ref);
  if (!sha) throw new ApiError(422, `No commit found for SHA: ${ref}`);
  return sha;
}
