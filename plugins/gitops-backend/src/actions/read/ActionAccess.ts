import type {
  BackstageCredentials,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import {
  Entity,
  parseEntityRef,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import { InputError, NotAllowedError, NotFoundError } from '@backstage/errors';
import type { CatalogService } from '@backstage/plugin-catalog-node';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { gitopsReadPermission } from '@gitops2/plugin-gitops-common';
import {
  CatalogVisibility,
  VisibleServices,
} from '../../service/CatalogVisibility';
import type { GitopsService } from '../../service/GitopsService';
import { closestNames } from './closestNames';
import { PERMISSION_UNREACHABLE } from '../../promotion/gates/permissionUnreachable';

/** The service an action is about, as the caller may see it. */
export interface ServiceTarget {
  entity: Entity;
  entityRef: string;
  repositoryId: string;
  service: string;
}

/**
 * What every action checks before it answers, with the caller's own
 * credentials: `gitops.read` (denied when the permission backend cannot be
 * asked), then the catalog's visibility of the entity or entities. What the
 * caller may not see answers like what does not exist.
 */
export class ActionAccess {
  private readonly visibility: CatalogVisibility;

  constructor(
    private readonly options: {
      permissions: PermissionsService;
      catalog: CatalogService;
      service: Pick<GitopsService, 'resolveEntity'>;
    },
  ) {
    this.visibility = new CatalogVisibility(options.catalog);
  }

  /** gitops.read, as on every HTTP read. */
  async assertRead(credentials: BackstageCredentials): Promise<void> {
    const [decision] = await this.options.permissions
      .authorize([{ permission: gitopsReadPermission }], { credentials })
      .catch(() => {
        throw new NotAllowedError(PERMISSION_UNREACHABLE);
      });
    if (decision?.result !== AuthorizeResult.ALLOW)
      throw new NotAllowedError('not allowed: gitops.read');
  }

  /** gitops.read, then the services the caller may see in the catalog. */
  async visible(credentials: BackstageCredentials): Promise<VisibleServices> {
    await this.assertRead(credentials);
    return this.visibility.of(credentials);
  }

  /**
   * The service of a catalog entity: `component:default/guestbook-ui`,
   * `default/guestbook-ui` or `guestbook-ui` (kind Component, namespace
   * default). Unknown or hidden: a NotFoundError naming the closest GitOps
   * entities the caller may see.
   */
  async service(
    entityRef: string,
    credentials: BackstageCredentials,
  ): Promise<ServiceTarget> {
    await this.assertRead(credentials);
    let ref: string;
    try {
      ref = stringifyEntityRef(
        parseEntityRef(entityRef.trim(), {
          defaultKind: 'component',
          defaultNamespace: 'default',
        }),
      );
    } catch (e) {
      throw new InputError(
        `"${entityRef}" is not an entity reference (e.g. component:default/guestbook-ui, or guestbook-ui): ${
          (e as Error).message
        }`,
      );
    }
    const entity = await this.options.catalog.getEntityByRef(ref, {
      credentials,
    });
    if (!entity) {
      const visible = await this.visibility.of(credentials);
      const refs = visible.entityRefs();
      const near = closestNames(
        parseEntityRef(ref).name,
        refs.map(r => parseEntityRef(r).name),
      ).map(name => refs.find(r => parseEntityRef(r).name === name)!);
      throw new NotFoundError(
        `no service "${entityRef}" (${ref}) in the catalog that you may read${
          near.length
            ? `; closest GitOps services: ${near.join(', ')}`
            : '; you may not read any GitOps service'
        }`,
      );
    }
    const { repo, service } = this.options.service.resolveEntity(entity);
    return {
      entity,
      entityRef: stringifyEntityRef(entity),
      repositoryId: repo.id,
      service,
    };
  }
}
