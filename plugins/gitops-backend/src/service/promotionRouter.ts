import type {
  AuditorService,
  BackstageCredentials,
  HttpAuthService,
} from '@backstage/backend-plugin-api';
import { InputError, NotFoundError } from '@backstage/errors';
import {
  GitopsAction,
  approvalRequestSchema,
  idempotencyKeySchema,
  promotionRequestSchema,
  rollbackRequestSchema,
} from '@gitops2/plugin-gitops-common';
import type { Request, Response, Router } from 'express';
import { z } from 'zod';
import type { PromotionStores } from '../promotion/store';
import { parseInput } from './parseInput';
import type { VisibleServices } from './CatalogVisibility';
import {
  Caller,
  IdempotencyKeyReusedError,
  PromotionService,
} from '../promotion/PromotionService';
import type { Door } from '../promotion/types';
import { approvalInbox, canSeeAction } from '../promotion/approvalInbox';

export interface PromotionRouterOptions {
  httpAuth: HttpAuthService;
  auditor: AuditorService;
  promotions: PromotionService;
  stores: PromotionStores;
  /** Loads the entity of the request (read permission + catalog) → its service. */
  serviceOf(
    req: Request,
  ): Promise<{ repositoryId: string; service: string; entityRef: string }>;
  /** gitops.read, then the services the caller may see in the catalog. */
  visibleServices(req: Request): Promise<VisibleServices>;
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

/**
 * The door a request came through, for the audit trail: the scaffolder
 * when the scaffolder backend issued the token (on behalf of the user: the
 * principal's `actor`; or as itself), whatever headers say, so that a
 * person cannot label their own request; anything else is the HTTP API.
 * The scaffolder's actions also send `x-gitops-door: scaffolder`, which
 * is not trusted.
 */
export function doorOf(credentials?: BackstageCredentials): Door {
  const p = credentials?.principal as
    | { type?: string; subject?: string; actor?: { subject?: string } }
    | undefined;
  const issuer = p?.type === 'user' ? p.actor?.subject : p?.subject;
  return issuer === 'plugin:scaffolder' ? 'scaffolder' : 'http';
}

export function callerOf(
  credentials: BackstageCredentials,
  door: Door = 'http',
  request?: Request,
): Caller {
  const p = credentials.principal as any;
  return {
    credentials,
    // Entity refs are case-insensitive: one person, one spelling (approvals
    // by "User:default/Alice" of alice's request are self-approvals).
    initiator:
      p.type === 'user'
        ? String(p.userEntityRef).toLocaleLowerCase('en-US')
        : `service:${p.subject ?? 'unknown'}`,
    door,
    request,
  };
}

/**
 * Write endpoints: promote, roll back, approve, merge, cancel, lift a hold.
 * The engine audits every attempt that reaches it (Backstage's auditor and
 * the ledger's audit table, PromotionService); attempts refused before it
 * (no credentials, malformed input) are audited here.
 */
export function addPromotionRoutes(
  router: Router,
  options: PromotionRouterOptions,
): void {
  const { httpAuth, auditor, promotions, stores } = options;

  async function caller(req: Request): Promise<Caller> {
    const credentials = await httpAuth.credentials(req, {
      allow: ['user', 'service'],
    });
    return callerOf(credentials, doorOf(credentials), req);
  }

  /**
   * Runs a write: 422 for a reused key; an attempt that fails before it
   * reaches the engine (which audits everything it sees) is audited here.
   */
  async function write(
    req: Request,
    res: Response,
    eventId: string,
    fn: (reached: () => void) => Promise<{ status: number; body: unknown }>,
  ) {
    let reachedEngine = false;
    try {
      const { status, body } = await fn(() => {
        reachedEngine = true;
      });
      res.status(status).json(body);
    } catch (e) {
      if (!reachedEngine) {
        // Refused before the engine (credentials, input, visibility): the
        // same two records as every other attempt.
        const credentials = await httpAuth
          .credentials(req, { allow: ['user', 'service'] })
          .catch(() => undefined);
        const actor = credentials
          ? callerOf(credentials).initiator
          : 'unauthenticated';
        const door = doorOf(credentials);
        const denied = (e as Error).name === 'NotAllowedError';
        await stores.auditLog.append({
          actor,
          action: eventId,
          door,
          severity: 'medium',
          result: denied ? 'denied' : 'refused',
          message: (e as Error).message,
        });
        const event = await auditor.createEvent({
          eventId,
          severityLevel: 'medium',
          request: req,
          meta: { actor, door, stage: 'input' },
        });
        await event.fail({ error: e as Error });
      }
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
      const target = await options.serviceOf(req);
      res.json(
        await promotions.preview({ kind: 'promotion', ...target, body }, who),
      );
    },
  );

  router.post(
    '/v1/entities/:namespace/:kind/:name/promotions',
    async (req, res) => {
      await write(req, res, 'promotion', async reached => {
        const who = await caller(req);
        const key = idempotencyKey(req);
        const body = parse(
          promotionRequestSchema,
          req.body,
          'promotion request',
        );
        const target = await options.serviceOf(req);
        reached();
        const { action, created } = await promotions.request(
          { kind: 'promotion', ...target, body },
          who,
          key,
        );
        return { status: created ? 201 : 200, body: action };
      });
    },
  );

  router.post(
    '/v1/entities/:namespace/:kind/:name/rollbacks/preview',
    async (req, res) => {
      const who = await caller(req);
      const body = parse(rollbackRequestSchema, req.body, 'rollback request');
      const target = await options.serviceOf(req);
      res.json(
        await promotions.preview({ kind: 'rollback', ...target, body }, who),
      );
    },
  );

  router.post(
    '/v1/entities/:namespace/:kind/:name/rollbacks',
    async (req, res) => {
      await write(req, res, 'rollback', async reached => {
        const who = await caller(req);
        const key = idempotencyKey(req);
        const body = parse(rollbackRequestSchema, req.body, 'rollback request');
        const target = await options.serviceOf(req);
        reached();
        const { action, created } = await promotions.request(
          { kind: 'rollback', ...target, body },
          who,
          key,
        );
        return { status: created ? 201 : 200, body: action };
      });
    },
  );

  router.get(
    '/v1/entities/:namespace/:kind/:name/actions',
    async (req, res) => {
      const { repositoryId, service } = await options.serviceOf(req);
      res.json({
        items: await stores.actions.list({ repositoryId, service, limit: 50 }),
      });
    },
  );

  router.get('/v1/entities/:namespace/:kind/:name/holds', async (req, res) => {
    const { repositoryId, service } = await options.serviceOf(req);
    res.json({ items: await stores.holds.active(repositoryId, service) });
  });

  router.get('/v1/actions', async (req, res) => {
    const who = await caller(req);
    const visible = await options.visibleServices(req);
    res.json({
      items: await approvalInbox(stores.actions, visible, who.initiator),
    });
  });

  /**
   * Actions and holds are reached by id: gitops.read and the catalog
   * visibility of their service come first, and what the caller may not
   * see answers exactly like what does not exist.
   */
  async function assertVisible(
    req: Request,
    what: 'action' | 'hold',
    id: string,
  ): Promise<void> {
    const visible = await options.visibleServices(req);
    const target =
      what === 'action'
        ? await stores.actions.get(id)
        : await stores.holds.get(id);
    if (!target) return; // the engine answers (and audits) the unknown id
    const seen =
      what === 'action'
        ? canSeeAction(visible, target as GitopsAction)
        : visible.has(target.repositoryId, target.service);
    if (!seen) throw new NotFoundError(`unknown ${what} #${id}`);
  }

  router.get('/v1/actions/:id/steps', async (req, res) => {
    const { id } = parse(idParams, req.params, 'action id');
    await assertVisible(req, 'action', id);
    if (!(await stores.actions.get(id)))
      throw new NotFoundError(`unknown action #${id}`);
    res.json({ items: await promotions.stepsOf(id) });
  });

  const byId = (
    path: string,
    eventId: string,
    fn: (id: string, req: Request, reached: () => void) => Promise<unknown>,
  ) =>
    router.post(path, async (req, res) => {
      await write(req, res, eventId, async reached => {
        const { id } = parse(idParams, req.params, 'id');
        await assertVisible(
          req,
          path.startsWith('/v1/holds') ? 'hold' : 'action',
          id,
        );
        return { status: 200, body: await fn(id, req, reached) };
      });
    });

  byId('/v1/actions/:id/approve', 'approve', async (id, req, reached) => {
    const body = parse(approvalRequestSchema, req.body ?? {}, 'approval');
    const who = await caller(req);
    reached();
    return promotions.approve(id, who, body.comment);
  });
  byId('/v1/actions/:id/merge', 'merge', async (id, req, reached) => {
    const who = await caller(req);
    reached();
    return promotions.merge(id, who);
  });
  byId('/v1/actions/:id/cancel', 'cancel', async (id, req, reached) => {
    const who = await caller(req);
    reached();
    return promotions.cancel(id, who);
  });
  byId('/v1/holds/:id/lift', 'lift-hold', async (id, req, reached) => {
    const { reason } = parse(liftSchema, req.body, 'lift request');
    const who = await caller(req);
    reached();
    return promotions.liftHold(id, who, reason);
  });
}
