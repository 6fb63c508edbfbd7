import type {
  AuditorService,
  HttpAuthService,
  LoggerService,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import { MiddlewareFactory } from '@backstage/backend-defaults/rootHttpRouter';
import type { Config } from '@backstage/config';
import { stringifyEntityRef } from '@backstage/catalog-model';
import { NotAllowedError, NotFoundError } from '@backstage/errors';
import type { CatalogService } from '@backstage/plugin-catalog-node';
import {
  AuthorizeResult,
  BasicPermission,
} from '@backstage/plugin-permission-common';
import {
  allRolloutsQuerySchema,
  entityParamsSchema,
  featureQuerySchema,
  pendingQuerySchema,
  rolloutParamsSchema,
  gitopsReadPermission,
  gitopsRefreshPermission,
  metricsQuerySchema,
  repositoryParamsSchema,
  rolloutsQuerySchema,
} from '@gitops2/plugin-gitops-common';
import express, { Request } from 'express';
import Router from 'express-promise-router';
import { IngestionManager } from '../ingestion/IngestionManager';
import { CorrelationService } from './CorrelationService';
import { GitopsService } from './GitopsService';
import { parseInput } from './parseInput';
import { addPromotionRoutes, PromotionRouterOptions } from './promotionRouter';
import { CatalogVisibility } from './CatalogVisibility';
import { addClusterRoutes } from '../cluster/clusterRoutes';
import { addEnvironmentRoutes } from '../environments/environmentRoutes';
import type { EnvironmentService } from '../environments/EnvironmentService';
import type { LiveService } from '../cluster/LiveService';
import type { MetricsService } from '../metrics/MetricsService';
import type { ChangeKeys } from '../signals/ChangeKeys';
import { PERMISSION_UNREACHABLE } from '../promotion/gates/permissionUnreachable';

export interface RouterOptions {
  config: Config;
  logger: LoggerService;
  httpAuth: HttpAuthService;
  permissions: PermissionsService;
  auditor: AuditorService;
  catalog: CatalogService;
  service: GitopsService;
  correlation: CorrelationService;
  ingestion: IngestionManager;
  /** Promotion and rollback endpoints (write actions). */
  promotions?: Pick<PromotionRouterOptions, 'promotions' | 'stores'>;
  /** Live cluster status and the dashboard (read from the store only). */
  live?: LiveService;
  /** Delivery metrics (read from the ledger). */
  metrics?: MetricsService;
  /** Opaque change keys of live updates, handed out with a service's status. */
  changeKeys?: ChangeKeys;
  /** New environments (docs/environments.md). */
  environments?: EnvironmentService;
}

const parse = parseInput;

/** HTTP layer: input validation, permission checks, audit. Logic is in GitopsService. */
export async function createRouter(
  options: RouterOptions,
): Promise<express.Router> {
  const {
    httpAuth,
    permissions,
    catalog,
    service,
    correlation,
    ingestion,
    auditor,
  } = options;
  const router = Router();
  router.use(express.json({ limit: '64kb' }));
  const visibility = new CatalogVisibility(catalog);

  /** gitops.read, then the services the caller may see in the catalog. */
  async function visibleServices(req: Request) {
    return visibility.of(await authorize(req, gitopsReadPermission));
  }

  async function authorize(req: Request, permission: BasicPermission) {
    const credentials = await httpAuth.credentials(req);
    const [decision] = await permissions
      .authorize([{ permission }], { credentials })
      .catch(() => {
        // Deny by default when the permission backend cannot be asked.
        throw new NotAllowedError(PERMISSION_UNREACHABLE);
      });
    if (decision.result !== AuthorizeResult.ALLOW) {
      throw new NotAllowedError(`not allowed: ${permission.name}`);
    }
    return credentials;
  }

  async function loadEntity(req: Request) {
    const credentials = await authorize(req, gitopsReadPermission);
    const { namespace, kind, name } = parse(
      entityParamsSchema,
      req.params,
      'entity reference',
    );
    const ref = stringifyEntityRef({ kind, namespace, name });
    // The user's own credentials: catalog read permissions apply too.
    const entity = await catalog.getEntityByRef(ref, { credentials });
    if (!entity)
      throw new NotFoundError(`entity ${ref} not found in the catalog`);
    return entity;
  }

  router.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });

  router.get('/v1/repositories', async (req, res) => {
    await authorize(req, gitopsReadPermission);
    res.json({ items: await service.listRepositories() });
  });

  router.post('/v1/repositories/:id/refresh', async (req, res) => {
    const { id } = parse(repositoryParamsSchema, req.params, 'repository id');
    const event = await auditor.createEvent({
      eventId: 'gitops-repository-refresh',
      severityLevel: 'medium',
      request: req,
      meta: { repositoryId: id },
    });
    try {
      await authorize(req, gitopsRefreshPermission);
      await service.getRepositoryState(id); // 404 for unknown ids
      await ingestion.ingest(id).catch(() => undefined); // the state carries the error
      const state = await service.getRepositoryState(id);
      await event.success({ meta: { lastCommitSha: state.lastCommitSha } });
      res.json(state);
    } catch (e) {
      await event.fail({ error: e as Error });
      throw e;
    }
  });

  router.get('/v1/entities/:namespace/:kind/:name/status', async (req, res) => {
    const entity = await loadEntity(req);
    const status = await service.getServiceStatus(entity);
    // Only who may see the service learns the keys of its live updates.
    const keys = await options.changeKeys?.keysOf(
      status.repository.id,
      status.service,
    );
    res.json({ ...status, ...keys });
  });

  router.get(
    '/v1/entities/:namespace/:kind/:name/rollouts',
    async (req, res) => {
      const entity = await loadEntity(req);
      const query = parse(rolloutsQuerySchema, req.query, 'query');
      res.json(await service.getRollouts(entity, query));
    },
  );

  router.get(
    '/v1/entities/:namespace/:kind/:name/pending',
    async (req, res) => {
      const entity = await loadEntity(req);
      const { from, to } = parse(pendingQuerySchema, req.query, 'query');
      res.json(await correlation.getPendingChanges(entity, from, to));
    },
  );

  router.get('/v1/rollouts', async (req, res) => {
    const visible = await visibleServices(req);
    const query = parse(allRolloutsQuerySchema, req.query, 'query');
    res.json(await service.listRollouts(query, visible.pairs()));
  });

  router.get('/v1/rollouts/:id/change-set', async (req, res) => {
    const visible = await visibleServices(req);
    const { id } = parse(rolloutParamsSchema, req.params, 'rollout id');
    const rollout = await service.getRolloutRow(id);
    // A rollout of a service the caller cannot see does not exist for them.
    if (!rollout || !visible.has(rollout.repository_id, rollout.service))
      throw new NotFoundError(`rollout ${id} not found`);
    res.json(await correlation.getChangeSet(id));
  });

  router.get('/v1/features', async (req, res) => {
    const visible = await visibleServices(req);
    const { q } = parse(featureQuerySchema, req.query, 'query');
    const answer = await correlation.lookupFeature(q);
    res.json({
      ...answer,
      services: answer.services.filter(s =>
        visible.has(s.repositoryId, s.service),
      ),
    });
  });

  const metrics = options.metrics;
  if (metrics) {
    router.get(
      '/v1/entities/:namespace/:kind/:name/metrics',
      async (req, res) => {
        const entity = await loadEntity(req);
        const query = parse(metricsQuerySchema, req.query, 'query');
        res.json(await metrics.getEntityMetrics(entity, query));
      },
    );

    router.get('/v1/metrics', async (req, res) => {
      const visible = await visibleServices(req);
      const query = parse(metricsQuerySchema, req.query, 'query');
      const answer = await metrics.getOrgMetrics(query);
      res.json({
        ...answer,
        items: answer.items.filter(i => visible.has(i.repository, i.service)),
      });
    });
  }

  if (options.promotions) {
    addPromotionRoutes(router, {
      ...options.promotions,
      httpAuth,
      auditor,
      serviceOf: async req => {
        const entity = await loadEntity(req);
        const { repo, service: name } = service.resolveEntity(entity);
        return {
          repositoryId: repo.id,
          service: name,
          entityRef: stringifyEntityRef(entity),
        };
      },
      visibleServices,
    });
  }

  if (options.environments) {
    addEnvironmentRoutes(router, {
      httpAuth,
      environments: options.environments,
      authorizeRead: async req => {
        await authorize(req, gitopsReadPermission);
      },
    });
  }

  if (options.live) {
    addClusterRoutes(router, {
      live: options.live,
      authorizeRead: async req => {
        await authorize(req, gitopsReadPermission);
      },
      visibleServices,
      serviceOf: async req => {
        const { repo, service: name } = service.resolveEntity(
          await loadEntity(req),
        );
        return { repositoryId: repo.id, service: name };
      },
    });
  }

  router.use(
    MiddlewareFactory.create({
      config: options.config,
      logger: options.logger,
    }).error(),
  );
  return router;
}
