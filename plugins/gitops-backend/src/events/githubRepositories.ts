import type { RepositoryConfig } from '../config';

/** The GitOps repository a webhook is about: its id and the branch clusters follow. */
export interface WebhookRepository {
  id: string;
  branch: string;
}

/**
 * GitHub repositories of the configuration (and local clones with a
 * `webUrl`) by `host/owner/name` (lower case), the key of a webhook
 * payload's `repository.html_url`.
 */
export class GithubRepositoryIndex {
  private readonly byKey = new Map<string, WebhookRepository>();

  constructor(repositories: RepositoryConfig[]) {
    for (const r of repositories) {
      // A local clone of a hosted repository is named by its webUrl.
      const url = r.provider === 'github' ? r.url : r.webUrl;
      const key = keyOfUrl(url);
      if (key) this.byKey.set(key, { id: r.id, branch: r.branch });
    }
  }

  /** The GitOps repository of a payload, or undefined (not one of ours). */
  gitopsRepositoryOf(payload: unknown): WebhookRepository | undefined {
    const key = keyOfUrl(repositoryOf(payload)?.html_url);
    return key ? this.byKey.get(key) : undefined;
  }
}

/** `owner/name` of the payload's repository (what `github:owner/name` sources use). */
export function fullNameOf(payload: unknown): string | undefined {
  const name = repositoryOf(payload)?.full_name;
  return typeof name === 'string' && /^[\w.-]{1,100}\/[\w.-]{1,100}$/.test(name)
    ? name
    : undefined;
}

/** The host of the payload's `repository.html_url` (`github.com`, a GHES host). */
export function hostOf(payload: unknown): string | undefined {
  const url = repositoryOf(payload)?.html_url;
  if (typeof url !== 'string' || url.length > 500) return undefined;
  try {
    return new URL(url).host.toLowerCase() || undefined;
  } catch {
    return undefined;
  }
}

function repositoryOf(
  payload: unknown,
): { html_url?: unknown; full_name?: unknown } | undefined {
  if (!payload || typeof payload !== 'object') return undefined;
  const repository = (payload as { repository?: unknown }).repository;
  return repository && typeof repository === 'object'
    ? (repository as { html_url?: unknown; full_name?: unknown })
    : undefined;
}

function keyOfUrl(url: unknown): string | undefined {
  if (typeof url !== 'string' || url.length > 500) return undefined;
  try {
    const u = new URL(url);
    const path = u.pathname.replace(/\.git$/, '').replace(/\/+$/, '');
    const parts = path.split('/').filter(Boolean);
    if (parts.length < 2) return undefined;
    return `${u.host}/${parts.slice(-2).join('/')}`.toLowerCase();
  } catch {
    return undefined;
  }
}
