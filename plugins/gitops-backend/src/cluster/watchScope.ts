/*
 * What a cluster's watcher covers, and how its lists are paged: optional
 * namespaces (one list + watch per kind and namespace instead of one
 * cluster-wide), an optional label selector (on every list and watch), and
 * the page size of lists (`limit`/`continue`) and the bound on objects kept.
 */

export interface WatchScope {
  /** Watch only these namespaces (default: the whole cluster). */
  namespaces?: string[];
  /** A Kubernetes label selector applied to every kind, pods included. */
  labelSelector?: string;
  /** Objects per list page (default 500, as kubectl and client-go informers). */
  pageSize?: number;
  /**
   * The most objects (summaries) kept for the cluster, all kinds together
   * (default 100,000, about 50 MiB). Beyond it the kind that would exceed it
   * is not watched and the cluster is reported unreachable with the reason.
   */
  maxObjects?: number;
}

export const DEFAULT_PAGE_SIZE = 500;
export const DEFAULT_MAX_OBJECTS = 100_000;

/** The message of a cluster over its object bound (the connection's message). */
export function overLimitMessage(kind: string, max: number): string {
  return `more than ${max} objects (at ${kind}): not watched; narrow the watch with namespaces or labelSelector, or raise maxObjects`;
}

/**
 * The path of a kind's list/watch in one namespace, from its cluster-wide
 * path: `/apis/apps/v1/deployments` → `/apis/apps/v1/namespaces/shop/deployments`.
 */
export function namespacedPath(path: string, namespace?: string): string {
  if (!namespace) return path;
  const i = path.lastIndexOf('/');
  return `${path.slice(0, i)}/namespaces/${encodeURIComponent(
    namespace,
  )}${path.slice(i)}`;
}

/** The URL (path and query) of one list page. */
export function listPageUrl(
  path: string,
  scope: WatchScope,
  continueToken?: string,
): string {
  const q = new URLSearchParams();
  q.set('limit', String(scope.pageSize ?? DEFAULT_PAGE_SIZE));
  if (continueToken) q.set('continue', continueToken);
  if (scope.labelSelector) q.set('labelSelector', scope.labelSelector);
  return `${path}?${q.toString()}`;
}
