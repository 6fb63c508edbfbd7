import type { ActionsRegistryService } from '@backstage/backend-plugin-api/alpha';
import type { CatalogService } from '@backstage/plugin-catalog-node';
import { NotFoundError } from '@backstage/errors';
import { stringifyEntityRef, parseEntityRef } from '@backstage/catalog-model';
import { randomUUID } from 'node:crypto';
import { callerOf } from '../service/promotionRouter';
import { GitopsService } from '../service/GitopsService';
import { PromotionService } from '../promotion/PromotionService';

/**
 * Registers `promote` in Backstage's actions registry (exposed to AI agents
 * through the MCP actions backend), under the caller's own permissions,
 * gates and approvals, like a click in the portal.
 */
export function registerGitopsActions(options: {
  actionsRegistry: ActionsRegistryService;
  catalog: CatalogService;
  service: GitopsService;
  promotions: PromotionService;
}): void {
  const { actionsRegistry, catalog, service, promotions } = options;
  actionsRegistry.register({
    name: 'promote',
    title: 'Promote a service through its GitOps pipeline',
    description:
      'Requests the promotion of a service to the next stage of its GitOps pipeline (or a given version to given environments). ' +
      'Writes a commit or pull request on the GitOps repository; permission checks, gates (holds, freeze windows, soak time) and approvals apply. ' +
      'Returns the action id and its state (awaiting-approval, pull-request-open, merged).',
    attributes: { destructive: false, idempotent: true, readOnly: false },
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
      output: z =>
        z.object({
          actionId: z.string(),
          state: z.string(),
          environments: z.array(z.string()),
        }),
    },
    action: async ({ input, credentials }) => {
      const ref = parseEntityRef(input.entityRef, {
        defaultKind: 'component',
        defaultNamespace: 'default',
      });
      const entity = await catalog.getEntityByRef(stringifyEntityRef(ref), {
        credentials,
      });
      if (!entity)
        throw new NotFoundError(
          `entity ${input.entityRef} not found in the catalog`,
        );
      const { repo, service: name } = service.resolveEntity(entity);
      const plan = await promotions.planPromotion(repo.id, name, {
        sourceEnvironment: input.sourceEnvironment,
        environments: input.environments,
        version: input.version,
        reason: input.reason,
      });
      const { action } = await promotions.request(
        plan,
        callerOf(credentials),
        input.idempotencyKey ?? `mcp-${randomUUID()}`,
        input.reason,
      );
      return {
        output: {
          actionId: action.id,
          state: action.state,
          environments: action.environments,
        },
      };
    },
  });
}
