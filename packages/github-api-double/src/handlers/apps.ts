/*
 * The GitHub App endpoints @octokit/auth-app and Backstage's
 * GithubAppCredentialsMux call: an app (JWT) lists its installations, finds
 * the one of a repository and mints installation access tokens; an
 * installation (token) lists the repositories it reaches.
 */
import type { Apps, Credential, Installation } from '../apps/Apps';
import type { AuthRequirement } from '../apps/Apps';
import { pageParams } from '../http/context';
import { ApiError, notFound, Reply } from '../http/reply';
import type { RouteSpec } from '../http/router';
import type { ServedRepo } from '../ServedRepo';
import { installation } from '../shapes/installation';
import { repository } from '../shapes/repository';
import { organisationId } from '../shapes/common';

export interface AppCtx {
  params: Record<string, string>;
  query: URLSearchParams;
  body: any;
  api: string;
  html: string;
  apps: Apps;
  credential: Credential;
  repoBySlug(slug: string): ServedRepo | undefined;
  repos(): ServedRepo[];
}

export type AppHandler = (ctx: AppCtx) => Promise<Reply>;

export interface AppRouteSpec extends RouteSpec<AppHandler> {
  auth: AuthRequirement;
}

const D = 'https://docs.github.com/rest/apps';

const appIdOf = (ctx: AppCtx) =>
  ctx.credential.kind === 'app-jwt' ? ctx.credential.appId : -1;

/** The app's installation `installation_id`, or 404. */
function ownInstallation(ctx: AppCtx): Installation {
  const id = Number(ctx.params.installation_id);
  const found = ctx.apps.installations(appIdOf(ctx)).find(i => i.id === id);
  if (!found) throw notFound();
  return found;
}

/** `<url>; rel="next"` … for a list outside a repository. */
function link(
  ctx: AppCtx,
  path: string,
  page: number,
  pages: number,
): Record<string, string> {
  if (pages <= 1) return {};
  const url = (p: number) => {
    const q = new URLSearchParams(ctx.query);
    q.delete('page');
    q.append('page', String(p));
    return `<${ctx.api}${path}?${q}>`;
  };
  const parts: string[] = [];
  if (page > 1) parts.push(`${url(page - 1)}; rel="prev"`);
  if (page < pages)
    parts.push(`${url(page + 1)}; rel="next"`, `${url(pages)}; rel="last"`);
  if (page > 1) parts.push(`${url(1)}; rel="first"`);
  return { link: parts.join(', ') };
}

const listInstallations: AppHandler = async ctx => {
  const all = ctx.apps.installations(appIdOf(ctx));
  const { page, perPage } = pageParams(ctx.query, {
    perPage: 30,
    maxPerPage: 100,
  });
  const pages = Math.max(1, Math.ceil(all.length / perPage));
  return {
    status: 200,
    json: all
      .slice((page - 1) * perPage, page * perPage)
      .map(i => installation(i, ctx.api, ctx.html)),
    headers: link(ctx, '/app/installations', page, pages),
  };
};

const getInstallation: AppHandler = async ctx => ({
  status: 200,
  json: installation(ownInstallation(ctx), ctx.api, ctx.html),
});

const getRepoInstallation: AppHandler = async ctx => {
  const repo = ctx.repoBySlug(`${ctx.params.owner}/${ctx.params.repo}`);
  const found =
    repo &&
    ctx.apps
      .installations(appIdOf(ctx))
      .find(i => ctx.apps.covers(i, repo.owner, repo.name));
  if (!found) throw notFound();
  return { status: 200, json: installation(found, ctx.api, ctx.html) };
};

const createAccessToken: AppHandler = async ctx => {
  const i = ownInstallation(ctx);
  if (i.suspended) {
    throw new ApiError(403, 'This installation has been suspended');
  }
  const t = ctx.apps.mint(i);
  return {
    status: 201,
    json: {
      token: t.token,
      expires_at: new Date(t.expiresAt).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      permissions: i.permissions,
      repository_selection: i.repositories ? 'selected' : 'all',
    },
  };
};

const listInstallationRepos: AppHandler = async ctx => {
  const cred = ctx.credential;
  const i =
    cred.kind === 'installation-token'
      ? ctx.apps.installation(cred.installationId)
      : undefined;
  if (!i) throw notFound();
  const reached = ctx
    .repos()
    .filter(r => ctx.apps.covers(i, r.owner, r.name))
    .sort((a, b) => a.id - b.id);
  const { page, perPage } = pageParams(ctx.query, {
    perPage: 30,
    maxPerPage: 100,
  });
  const pages = Math.max(1, Math.ceil(reached.length / perPage));
  return {
    status: 200,
    json: {
      total_count: reached.length,
      repository_selection: i.repositories ? 'selected' : 'all',
      repositories: reached.slice((page - 1) * perPage, page * perPage).map(r =>
        repository(
          r.urls(ctx.api, ctx.html),
          {
            login: r.owner,
            id: organisationId(r.owner),
            name: r.owner,
            email: '',
            type: 'Organization',
          },
          {
            defaultBranch: r.defaultBranch,
            createdAt: r.createdAt,
            pushedAt: r.createdAt,
          },
        ),
      ),
    },
    headers: link(ctx, '/installation/repositories', page, pages),
  };
};

export const APP_ROUTES: AppRouteSpec[] = [
  {
    method: 'GET',
    path: '/app/installations',
    handler: listInstallations,
    auth: 'app',
    docs: `${D}/apps#list-installations-for-the-authenticated-app`,
  },
  {
    method: 'GET',
    path: '/app/installations/{installation_id}',
    handler: getInstallation,
    auth: 'app',
    docs: `${D}/apps#get-an-installation-for-the-authenticated-app`,
  },
  {
    method: 'POST',
    path: '/app/installations/{installation_id}/access_tokens',
    handler: createAccessToken,
    auth: 'app',
    docs: `${D}/apps#create-an-installation-access-token-for-an-app`,
  },
  {
    method: 'GET',
    path: '/repos/{owner}/{repo}/installation',
    handler: getRepoInstallation,
    auth: 'app',
    docs: `${D}/apps#get-a-repository-installation-for-the-authenticated-app`,
  },
  {
    method: 'GET',
    path: '/installation/repositories',
    handler: listInstallationRepos,
    auth: 'installation',
    docs: `${D}/installations#list-repositories-accessible-to-the-app-installation`,
  },
];
