import type { ActionsRegistryService } from '@backstage/backend-plugin-api/alpha';
import { NotImplementedError } from '@backstage/errors';
import { approvalInbox } from '../../promotion/approvalInbox';
import { callerOf } from '../../service/promotionRouter';
import {
  cursorInput,
  entityRefInput,
  page,
  READ_ONLY,
  ReadActionDeps,
} from './readActions';

/**
 * "What is waiting for me?": the approval inbox (GET /v1/actions): others'
 * promotions and rollbacks awaiting approval, and open pull requests waiting
 * for a merge, on services the caller may see.
 */
export function registerListApprovalsAction(
  registry: ActionsRegistryService,
  deps: ReadActionDeps,
): void {
  const { access, actions, links } = deps;
  registry.register({
    name: 'list-approvals',
    title: 'Promotions and rollbacks waiting for approval or merge',
    description:
      'The approval inbox: promotions and rollbacks requested by others that wait for an approval, and open pull requests that wait for a merge, ' +
      'on the services you may see, newest first. Each item says what it would change (service, environments, version), who asked and why, ' +
      'and how many approvals it has and needs. Act on one with the approve or cancel actions (actionId).',
    attributes: READ_ONLY,
    schema: {
      input: z =>
        z.object({
          entityRef: entityRefInput(z)
            .optional()
            .describe('Only actions of this service'),
          limit: z
            .number()
            .int()
            .min(1)
            .max(50)
            .default(10)
            .describe('Items per page (default 10)'),
          cursor: cursorInput(z),
        }),
      output: z =>
        z.object({
          items: z.array(
            z.object({
              actionId: z.string(),
              kind: z.string(),
              state: z.string(),
              waitingFor: z.enum(['approval', 'merge']),
              service: z.string(),
              entityRef: z.string().optional(),
              sourceEnvironment: z.string().optional(),
              environments: z.array(z.string()),
              version: z.string(),
              requestedBy: z.string(),
              requestedAt: z.string(),
              reason: z.string().optional(),
              emergency: z.boolean().optional(),
              approvals: z.array(
                z.object({ approver: z.string(), at: z.string() }),
              ),
              requiredApprovals: z.number(),
              pullRequestUrl: z.string().optional(),
              link: z.string().optional(),
            }),
          ),
          totalCount: z.number(),
          nextCursor: z.string().optional(),
          link: z.string(),
        }),
    },
    action: async ({ input, credentials }) => {
      if (!actions) throw new NotImplementedError('promotions are not set up');
      const visible = await access.visible(credentials);
      const target = input.entityRef
        ? await access.service(input.entityRef, credentials)
        : undefined;
      const inbox = (
        await approvalInbox(
          actions,
          visible,
          callerOf(credentials, 'actions').initiator,
        )
      ).filter(
        a =>
          !target ||
          (a.repositoryId === target.repositoryId &&
            a.service === target.service),
      );
      const { items, nextCursor } = page(inbox, input.limit, input.cursor);
      return {
        output: {
          items: items.map(a => ({
            actionId: a.id,
            kind: a.kind,
            state: a.state,
            waitingFor:
              a.state === 'pull-request-open'
                ? ('merge' as const)
                : ('approval' as const),
            service: a.service,
            ...(a.entityRef ? { entityRef: a.entityRef } : {}),
            ...(a.sourceEnvironment
              ? { sourceEnvironment: a.sourceEnvironment }
              : {}),
            environments: a.environments,
            version: a.version,
            requestedBy: a.requestedBy,
            requestedAt: a.createdAt,
            ...(a.reason ? { reason: a.reason } : {}),
            ...(a.emergency ? { emergency: true } : {}),
            approvals: a.approvals.map(p => ({
              approver: p.approver,
              at: p.at,
            })),
            requiredApprovals: a.requiredApprovals,
            ...(a.pullRequestUrl ? { pullRequestUrl: a.pullRequestUrl } : {}),
            ...(a.entityRef ? { link: links.entity(a.entityRef) } : {}),
          })),
          totalCount: inbox.length,
          ...(nextCursor ? { nextCursor } : {}),
          link: links.approvals(),
        },
      };
    },
  });
}
