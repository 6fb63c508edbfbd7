import type { BackstageCredentials } from '@backstage/backend-plugin-api';
import { CATALOG_FILTER_EXISTS } from '@backstage/catalog-client';
import { stringifyEntityRef } from '@backstage/catalog-model';
import type { CatalogService } from '@backstage/plugin-catalog-node';
import {
  GITOPS_ANNOTATIONS,
  serviceNameOf,
} from '@gitops2/plugin-gitops-common';

/** The services (and their entities) one caller may see in the catalog. */
export class VisibleServices {
  /** (repository, service) → the first visible entity ref of that service. */
  private readonly services = new Map<string, string>();
  /** Visible entity refs, lower-cased → as the catalog spells them. */
  private readonly entities = new Map<string, string>();

  constructor(
    entries: Iterable<{
      repositoryId: string;
      service: string;
      entityRef: string;
    }>,
  ) {
    for (const e of entries) {
      const key = VisibleServices.key(e.repositoryId, e.service);
      if (!this.services.has(key)) this.services.set(key, e.entityRef);
      this.entities.set(e.entityRef.toLocaleLowerCase('en-US'), e.entityRef);
    }
  }

  static key(repositoryId: string, service: string): string {
    return `${repositoryId}\u0000${service}`;
  }

  has(repositoryId: string, service: string): boolean {
    return this.services.has(VisibleServices.key(repositoryId, service));
  }

  hasEntity(entityRef: string): boolean {
    return this.entities.has(entityRef.toLocaleLowerCase('en-US'));
  }

  /** The entity of a visible service (the first one, by catalog order). */
  entityRefOf(repositoryId: string, service: string): string | undefined {
    return this.services.get(VisibleServices.key(repositoryId, service));
  }

  /** Every visible GitOps entity, as the catalog spells its ref. */
  entityRefs(): string[] {
    return [...this.entities.values()];
  }

  /** Every visible (repository, service) pair. */
  pairs(): Array<{ repositoryId: string; service: string }> {
    return [...this.services.keys()].map(k => {
      const [repositoryId, service] = k.split('\u0000');
      return { repositoryId, service };
    });
  }
}

/**
 * Cross-service answers (feature lookups, all rollouts, org metrics, the
 * dashboard, the approval inbox) only name services whose catalog entity
 * the caller may read: the catalog is asked with the caller's own
 * credentials, so its permission rules apply.
 */
export class CatalogVisibility {
  constructor(private readonly catalog: CatalogService) {}

  async of(credentials: BackstageCredentials): Promise<VisibleServices> {
    const { items } = await this.catalog.getEntities(
      {
        filter: {
          [`metadata.annotations.${GITOPS_ANNOTATIONS.repository}`]:
            CATALOG_FILTER_EXISTS,
        },
        fields: [
          'kind',
          'metadata.name',
          'metadata.namespace',
          'metadata.annotations',
        ],
      },
      { credentials },
    );
    const entries: Array<{
      repositoryId: string;
      service: string;
      entityRef: string;
    }> = [];
    for (const entity of items) {
      const repositoryId =
        entity.metadata.annotations?.[GITOPS_ANNOTATIONS.repository];
      if (!repositoryId) continue;
      entries.push({
        repositoryId,
        service: serviceNameOf(entity),
        entityRef: stringifyEntityRef(entity),
      });
    }
    return new VisibleServices(entries);
  }
}
