import type { ActionsRegistryService } from '@backstage/backend-plugin-api/alpha';
import { InputError } from '@backstage/errors';
import { rolloutsQuerySchema } from '@gitops2/plugin-gitops-common';
import { parseInput } from '../../service/parseInput';
import { entityRefInput, READ_ONLY, ReadActionDeps } from './readActions';

/**
 * "What was deployed yesterday? What went to prod-eu in the last 2 hours?":
 * the rollout ledger across the services the caller may see (GET
 * /v1/rollouts), newest first.
 */
export function registerListDeploymentsAction(
  registry: ActionsRegistryService,
  deps: ReadActionDeps,
): void {
  const { access, gitops, links } = deps;
  const now = deps.now ?? Date.now;
  registry.register({
    name: 'list-deployments',
    title: 'What was deployed, where and when',
    description:
      'Lists rollouts (version changes of a service in an environment, from the GitOps repository history), newest first: ' +
      '"what was deployed yesterday", "what went to prod-eu in the last 2 hours", "the last rollbacks of guestbook-ui". ' +
      'Filter by time window (since/until as ISO 8601 with offset, or lastHours), service, environment and kind ' +
      '(promotion, rollback, direct). The answer says now (generatedAt), so relative days can be computed; ' +
      'use get-change-set with a rolloutId for what one rollout carried. Paged: pass nextCursor back as cursor.',
    attributes: READ_ONLY,
    schema: {
      input: z =>
        z.object({
          since: z
            .string()
            .optional()
            .describe(
              'Rollouts desired at or after this time, ISO 8601 with offset (2026-11-25T00:00:00Z)',
            ),
          until: z
            .string()
            .optional()
            .describe(
              'Rollouts desired before this time, ISO 8601 with offset',
            ),
          lastHours: z
            .number()
            .min(0.1)
            .max(8760)
            .optional()
            .describe('Instead of since: the last N hours'),
          entityRef: entityRefInput(z)
            .optional()
            .describe('Only this service (entity ref or name)'),
          environment: z
            .string()
            .min(1)
            .max(63)
            .optional()
            .describe('Only this environment (prod-eu)'),
          kind: z
            .enum(['initial', 'promotion', 'rollback', 'direct'])
            .optional()
            .describe(
              'initial (the first version the environment had), promotion (moved from the previous stage), rollback (back to an earlier version) or direct (any other version change)',
            ),
          limit: z
            .number()
            .int()
            .min(1)
            .max(50)
            .default(10)
            .describe('Rollouts per page (default 10)'),
          cursor: z
            .string()
            .regex(/^[0-9]{1,18}$/)
            .optional()
            .describe('nextCursor of the previous answer'),
        }),
      output: z =>
        z.object({
          generatedAt: z.string(),
          since: z.string().optional(),
          until: z.string().optional(),
          items: z.array(
            z.object({
              rolloutId: z.string(),
              service: z.string(),
              environment: z.string(),
              fromVersion: z.string().nullable(),
              toVersion: z.string(),
              kind: z.string(),
              outcome: z.string(),
              desiredAt: z.string(),
              observedAt: z.string().optional(),
              initiator: z.string(),
              commitSha: z.string(),
              subject: z.string(),
              rewrittenAt: z.string().optional(),
            }),
          ),
          totalCount: z.number(),
          nextCursor: z.string().optional(),
          link: z.string(),
        }),
    },
    action: async ({ input, credentials }) => {
      if (input.lastHours !== undefined && input.since)
        throw new InputError('give since or lastHours, not both');
      const generatedAt = new Date(now()).toISOString();
      const since =
        input.lastHours !== undefined
          ? new Date(now() - input.lastHours * 3_600_000).toISOString()
          : input.since;
      const query = parseInput(
        rolloutsQuerySchema,
        {
          environment: input.environment,
          kind: input.kind,
          since,
          until: input.until,
          limit: input.limit,
          before: input.cursor,
        },
        'query',
        '(input)',
      );
      const visible = await access.visible(credentials);
      const target = input.entityRef
        ? await access.service(input.entityRef, credentials)
        : undefined;
      const result = await gitops.listRollouts(
        {
          ...query,
          ...(target
            ? { repository: target.repositoryId, service: target.service }
            : {}),
        },
        visible.pairs(),
      );
      return {
        output: {
          generatedAt,
          ...(query.since ? { since: query.since } : {}),
          ...(query.until ? { until: query.until } : {}),
          items: result.items.map(r => ({
            rolloutId: r.id,
            service: r.service,
            environment: r.environment,
            fromVersion: r.fromVersion,
            toVersion: r.toVersion,
            kind: r.kind,
            outcome: r.outcome,
            desiredAt: r.desiredAt,
            ...(r.observedAt ? { observedAt: r.observedAt } : {}),
            initiator: r.initiator,
            commitSha: r.commit.sha,
            subject: r.commit.subject,
            ...(r.rewrittenAt ? { rewrittenAt: r.rewrittenAt } : {}),
          })),
          totalCount: result.totalCount,
          ...(result.nextCursor ? { nextCursor: result.nextCursor } : {}),
          link: target ? links.entity(target.entityRef) : links.dashboard(),
        },
      };
    },
  });
}
