/*
 * HTTP routes of cluster observation, mounted by service/router.ts. Both read
 * the store only (0 Kubernetes requests per view).
 */
import type { Request, Router } from 'express';
import { LiveService } from './LiveService';
import type { VisibleServices } from '../service/CatalogVisibility';

export interface ClusterRoutesOptions {
  live: LiveService;
  /** Throws unless the caller has gitops.read. */
  authorizeRead(req: Request): Promise<void>;
  /** gitops.read, then the services the caller may see in the catalog. */
  visibleServices?(req: Request): Promise<VisibleServices>;
  /** The service of the entity in the path (checks gitops.read and catalog access). */
  serviceOf(req: Request): Promise<{ repositoryId: string; service: string }>;
}

export function addClusterRoutes(
  router: Router,
  options: ClusterRoutesOptions,
): void {
  const { live } = options;
  router.get('/v1/entities/:namespace/:kind/:name/live', async (req, res) => {
    const { repositoryId, service } = await options.serviceOf(req);
    res.json(await live.getServiceLive(repositoryId, service));
  });

  router.get('/v1/dashboard', async (req, res) => {
    await options.authorizeRead(req);
    const visible = await options.visibleServices?.(req);
    const repository =
      typeof req.query.repository === 'string'
        ? req.query.repository
        : undefined;
    const dashboard = await live.getDashboard(repository);
    if (!visible) {
      res.json(dashboard);
      return;
    }
    // Services the caller cannot see in the catalog are not named (the
    // environment counts stay aggregates).
    const seen = (service: string) =>
      visible.has(dashboard.repositoryId, service);
    res.json({
      ...dashboard,
      environments: dashboard.environments.map(e => ({
        ...e,
        recentRollouts: e.recentRollouts.filter(r => seen(r.service)),
      })),
      matrix: dashboard.matrix.filter(m => seen(m.service)),
    });
  });
}
