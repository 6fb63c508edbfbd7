import fs from 'node:fs';
import path from 'node:path';
import { GITOPS_ANNOTATIONS, EntityLike } from '@gitops2/plugin-gitops-common';
import { SourceRootConfig } from '../config';
import { LocalSourceRepository } from './LocalSourceRepository';
import { SourceRepository } from './types';

const SOURCE_LOCATION = 'backstage.io/source-location';
const HOST =
  /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*(:\d{1,5})?$/;
// Accounts have no dots (GitHub Enterprise managed users have underscores);
// so `github:ghe.example.com/acme` is not mistaken for an owner/name.
const SLUG = /^[A-Za-z0-9_-]{1,100}\/[A-Za-z0-9_.-]{1,100}$/;

/**
 * The id of a GitHub source repository: `github:owner/name` on github.com,
 * `github:<host>/owner/name` on a GitHub Enterprise Server host.
 */
export function githubSourceId(host: string, slug: string): string {
  const h = host.toLowerCase();
  return h === 'github.com' ? `github:${slug}` : `github:${h}/${slug}`;
}

/** Host, owner and name of a `github:` source id, or undefined. */
export function parseGithubSourceId(
  id: string,
): { host: string; owner: string; name: string; slug: string } | undefined {
  if (!id.startsWith('github:')) return undefined;
  const parts = id.slice('github:'.length).split('/');
  const [host, owner, name] =
    parts.length === 3 ? parts : ['github.com', ...parts];
  const slug = `${owner}/${name}`;
  if (parts.length < 2 || parts.length > 3) return undefined;
  if (!HOST.test(host) || !SLUG.test(slug)) return undefined;
  return { host, owner, name, slug };
}

/**
 * The host of an entity's `backstage.io/source-location`
 * (`url:https://ghe.example.com/acme/cart/tree/main/`), if any.
 */
function sourceLocationHost(a: Record<string, string>): string | undefined {
  const location = a[SOURCE_LOCATION]?.trim().replace(/^url:/, '');
  if (!location) return undefined;
  try {
    return new URL(location).host.toLowerCase() || undefined;
  } catch {
    return undefined;
  }
}

/**
 * Where a service's source code lives, as the catalog says:
 * `gitops2.io/source-repo: <root>:<name>` (a configured `gitops.sourceRoots`
 * entry) or `github.com/project-slug: owner/name`, on github.com or, as
 * Backstage's GitHub plugins read it, on the host of the entity's
 * `backstage.io/source-location` (GitHub Enterprise Server).
 */
export function sourceRepositoryIdOf(entity: EntityLike): string | undefined {
  const a = entity.metadata.annotations ?? {};
  const own = a[GITOPS_ANNOTATIONS.sourceRepository]?.trim();
  if (own) return own.slice(0, 255);
  const slug = a[GITOPS_ANNOTATIONS.githubProjectSlug]?.trim();
  if (slug) {
    return githubSourceId(sourceLocationHost(a) ?? 'github.com', slug).slice(
      0,
      255,
    );
  }
  return undefined;
}

export type SourceResolution =
  | { ok: true; repository: SourceRepository }
  | { ok: false; message: string };

const NAME = /^[A-Za-z0-9._-]{1,100}$/;

/** Turns source repository ids (`demo:guestbook-ui`) into readable repositories. */
export class SourceRepositoryResolver {
  private readonly roots: Map<string, SourceRootConfig>;
  private readonly cache = new Map<string, SourceRepository>();

  constructor(
    roots: SourceRootConfig[],
    private readonly baseDir = process.cwd(),
    /**
     * Opens a GitHub repository (`owner/name` on `host`); without it GitHub
     * source repositories are `no-source`.
     */
    private readonly github?: (slug: string, host: string) => SourceRepository,
  ) {
    this.roots = new Map(roots.map(r => [r.id, r]));
  }

  /**
   * The repository if correlation opened it since this backend started
   * (a service's catalog entity names it), else undefined: a webhook about
   * another repository of the organisation opens nothing.
   */
  opened(id: string): SourceRepository | undefined {
    return this.cache.get(id);
  }

  resolve(id: string | null | undefined): SourceResolution {
    if (!id) {
      return {
        ok: false,
        message: `the service's catalog entity has no ${GITOPS_ANNOTATIONS.sourceRepository} (or ${GITOPS_ANNOTATIONS.githubProjectSlug}) annotation`,
      };
    }
    if (id.startsWith('github:')) {
      const slug = id.slice(7);
      if (!this.github) {
        return {
          ok: false,
          message: `source repository ${slug} is on GitHub; correlation through GitHub is not available in this backend`,
        };
      }
      const parsed = parseGithubSourceId(id);
      if (!parsed) {
        return {
          ok: false,
          message: `"${slug}" is not a GitHub owner/name (annotation github.com/project-slug)`,
        };
      }
      const cachedGitHub = this.cache.get(id);
      if (cachedGitHub) return { ok: true, repository: cachedGitHub };
      try {
        const repository = this.github(parsed.slug, parsed.host);
        this.cache.set(id, repository);
        return { ok: true, repository };
      } catch (e) {
        return {
          ok: false,
          message: `GitHub source repository ${slug}: ${
            e instanceof Error ? e.message : String(e)
          }`,
        };
      }
    }
    const colon = id.indexOf(':');
    const rootId = colon > 0 ? id.slice(0, colon) : '';
    const name = colon > 0 ? id.slice(colon + 1) : '';
    const root = this.roots.get(rootId);
    if (!root) {
      return {
        ok: false,
        message: `source repository "${id}": "${rootId}" is not a configured gitops.sourceRoots id (expected <root id>:<name>)`,
      };
    }
    if (!NAME.test(name) || name === '.' || name === '..') {
      return {
        ok: false,
        message: `source repository "${id}": "${name}" is not a valid repository name`,
      };
    }
    const cached = this.cache.get(id);
    if (cached) return { ok: true, repository: cached };
    const dir = path.resolve(this.baseDir, root.path, name);
    if (!fs.existsSync(dir)) {
      return {
        ok: false,
        message: `source repository "${id}": ${dir} does not exist`,
      };
    }
    const repository = new LocalSourceRepository(id, dir, {
      commitUrlTemplate: root.commitUrlTemplate?.replace(/\{repo\}/g, name),
      pullRequestUrlTemplate: root.pullRequestUrlTemplate?.replace(
        /\{repo\}/g,
        name,
      ),
    });
    this.cache.set(id, repository);
    return { ok: true, repository };
  }
}
