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
  constructor(
    private readonly services: Set<string>,
    private readonly entities: Set<string>,
  ) {}

  static key(repositoryId: string, service: string): string {
    return `${repositoryId}\u0000${service}`;
  }

  has(repositoryId: string, service: string): boolean {
    return this.services.has(VisibleServices.key(repositoryId, service));
  }

  hasEntity(entityRef: string): boolean {
    return this.entities.has(entityRef.toLocaleLowerCase('en-US'));
  }

  /** Every visible (repository, service) pair. */
  pairs(): Array<{ repositoryId: string; service: string }> {
    return [...this.services].map(k => {
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
    const services = new Set<string>();
    const entities = new Set<string>();
    for (const entity of items) {
      const repositoryId =
        entity.metadata.annotations?.[GITOPS_ANNOTATIONS.repository];
      if (!repositoryId) continue;
      services.add(VisibleServices.key(repositoryId, serviceNameOf(entity)));
      entities.add(stringifyEntityRef(entity).toLocaleLowerCase('en-US'));
    }
    return new VisibleServices(services, entities);
  }
}
