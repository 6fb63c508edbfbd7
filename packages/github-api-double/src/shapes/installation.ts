/* The `installation` body (GET /app/installations, GET /repos/{owner}/{repo}/installation). */
import type { Installation } from '../apps/Apps';
import { simpleUser } from './common';

export function installation(i: Installation, api: string, html: string) {
  const account = simpleUser(
    {
      login: i.account,
      id: i.accountId,
      name: i.account,
      email: '',
      type: 'Organization',
    },
    api,
    html,
  );
  return {
    id: i.id,
    account,
    repository_selection: i.repositories ? 'selected' : 'all',
    access_tokens_url: `${api}/app/installations/${i.id}/access_tokens`,
    repositories_url: `${api}/installation/repositories`,
    html_url: `${html}/organizations/${i.account}/settings/installations/${i.id}`,
    app_id: i.appId,
    app_slug: i.appSlug,
    target_id: i.accountId,
    target_type: 'Organization',
    permissions: i.permissions,
    events: [],
    created_at: i.createdAt,
    updated_at: i.createdAt,
    single_file_name: null,
    has_multiple_single_files: false,
    single_file_paths: [],
    suspended_by: i.suspended ? account : null,
    suspended_at: i.suspended ? i.createdAt : null,
  };
}
