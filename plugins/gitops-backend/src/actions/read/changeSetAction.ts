import type { ActionsRegistryService } from '@backstage/backend-plugin-api/alpha';
import { InputError, NotFoundError } from '@backstage/errors';
import type { ChangeSet } from '@gitops2/plugin-gitops-common';
import {
  commitOutput,
  compactCommit,
  cursorInput,
  entityRefInput,
  page,
  READ_ONLY,
  ReadActionDeps,
} from './readActions';

/** Lists that are not paged are cut here (the counts say how many there are). */
const MAX_LIST = 50;

/**
 * "What will this promotion bring to prod? What did that rollback take
 * away?": the change set of a rollout (GET /v1/rollouts/:id/change-set) or
 * of a pending promotion between two environments (GET …/pending).
 */
export function registerChangeSetAction(
  registry: ActionsRegistryService,
  deps: ReadActionDeps,
): void {
  const { access, gitops, correlation, links } = deps;
  registry.register({
    name: 'get-change-set',
    title: 'What a rollout or a pending promotion brings',
    description:
      'The change set between two versions of a service: the source commits added and removed, their pull requests, issue keys, authors ' +
      'and CI checks. Either of a past rollout (rolloutId, from list-deployments or lookup-feature: "what did that rollback take away?") ' +
      'or of a promotion not made yet (entityRef + from + to environments: "what will promoting staging to prod-eu bring?"). ' +
      'Commits are paged (limit, cursor); the counts give the totals.',
    attributes: READ_ONLY,
    schema: {
      input: z =>
        z.object({
          rolloutId: z
            .string()
            .regex(/^[0-9]{1,18}$/)
            .optional()
            .describe('A rollout id (list-deployments, lookup-feature)'),
          entityRef: entityRefInput(z)
            .optional()
            .describe('For a pending promotion: the service'),
          from: z
            .string()
            .min(1)
            .max(63)
            .optional()
            .describe(
              'For a pending promotion: the environment whose version would be promoted (staging)',
            ),
          to: z
            .string()
            .min(1)
            .max(63)
            .optional()
            .describe(
              'For a pending promotion: the target environment (prod-eu)',
            ),
          limit: z
            .number()
            .int()
            .min(0)
            .max(100)
            .default(10)
            .describe('Commits per page, added and removed each (default 10)'),
          cursor: cursorInput(z),
        }),
      output: z =>
        z.object({
          rolloutId: z.string().optional(),
          service: z.string(),
          environment: z.string().optional(),
          kind: z.string().optional(),
          from: z.string().optional(),
          to: z.string().optional(),
          fromVersion: z.string().nullable().optional(),
          toVersion: z.string().optional(),
          status: z.string(),
          message: z.string().optional(),
          counts: z.object({
            added: z.number(),
            removed: z.number(),
            pullRequests: z.number(),
            issueKeys: z.number(),
            authors: z.number(),
          }),
          added: z.array(commitOutput(z)),
          removed: z.array(commitOutput(z)),
          pullRequests: z.array(
            z.object({
              number: z.number(),
              title: z.string().optional(),
              url: z.string().optional(),
            }),
          ),
          issueKeys: z.array(
            z.object({ key: z.string(), url: z.string().optional() }),
          ),
          authors: z.array(z.string()),
          checks: z
            .object({
              total: z.number(),
              passed: z.number(),
              failed: z.number(),
              pending: z.number(),
              items: z.array(
                z.object({
                  name: z.string(),
                  conclusion: z.string(),
                  url: z.string().optional(),
                }),
              ),
            })
            .optional(),
          nextCursor: z.string().optional(),
          link: z.string().optional(),
        }),
    },
    action: async ({ input, credentials }) => {
      const pending = input.entityRef || input.from || input.to;
      if (
        input.rolloutId ? pending : !(input.entityRef && input.from && input.to)
      )
        throw new InputError(
          'give either rolloutId, or entityRef with from and to (environments)',
        );
      let head: Record<string, unknown>;
      let cs: Omit<ChangeSet, 'rolloutId'>;
      let link: string | undefined;
      if (input.rolloutId) {
        const visible = await access.visible(credentials);
        const row = await gitops.getRolloutRow(input.rolloutId);
        // A rollout of a service the caller cannot see does not exist for them.
        if (!row || !visible.has(row.repository_id, row.service))
          throw new NotFoundError(`rollout ${input.rolloutId} not found`);
        cs = await correlation.getChangeSet(input.rolloutId);
        const entityRef = visible.entityRefOf(row.repository_id, row.service);
        link = entityRef ? links.entity(entityRef) : undefined;
        head = {
          rolloutId: input.rolloutId,
          service: row.service,
          environment: row.environment,
          kind: row.kind,
          fromVersion: row.from_version,
          toVersion: row.to_version,
        };
      } else {
        const target = await access.service(input.entityRef!, credentials);
        const answer = await correlation.getPendingChanges(
          target.entity,
          input.from!,
          input.to!,
        );
        cs = answer.changeSet;
        link = links.entity(target.entityRef);
        head = {
          service: target.service,
          from: answer.from,
          to: answer.to,
          ...(answer.fromVersion ? { fromVersion: answer.fromVersion } : {}),
          ...(answer.toVersion ? { toVersion: answer.toVersion } : {}),
        };
      }
      const added = page(cs.added, input.limit, input.cursor);
      const removed = page(cs.removed, input.limit, input.cursor);
      const next = added.nextCursor ?? removed.nextCursor;
      return {
        output: {
          ...(head as { service: string }),
          status: cs.status,
          ...(cs.message ? { message: cs.message } : {}),
          counts: {
            added: cs.added.length,
            removed: cs.removed.length,
            pullRequests: cs.pullRequests.length,
            issueKeys: cs.issueKeys.length,
            authors: cs.authors.length,
          },
          added: added.items.map(compactCommit),
          removed: removed.items.map(compactCommit),
          pullRequests: cs.pullRequests.slice(0, MAX_LIST).map(p => ({
            number: p.number,
            ...(p.title ? { title: p.title } : {}),
            ...(p.url ? { url: p.url } : {}),
          })),
          issueKeys: cs.issueKeys.slice(0, MAX_LIST),
          authors: cs.authors.slice(0, MAX_LIST),
          ...(cs.checks
            ? {
                checks: {
                  total: cs.checks.total,
                  passed: cs.checks.passed,
                  failed: cs.checks.failed,
                  pending: cs.checks.pending,
                  items: cs.checks.items.slice(0, 20),
                },
              }
            : {}),
          ...(next ? { nextCursor: next } : {}),
          ...(link ? { link } : {}),
        },
      };
    },
  });
}
