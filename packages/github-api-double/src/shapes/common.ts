/*
 * The pieces GitHub repeats in every body: URLs, users, node ids and the
 * signature verification block.
 */
import type { GitIdentity } from '../git/types';

/** Where the served repository lives (API and web). */
export interface RepoUrls {
  /** API base without trailing slash, e.g. `http://127.0.0.1:40123`. */
  api: string;
  /** Web base, e.g. `https://github.com`. */
  html: string;
  owner: string;
  name: string;
  /** Numeric repository id (`/repositories/{id}` paths). */
  id: number;
}

/** A GitHub account of the double. */
export interface DoubleUser {
  login: string;
  id: number;
  /** Git identity used for commits made as this user. */
  name: string;
  email: string;
  type?: 'User' | 'Organization' | 'Bot';
}

export const repoApi = (u: RepoUrls) => `${u.api}/repos/${u.owner}/${u.name}`;
export const repoHtml = (u: RepoUrls) => `${u.html}/${u.owner}/${u.name}`;

/** GitHub's legacy global node id: base64 of `<len>:<Type><id>`. */
export function nodeId(type: string, id: string | number): string {
  return Buffer.from(
    `${String(type.length).padStart(2, '0')}:${type}${id}`,
  ).toString('base64');
}

/** `simple-user`. */
export function simpleUser(user: DoubleUser, api: string, html: string) {
  const url = `${api}/users/${user.login}`;
  return {
    login: user.login,
    id: user.id,
    node_id: nodeId(user.type ?? 'User', user.id),
    avatar_url: `https://avatars.githubusercontent.com/u/${user.id}?v=4`,
    gravatar_id: '',
    url,
    html_url: `${html}/${user.login}`,
    followers_url: `${url}/followers`,
    following_url: `${url}/following{/other_user}`,
    gists_url: `${url}/gists{/gist_id}`,
    starred_url: `${url}/starred{/owner}{/repo}`,
    subscriptions_url: `${url}/subscriptions`,
    organizations_url: `${url}/orgs`,
    repos_url: `${url}/repos`,
    events_url: `${url}/events{/privacy}`,
    received_events_url: `${url}/received_events`,
    type: user.type ?? 'User',
    user_view_type: 'public',
    site_admin: false,
  };
}

/** The `verification` of an unsigned commit (the double never signs). */
export const UNSIGNED = {
  verified: false,
  reason: 'unsigned',
  signature: null,
  payload: null,
  verified_at: null,
};

/** `{name, email, date}` of a commit. */
export const gitUser = (i: GitIdentity) => ({
  name: i.name,
  email: i.email,
  date: i.date,
});

/** Encodes a repository path for a URL, keeping the slashes. */
export const encodePath = (p: string) =>
  p.split('/').map(encodeURIComponent).join('/');

/** The noreply address GitHub gives an account. */
export const noreplyEmail = (u: { id: number; login: string }) =>
  `${u.id}+${u.login}@users.noreply.github.com`;

/** The account id of an organisation owning served repositories (stable per login). */
export function organisationId(login: string): number {
  let id = 0;
  for (const ch of login) id = (id * 31 + ch.charCodeAt(0)) % 9_000_000;
  return 1_000_000 + id;
}
