import type { ActionsRegistryService } from '@backstage/backend-plugin-api/alpha';
import { NotImplementedError } from '@backstage/errors';
import { metricsQuerySchema } from '@gitops2/plugin-gitops-common';
import { parseInput } from '../../service/parseInput';
import { entityRefInput, READ_ONLY, ReadActionDeps, Zod } from './readActions';

const stats = (z: Zod) =>
  z.object({
    medianSeconds: z.number().nullable(),
    p90Seconds: z.number().nullable(),
    samples: z.number(),
  });

/**
 * "How often does it ship? How long from commit to prod? How often does a
 * change fail, and how fast is it restored?": the delivery metrics of a
 * service (GET …/metrics), per environment.
 */
export function registerDeliveryMetricsAction(
  registry: ActionsRegistryService,
  deps: ReadActionDeps,
): void {
  const { access, metrics, links } = deps;
  registry.register({
    name: 'get-delivery-metrics',
    title: 'Delivery metrics of a service (DORA)',
    description:
      'Deployment frequency, lead time for changes (first commit → deployed, merge → deployed), change failure rate and time to restore ' +
      'of one service, one item per environment that had rollouts in the window (default: the last 30 days, at most 365). ' +
      'Durations are in seconds; rate is failures / changes (null without changes). includeDaily adds one row per UTC day.',
    attributes: READ_ONLY,
    schema: {
      input: z =>
        z.object({
          entityRef: entityRefInput(z),
          environment: z
            .string()
            .min(1)
            .max(63)
            .optional()
            .describe('Only this environment (default: every environment)'),
          since: z
            .string()
            .optional()
            .describe(
              'Window start, ISO 8601 with offset (default: until − 30 days)',
            ),
          until: z
            .string()
            .optional()
            .describe(
              'Window end (exclusive), ISO 8601 with offset (default: now)',
            ),
          includeDaily: z
            .boolean()
            .default(false)
            .describe(
              'Add the per-day series (deployments, failures, median lead time)',
            ),
        }),
      output: z =>
        z.object({
          service: z.string(),
          entityRef: z.string(),
          since: z.string(),
          until: z.string(),
          items: z.array(
            z.object({
              environment: z.string(),
              deployments: z.object({
                count: z.number(),
                perDay: z.number(),
                daily: z
                  .array(
                    z.object({
                      date: z.string(),
                      deployments: z.number(),
                      failures: z.number(),
                      leadTimeMedianSeconds: z.number().nullable(),
                    }),
                  )
                  .optional(),
              }),
              leadTime: z.object({
                firstCommit: stats(z),
                merge: stats(z),
              }),
              changeFailure: z.object({
                rate: z.number().nullable(),
                changes: z.number(),
                failures: z.number(),
                rollbacks: z.number(),
              }),
              timeToRestore: stats(z).extend({ unrestored: z.number() }),
            }),
          ),
          link: z.string(),
        }),
    },
    action: async ({ input, credentials }) => {
      if (!metrics)
        throw new NotImplementedError('delivery metrics are not set up');
      const query = parseInput(
        metricsQuerySchema,
        {
          environment: input.environment,
          since: input.since,
          until: input.until,
        },
        'query',
        '(input)',
      );
      const target = await access.service(input.entityRef, credentials);
      const answer = await metrics.getEntityMetrics(target.entity, query);
      return {
        output: {
          service: target.service,
          entityRef: target.entityRef,
          since: answer.since,
          until: answer.until,
          items: answer.items.map(m => ({
            environment: m.environment,
            deployments: {
              count: m.deployments.count,
              perDay: m.deployments.perDay,
              ...(input.includeDaily ? { daily: m.deployments.daily } : {}),
            },
            leadTime: m.leadTime,
            changeFailure: m.changeFailure,
            timeToRestore: m.timeToRestore,
          })),
          link: links.entity(target.entityRef),
        },
      };
    },
  });
}
