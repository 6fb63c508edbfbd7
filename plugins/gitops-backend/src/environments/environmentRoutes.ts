import type { HttpAuthService } from '@backstage/backend-plugin-api';
import { nameSchema } from '@gitops2/plugin-gitops-common';
import type { Request, Router } from 'express';
import { z } from 'zod';
import { parseInput } from '../service/parseInput';
import { callerOf, doorOf } from '../service/promotionRouter';
import type { EnvironmentService } from './EnvironmentService';

const params = z.object({ repositoryId: nameSchema });

/**
 * POST /v1/repositories/:repositoryId/environments[/preview]: create an
 * environment; …/environments/retire[/preview]: retire one, or disable a
 * service in it (docs/api.md). The preview plans and returns the full diff,
 * writing nothing. Permission, validation and audit are the service's.
 */
export function addEnvironmentRoutes(
  router: Router,
  options: {
    httpAuth: HttpAuthService;
    environments: EnvironmentService;
    /** Throws unless the caller has gitops.read. */
    authorizeRead(req: Request): Promise<void>;
  },
): void {
  // What the templates' pickers offer: stages, environments, known clusters.
  router.get('/v1/repositories/:repositoryId/pipeline', async (req, res) => {
    await options.authorizeRead(req);
    const { repositoryId } = parseInput(params, req.params, 'path', '(params)');
    res.json(await options.environments.choices(repositoryId));
  });

  const call = async (
    req: Request,
    op: 'create' | 'retire' | 'addService',
    dryRun: boolean,
  ) => {
    const credentials = await options.httpAuth.credentials(req, {
      allow: ['user', 'service'],
    });
    const { repositoryId } = parseInput(params, req.params, 'path', '(params)');
    return options.environments[op](
      repositoryId,
      req.body,
      callerOf(credentials, doorOf(credentials), req),
      dryRun,
    );
  };
  router.post(
    '/v1/repositories/:repositoryId/environments/preview',
    async (req, res) => {
      res.json(await call(req, 'create', true));
    },
  );
  router.post(
    '/v1/repositories/:repositoryId/environments',
    async (req, res) => {
      res.status(201).json(await call(req, 'create', false));
    },
  );
  router.post(
    '/v1/repositories/:repositoryId/environments/retire/preview',
    async (req, res) => {
      res.json(await call(req, 'retire', true));
    },
  );
  router.post(
    '/v1/repositories/:repositoryId/environments/retire',
    async (req, res) => {
      res.status(201).json(await call(req, 'retire', false));
    },
  );
  for (const op of ['merge', 'close'] as const) {
    router.post(
      `/v1/repositories/:repositoryId/environments/${op}`,
      async (req, res) => {
        const credentials = await options.httpAuth.credentials(req, {
          allow: ['user', 'service'],
        });
        const { repositoryId } = parseInput(
          params,
          req.params,
          'path',
          '(params)',
        );
        res.json(
          await options.environments.review(
            repositoryId,
            req.body,
            callerOf(credentials, doorOf(credentials), req),
            op,
          ),
        );
      },
    );
  }
  router.post(
    '/v1/repositories/:repositoryId/services/preview',
    async (req, res) => {
      res.json(await call(req, 'addService', true));
    },
  );
  router.post('/v1/repositories/:repositoryId/services', async (req, res) => {
    res.status(201).json(await call(req, 'addService', false));
  });
}
