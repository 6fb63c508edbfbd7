/*
 * Demo only (gitops.demoCluster.enabled): a health endpoint per demo service
 * and environment that answers like the deployed guestbook would, for the
 * demo pipeline's `http` smoke test (docs/pipeline.md "Steps").
 *
 *   GET /api/gitops/demo/apps/:service/:environment/healthz
 *
 * The version is the one the demo cluster runs there (cluster observation,
 * the live store, as the demo reconciler rolled it out):
 *   200 { status: 'ok', version }       it runs one version, not a bad one;
 *   500 { status: 'error', version }    it runs a known-bad demo version
 *                                       (gitops.demoCluster.badVersionsFile);
 *   503 { status: 'starting' | 'unavailable' | 'unknown', … }
 *                                       mid-rollout (two versions), nothing
 *                                       observed, cluster not connected, or
 *                                       the bad versions cannot be read;
 *   404 for an environment no pipeline has.
 * Mounted without authentication (the step's own request carries no token):
 * it only tells which version runs, as a real health endpoint would.
 */
import express from 'express';
import Router from 'express-promise-router';
import type { EnvironmentLiveStatus } from '@gitops2/plugin-gitops-common';
import type { LiveService } from '../LiveService';
import { BadVersion, DemoBadVersions } from './DemoBadVersions';

/** The path the demo endpoints live under (its auth policy's path). */
export const DEMO_APPS_PATH = '/demo/apps';

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

export interface DemoAppRouterOptions {
  live: Pick<LiveService, 'getServiceLive'>;
  repositoryIds: string[];
  badVersions: Pick<DemoBadVersions, 'read'>;
}

const sameVersion = (observed: string, version: string) =>
  observed === version ||
  observed.endsWith(`:${version}`) ||
  observed.endsWith(`@${version}`);

export function createDemoAppRouter(
  options: DemoAppRouterOptions,
): express.Router {
  const router = Router();

  router.get(
    `${DEMO_APPS_PATH}/:service/:environment/healthz`,
    async (req, res) => {
      res.setHeader('cache-control', 'no-store');
      const { service, environment } = req.params;
      if (!NAME.test(service) || !NAME.test(environment)) {
        res.status(400).json({
          status: 'error',
          message:
            'service and environment must be 1-63 letters, digits, ".", "_" or "-"',
        });
        return;
      }
      const status = await findStatus(options, service, environment);
      if (!status) {
        res.status(404).json({
          status: 'unknown',
          service,
          environment,
          message: `no GitOps pipeline has an environment "${environment}"`,
        });
        return;
      }
      const base = { service, environment };
      if (status.connection) {
        res.status(503).json({
          ...base,
          status: 'unavailable',
          message: `cluster ${status.connection.cluster} is ${status.connection.state}`,
        });
        return;
      }
      const versions = status.observedVersions;
      if (versions.length === 0) {
        res.status(503).json({
          ...base,
          status: 'unavailable',
          message: `${service} is not running in ${environment}`,
        });
        return;
      }
      const known = await options.badVersions.read();
      if (!known.ok) {
        res
          .status(503)
          .json({ ...base, status: 'unknown', versions, message: known.error });
        return;
      }
      const bad = versions.find(v => isBad(known.badVersions, service, v));
      if (bad) {
        res.status(500).json({
          ...base,
          status: 'error',
          version: bad,
          message: `${service} ${bad} is a known-bad demo version`,
        });
        return;
      }
      if (versions.length > 1) {
        res.status(503).json({
          ...base,
          status: 'starting',
          versions,
          message: `${environment} is rolling out (${versions.join(', ')})`,
        });
        return;
      }
      res.status(200).json({ ...base, status: 'ok', version: versions[0] });
    },
  );
  return router;
}

function isBad(list: BadVersion[], service: string, observed: string) {
  return list.some(
    b => b.service === service && sameVersion(observed, b.version),
  );
}

/** The live status of the service in the environment, in the first repository that has it. */
async function findStatus(
  options: DemoAppRouterOptions,
  service: string,
  environment: string,
): Promise<EnvironmentLiveStatus | undefined> {
  for (const id of options.repositoryIds) {
    const live = await options.live.getServiceLive(id, service);
    const status = live.environments.find(e => e.environment === environment);
    if (status) return status;
  }
  return undefined;
}
