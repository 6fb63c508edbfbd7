import type {
  AuditorService,
  BackstageCredentials,
  HttpAuthService,
} from '@backstage/backend-plugin-api';
import { InputError } from '@backstage/errors';
import type { JsonObject } from '@backstage/types';
import {
  approvalRequestSchema,
  idempotencyKeySchema,
  promotionRequestSchema,
  rollbackRequestSchema,
} from '@gitops2/plugin-gitops-common';
import type { Request, Response, Router } from 'express';
import { z } from 'zod';
import { ActionStore } from '../promotion/ActionStore';
import { parseInput } from './parseInput';
import {
  Caller,
  IdempotencyKeyReusedError,
  PromotionService,
} from '../promotion/PromotionService';

export interface PromotionRouterOptions {
  httpAuth: HttpAuthService;
  auditor: AuditorService;
  promotions: PromotionService;
  actions: ActionStore;
  /** Loads the entity of the request (read permission + catalog) → its service. */
  serviceOf(req: Request): Promise<{ repositoryId: string; service: string }>;
}

/** Request bodies name a missing whole value `(body)`. */
const parse = <T extends z.ZodType>(schema: T, value: unknown, what: string) =>
  parseInput(schema, value, what, '(body)');

const idParams = z.object({
  id: z.string().regex(/^[0-9]{1,18}$/, 'must be a numeric id'),
});
const liftSchema = z
  .object({ reason: z.string().trim().min(1).max(1000) })
  .strict();

export function callerOf(credentials: BackstageCredentials): Caller {
  const p = credentials.principal as any;
  return {
    credentials,
    initiator:
      p.type === 'user' ? p.userEntityRef : `service:${p.subject ?? 'unknown'}`,
  };
}

/**
 * Write endpoints: promote, roll back, approve, merge, cancel, lift a hold.
 * Every attempt goes through Backstage's auditor (allowed, denied or failed)
 * and the service's own audit table.
 */
export function addPromotionRoutes(
  router: Router,
  options: PromotionRouterOptions,
): void {
  const { httpAuth, auditor, promotions, actions } = options;

  async function caller(req: Request): Promise<Caller> {
    return callerOf(
      await httpAuth.credentials(req, { allow: ['user', 'service'] }),
    );
  }

  /** Runs a write with an audit event around it; 422 for a reused key. */
  async function audited(
    req: Request,
    res: Response,
    eventId: string,
    meta: JsonObject,
    fn: () => Promise<{ status: number; body: unknown }>,
  ) {
    const event = await auditor.createEvent({
      eventId,
      severityLevel: 'high',
      request: req,
      meta,
    });
    try {
      const { status, body } = await fn();
      await event.success({ meta: { status } });
      res.status(status).json(body);
    } catch (e) {
      await event.fail({ error: e as Error });
      if (e instanceof IdempotencyKeyReusedError) {
        res.status(422).json({
          error: { name: 'IdempotencyKeyReusedError', message: e.message },
          response: { statusCode: 422 },
        });
        return;
      }
      throw e;
    }
  }

  function idempotencyKey(req: Request): string {
    const key = req.header('idempotency-key');
    if (!key)
      throw new InputError(
        'the Idempotency-Key header is required for write requests',
      );
    return parse(idempotencyKeySchema, key, 'Idempotency-Key header');
  }

  router.post(
    '/v1/entities/:namespace/:kind/:name/promotions/preview',
    async (req, res) => {
      const who = await caller(req);
      const body = parse(promotionRequestSchema, req.body, 'promotion request');
      const { repositoryId, service } = await options.serviceOf(req);
      const plan = await promotions.planPromotion(repositoryId, service, body);
      res.json(await promotions.preview(plan, who));
    },
  );

  router.post(
    '/v1/entities/:namespace/:kind/:name/promotions',
    async (req, res) => {
      await audited(
        req,
        res,
        'gitops-promote',
        { entity: req.params.name },
        async () => {
          const who = await caller(req);
          const key = idempotencyKey(req);
          const body = parse(
            promotionRequestSchema,
            req.body,
            'promotion request',
          );
          const { repositoryId, service } = await options.serviceOf(req);
          const plan = await promotions.planPromotion(
            repositoryId,
            service,
            body,
          );
          const { action, created } = await promotions.request(
            plan,
            who,
            key,
            body.reason,
          );
          return { status: created ? 201 : 200, body: action };
        },
      );
    },
  );

  router.post(
    '/v1/entities/:namespace/:kind/:name/rollbacks/preview',
    async (req, res) => {
      const who = await caller(req);
      const body = parse(rollbackRequestSchema, req.body, 'rollback request');
      const { repositoryId, service } = await options.serviceOf(req);
      const plan = await promotions.planRollback(repositoryId, service, body);
      res.json(await promotions.preview(plan, who));
    },
  );

  router.post(
    '/v1/entities/:namespace/:kind/:name/rollbacks',
    async (req, res) => {
      await audited(
        req,
        res,
        'gitops-rollback',
        { entity: req.params.name },
        async () => {
          const who = await caller(req);
          const key = idempotencyKey(req);
          const body = parse(
            rollbackRequestSchema,
            req.body,
            'rollback request',
          );
          const { repositoryId, service } = await options.serviceOf(req);
          const plan = await promotions.planRollback(
            repositoryId,
            service,
            body,
          );
          const { action, created } = await promotions.request(
            plan,
            who,
            key,
            body.reason,
          );
          return { status: created ? 201 : 200, body: action };
        },
      );
    },
  );

  router.get(
    '/v1/entities/:namespace/:kind/:name/actions',
    async (req, res) => {
      const { repositoryId, service } = await options.serviceOf(req);
      res.json({
        items: await actions.list({ repositoryId, service, limit: 50 }),
      });
    },
  );

  router.get('/v1/entities/:namespace/:kind/:name/holds', async (req, res) => {
    const { repositoryId, service } = await options.serviceOf(req);
    res.json({ items: await actions.activeHolds(repositoryId, service) });
  });

  router.get('/v1/actions', async (req, res) => {
    const who = await caller(req);
    const waiting = await actions.list({
      states: ['awaiting-approval', 'pull-request-open'],
      limit: 100,
    });
    // The inbox: what others asked for and still needs an approval or a merge.
    res.json({
      items: waiting.filter(
        a => a.requestedBy !== who.initiator || a.state === 'pull-request-open',
      ),
    });
  });

  router.post('/v1/actions/:id/approve', async (req, res) => {
    const { id } = parse(idParams, req.params, 'action id');
    await audited(req, res, 'gitops-approve', { actionId: id }, async () => {
      const body = parse(approvalRequestSchema, req.body ?? {}, 'approval');
      return {
        status: 200,
        body: await promotions.approve(id, await caller(req), body.comment),
      };
    });
  });

  router.post('/v1/actions/:id/merge', async (req, res) => {
    const { id } = parse(idParams, req.params, 'action id');
    await audited(req, res, 'gitops-merge', { actionId: id }, async () => ({
      status: 200,
      body: await promotions.merge(id, await caller(req)),
    }));
  });

  router.post('/v1/actions/:id/cancel', async (req, res) => {
    const { id } = parse(idParams, req.params, 'action id');
    await audited(req, res, 'gitops-cancel', { actionId: id }, async () => ({
      status: 200,
      body: await promotions.cancel(id, await caller(req)),
    }));
  });

  router.post('/v1/holds/:id/lift', async (req, res) => {
    const { id } = parse(idParams, req.params, 'hold id');
    await audited(req, res, 'gitops-lift-hold', { holdId: id }, async () => {
      const { reason } = parse(liftSchema, req.body, 'lift request');
      return {
        status: 200,
        body: await promotions.liftHold(id, await caller(req), reason),
      };
    });
  });
}
