/*
 * HTTP routes of cluster observation, mounted by service/router.ts. Both read
 * the store only (0 Kubernetes requests per view).
 */
import type { Request, Router } from 'express';
import { LiveService } from './LiveService';

export interface ClusterRoutesOptions {
  live: LiveService;
  /** Throws unless the caller has gitops.read. */
  authorizeRead(req: Request): Promise<void>;
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
    const repository =
      typeof req.query.repository === 'string'
        ? req.query.repository
        : undefined;
    res.json(await live.getDashboard(repository));
  });
}
