import type {
  BackstageCredentials,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import type { ActionsRegistryService } from '@backstage/backend-plugin-api/alpha';
import type { CatalogService } from '@backstage/plugin-catalog-node';
import { NotFoundError } from '@backstage/errors';
import {
  GitopsAction,
  idempotencyKeySchema,
  promotionRequestSchema,
  rollbackRequestSchema,
} from '@gitops2/plugin-gitops-common';
import { parseInput } from '../service/parseInput';
import { randomUUID } from 'node:crypto';
import { callerOf } from '../service/promotionRouter';
import { GitopsService } from '../service/GitopsService';
import { PromotionService } from '../promotion/PromotionService';
import type { CorrelationService } from '../service/CorrelationService';
import type { LiveService } from '../cluster/LiveService';
import type { MetricsService } from '../metrics/MetricsService';
import type { ActionStore } from '../promotion/store';
import { ActionAccess } from './read/ActionAccess';
import { PortalLinks } from './read/portalLinks';
import type { ReadActionDeps } from './read/readActions';
import { registerLookupFeatureAction } from './read/lookupFeatureAction';
import { registerServiceStatusAction } from './read/serviceStatusAction';
import { registerListDeploymentsAction } from './read/listDeploymentsAction';
import { registerChangeSetAction } from './read/changeSetAction';
import { registerDeliveryMetricsAction } from './read/deliveryMetricsAction';
import { registerListApprovalsAction } from './read/listApprovalsAction';
import type { EnvironmentService } from '../environments/EnvironmentService';
import { registerEnvironmentActions } from './environmentActions';

const summary = (a: GitopsAction) => ({
  actionId: a.id,
  state: a.state,
  environments: a.environments,
  version: a.version,
  ...(a.pullRequestUrl ? { pullRequestUrl: a.pullRequestUrl } : {}),
  ...(a.error ? { error: a.error } : {}),
});

/**
 * Registers the GitOps actions in Backstage's actions registry (exposed to
 * AI agents and scripts through the MCP actions backend): the read actions
 * (src/actions/read: the product's questions, answered like the HTTP API
 * answers them) and the write actions. All run with the caller's own
 * credentials, check gitops.read and the catalog visibility of the service;
 * writes go through the same planning, permissions, gates, approvals,
 * idempotency and audit as the HTTP API (door `actions`).
 */
export function registerGitopsActions(options: {
  actionsRegistry: ActionsRegistryService;
  catalog: CatalogService;
  service: GitopsService;
  promotions: PromotionService;
  permissions: PermissionsService;
  correlation: CorrelationService;
  live?: LiveService;
  metrics?: MetricsService;
  actions?: Pick<ActionStore, 'list'>;
  /** New environments (create-environment); absent: not registered. */
  environments?: EnvironmentService;
  /** app.baseUrl: answers link to the portal's pages. */
  appBaseUrl?: string;
  now?: () => number;
}): void {
  const { actionsRegistry, catalog, service, promotions, permissions } =
    options;
  const access = new ActionAccess({ permissions, catalog, service });

  const reads: ReadActionDeps = {
    access,
    links: new PortalLinks(options.appBaseUrl),
    gitops: service,
    correlation: options.correlation,
    live: options.live,
    metrics: options.metrics,
    actions: options.actions,
    now: options.now,
  };
  registerLookupFeatureAction(actionsRegistry, reads);
  registerServiceStatusAction(actionsRegistry, reads);
  registerListDeploymentsAction(actionsRegistry, reads);
  registerChangeSetAction(actionsRegistry, reads);
  registerDeliveryMetricsAction(actionsRegistry, reads);
  registerListApprovalsAction(actionsRegistry, reads);
  if (options.environments)
    registerEnvironmentActions(actionsRegistry, options.environments);

  /** gitops.read, as on every HTTP read (deny when it cannot be asked). */
  const assertRead = (credentials: BackstageCredentials) =>
    access.assertRead(credentials);

  /** The caller's key, validated like the HTTP header; none: a new request. */
  const keyOf = (key: string | undefined) =>
    key === undefined
      ? `mcp-${randomUUID()}`
      : parseInput(idempotencyKeySchema, key, 'idempotencyKey', '(key)');

  /**
   * An action or hold reached by id: gitops.read and the catalog
   * visibility of its service first; what the caller may not see answers
   * like what does not exist.
   */
  async function assertVisible(
    credentials: BackstageCredentials,
    what: 'action' | 'hold',
    id: string,
  ) {
    await assertRead(credentials);
    const found =
      what === 'action'
        ? await promotions.getAction(id)
        : await promotions.getHold(id);
    if (!found) return; // the engine answers (and audits) the unknown id
    const ref = (found as GitopsAction).entityRef;
    const visible = ref
      ? Boolean(await catalog.getEntityByRef(ref, { credentials }))
      : (
          await catalog.getEntities(
            {
              filter: {
                'metadata.annotations.gitops2.io/gitops-repo':
                  found.repositoryId,
              },
              fields: ['kind', 'metadata.name', 'metadata.annotations'],
            },
            { credentials },
          )
        ).items.some(e => service.resolveEntity(e).service === found.service);
    if (!visible) throw new NotFoundError(`unknown ${what} #${id}`);
  }

  /** The service of a write: gitops.read, catalog visibility, closest names when unknown. */
  async function target(entityRef: string, credentials: BackstageCredentials) {
    const t = await access.service(entityRef, credentials);
    return {
      repositoryId: t.repositoryId,
      service: t.service,
      entityRef: t.entityRef,
    };
  }
  const caller = (credentials: BackstageCredentials) =>
    callerOf(credentials, 'actions');
  const actionOutput = (z: any) =>
    z.object({
      actionId: z.string(),
      state: z.string(),
      environments: z.array(z.string()),
      version: z.string(),
      pullRequestUrl: z.string().optional(),
      error: z.string().optional(),
    });

  /**
   * The checks a write makes before the engine (read permission,
   * visibility, input): a refusal there is audited like any other attempt.
   */
  async function checked<T>(
    credentials: BackstageCredentials,
    what: string,
    fn: () => Promise<T>,
  ): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      await promotions.auditRefusal(caller(credentials), what, e as Error);
      throw e;
    }
  }

  actionsRegistry.register({
    name: 'promote',
    title: 'Promote a service through its GitOps pipeline',
    description:
      'Requests the promotion of a service to the next stage of its GitOps pipeline (or a given version to given environments). ' +
      'Writes a commit or pull request on the GitOps repository; permission checks, gates (holds, freeze windows, soak time) and approvals apply. ' +
      'Pass the same idempotencyKey when retrying; without one every call is a new request. ' +
      'Returns the action id and its state (awaiting-approval, pull-request-open, merged).',
    attributes: { destructive: true, idempotent: false, readOnly: false },
    schema: {
      input: z =>
        z.object({
          entityRef: z
            .string()
            .describe(
              'Catalog entity of the service, e.g. component:default/guestbook-ui',
            ),
          sourceEnvironment: z
            .string()
            .optional()
            .describe('Promote the version running here'),
          environments: z
            .array(z.string())
            .optional()
            .describe('Targets (default: the next stage)'),
          version: z.string().optional(),
          reason: z.string().optional(),
          idempotencyKey: z
            .string()
            .optional()
            .describe('Repeat the same key to retry safely'),
        }),
      output: actionOutput,
    },
    action: async ({ input, credentials }) => {
      const { request, key } = await checked(
        credentials,
        'promotion',
        async () => ({
          request: {
            kind: 'promotion' as const,
            ...(await target(input.entityRef, credentials)),
            body: parseInput(
              promotionRequestSchema,
              {
                sourceEnvironment: input.sourceEnvironment,
                environments: input.environments,
                version: input.version,
                reason: input.reason,
              },
              'promotion request',
              '(input)',
            ),
          },
          key: keyOf(input.idempotencyKey),
        }),
      );
      const { action } = await promotions.request(
        request,
        caller(credentials),
        key,
      );
      return { output: summary(action) };
    },
  });

  actionsRegistry.register({
    name: 'rollback',
    title: 'Roll a service back in one environment',
    description:
      'Restores a version the environment ran before (default: the one before the current), through a pull request or, ' +
      'with emergency: true and the gitops.rollback.emergency permission, a direct commit. A version the environment never ran is treated as a promotion ' +
      '(needs gitops.promote and passes the promotion gates). Leaves a hold on the rolled-back version. Pass the same idempotencyKey when retrying.',
    attributes: { destructive: true, idempotent: false, readOnly: false },
    schema: {
      input: z =>
        z.object({
          entityRef: z.string().describe('Catalog entity of the service'),
          environment: z.string().describe('The environment to roll back'),
          version: z
            .string()
            .optional()
            .describe('Default: the version before the current one'),
          reason: z.string().min(1).describe('Why (kept in the audit trail)'),
          emergency: z.boolean().optional(),
          idempotencyKey: z.string().optional(),
        }),
      output: actionOutput,
    },
    action: async ({ input, credentials }) => {
      const { request, key } = await checked(
        credentials,
        'rollback',
        async () => ({
          request: {
            kind: 'rollback' as const,
            ...(await target(input.entityRef, credentials)),
            body: parseInput(
              rollbackRequestSchema,
              {
                environment: input.environment,
                version: input.version,
                reason: input.reason,
                emergency: input.emergency,
              },
              'rollback request',
              '(input)',
            ),
          },
          key: keyOf(input.idempotencyKey),
        }),
      );
      const { action } = await promotions.request(
        request,
        caller(credentials),
        key,
      );
      return { output: summary(action) };
    },
  });

  actionsRegistry.register({
    name: 'approve',
    title: 'Approve a promotion or rollback waiting for approval',
    description:
      'Approves an action someone else requested (never your own). Needs gitops.approve on every target environment and membership of its approver group. ' +
      'The last approval moves the action on (writes its pull request branch, or its direct commit). Approving twice counts once.',
    attributes: { destructive: true, idempotent: true, readOnly: false },
    schema: {
      input: z =>
        z.object({
          actionId: z.string().regex(/^[0-9]{1,18}$/),
          comment: z.string().max(1000).optional(),
        }),
      output: actionOutput,
    },
    action: async ({ input, credentials }) => {
      await checked(credentials, 'approve', () =>
        assertVisible(credentials, 'action', input.actionId),
      );
      return {
        output: summary(
          await promotions.approve(
            input.actionId,
            caller(credentials),
            input.comment,
          ),
        ),
      };
    },
  });

  actionsRegistry.register({
    name: 'cancel',
    title: 'Cancel a promotion or rollback',
    description:
      'Cancels an action that is awaiting approval or has an open pull request (closes the pull request, deletes its branch, frees the environments). ' +
      'Refused while the action is being written, and once merged.',
    attributes: { destructive: true, idempotent: false, readOnly: false },
    schema: {
      input: z => z.object({ actionId: z.string().regex(/^[0-9]{1,18}$/) }),
      output: actionOutput,
    },
    action: async ({ input, credentials }) => {
      await checked(credentials, 'cancel', () =>
        assertVisible(credentials, 'action', input.actionId),
      );
      return {
        output: summary(
          await promotions.cancel(input.actionId, caller(credentials)),
        ),
      };
    },
  });

  actionsRegistry.register({
    name: 'lift-hold',
    title: 'Lift the hold a rollback left on a version',
    description:
      'Allows a rolled-back version to be promoted into its environment again. Needs gitops.rollback on that environment and a reason.',
    attributes: { destructive: false, idempotent: false, readOnly: false },
    schema: {
      input: z =>
        z.object({
          holdId: z.string().regex(/^[0-9]{1,18}$/),
          reason: z.string().min(1).max(1000),
        }),
      output: z =>
        z.object({
          holdId: z.string(),
          environment: z.string(),
          version: z.string(),
          liftedBy: z.string().optional(),
        }),
    },
    action: async ({ input, credentials }) => {
      await checked(credentials, 'lift-hold', () =>
        assertVisible(credentials, 'hold', input.holdId),
      );
      const hold = await promotions.liftHold(
        input.holdId,
        caller(credentials),
        input.reason,
      );
      return {
        output: {
          holdId: hold.id,
          environment: hold.environment,
          version: hold.version,
          liftedBy: hold.liftedBy,
        },
      };
    },
  });
}
