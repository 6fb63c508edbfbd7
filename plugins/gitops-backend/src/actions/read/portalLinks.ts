import { parseEntityRef } from '@backstage/catalog-model';

/**
 * Links to the portal's pages (plugins/gitops/src: the entity tab
 * `/catalog/<namespace>/<kind>/<name>/gitops`, the GitOps page's
 * `/gitops/dashboard|features|approvals|metrics`), from `app.baseUrl`.
 */
export class PortalLinks {
  private readonly base: string;

  constructor(appBaseUrl: string | undefined) {
    this.base = (appBaseUrl ?? '').replace(/\/+$/, '');
  }

  /** The GitOps tab of an entity (kind and namespace lower-cased, as the app routes them). */
  entity(entityRef: string): string {
    const { kind, namespace, name } = parseEntityRef(entityRef);
    return `${this.base}/catalog/${encodeURIComponent(
      namespace.toLocaleLowerCase('en-US'),
    )}/${encodeURIComponent(
      kind.toLocaleLowerCase('en-US'),
    )}/${encodeURIComponent(name)}/gitops`;
  }

  features(query: string): string {
    return `${this.base}/gitops/features?q=${encodeURIComponent(query)}`;
  }

  approvals(): string {
    return `${this.base}/gitops/approvals`;
  }

  metrics(): string {
    return `${this.base}/gitops/metrics`;
  }

  dashboard(): string {
    return `${this.base}/gitops/dashboard`;
  }
}
