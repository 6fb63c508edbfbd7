import type { ActionsRegistryService } from '@backstage/backend-plugin-api/alpha';
import { InputError } from '@backstage/errors';
import {
  FeatureServicePresence,
  parseFeatureQuery,
} from '@gitops2/plugin-gitops-common';
import {
  commitOutput,
  compactCommit,
  cursorInput,
  entityRefInput,
  humanDuration,
  page,
  READ_ONLY,
  ReadActionDeps,
} from './readActions';

/** One line a reader can repeat: where it is, where it was taken away. */
function summaryOf(s: FeatureServicePresence): string {
  const present = s.environments.filter(e => e.present).map(e => e.environment);
  const removed = s.environments.filter(e => !e.present && e.removedAt);
  const never = s.environments.filter(e => !e.present && !e.removedAt);
  const parts = [
    present.length ? `present in ${present.join(', ')}` : 'present nowhere',
    ...removed.map(
      e =>
        `removed from ${e.environment} by ${e.removedByKind ?? 'rollout'} #${
          e.removedByRolloutId
        } at ${e.removedAt}`,
    ),
    ...(never.length
      ? [`never deployed to ${never.map(e => e.environment).join(', ')}`]
      : []),
  ];
  return `${s.service}: ${parts.join('; ')}`;
}

/**
 * "Does production have SAAS-1543? Is bug Y in staging? How long did it stay
 * in staging?": the feature tracker's answer (GET /v1/features).
 */
export function registerLookupFeatureAction(
  registry: ActionsRegistryService,
  deps: ReadActionDeps,
): void {
  const { access, correlation, links } = deps;
  registry.register({
    name: 'lookup-feature',
    title: 'Where is a feature deployed',
    description:
      'Answers "is feature X / bug Y / commit Z in production (or staging, ...) yet?" from the rollout ledger. ' +
      'Give an issue key (SAAS-1543), a pull request (#150) or a commit sha (7-40 hex digits). ' +
      'For each service whose source commits match: every environment of its pipeline with present true/false, ' +
      'since when (the rollout that brought it), whether a later rollout (e.g. a rollback) removed it, ' +
      'and the dwell time between stages (e.g. how long it stayed in staging before prod-us). ' +
      'Only services you may see in the catalog are answered. A bare number (1543) is ambiguous and answers with the candidates.',
    attributes: READ_ONLY,
    schema: {
      input: z =>
        z.object({
          query: z
            .string()
            .min(1)
            .max(100)
            .describe(
              'Issue key (SAAS-1543), pull request (#150 or "PR 150") or commit sha (a 7-40 hex digit prefix)',
            ),
          entityRef: entityRefInput(z)
            .optional()
            .describe('Only this service (entity ref or name)'),
          limit: z
            .number()
            .int()
            .min(1)
            .max(20)
            .default(5)
            .describe('Services per page (default 5)'),
          commitLimit: z
            .number()
            .int()
            .min(0)
            .max(50)
            .default(5)
            .describe('Matching commits listed per service (default 5)'),
          cursor: cursorInput(z),
        }),
      output: z =>
        z.object({
          query: z.string(),
          kind: z.enum(['issue', 'pull-request', 'commit']),
          services: z.array(
            z.object({
              service: z.string(),
              repositoryId: z.string(),
              entityRef: z.string().optional(),
              summary: z.string(),
              environments: z.array(
                z.object({
                  environment: z.string(),
                  present: z.boolean(),
                  since: z.string().optional(),
                  rolloutId: z.string().optional(),
                  removedAt: z.string().optional(),
                  removedByRolloutId: z.string().optional(),
                  removedByKind: z.string().optional(),
                }),
              ),
              dwell: z.array(
                z.object({
                  from: z.string(),
                  to: z.string(),
                  seconds: z.number(),
                  duration: z.string(),
                }),
              ),
              commitCount: z.number(),
              commits: z.array(commitOutput(z)),
              link: z.string().optional(),
            }),
          ),
          totalServices: z.number(),
          nextCursor: z.string().optional(),
          link: z.string(),
        }),
    },
    action: async ({ input, credentials }) => {
      const visible = await access.visible(credentials);
      const only = input.entityRef
        ? await access.service(input.entityRef, credentials)
        : undefined;
      const wanted = (repositoryId: string, service: string) =>
        visible.has(repositoryId, service) &&
        (!only ||
          (only.repositoryId === repositoryId && only.service === service));

      const q = input.query.trim();
      const parsed = parseFeatureQuery(q);
      if ('error' in parsed && /^[0-9]{1,9}$/.test(q)) {
        // A bare number: which project's issue, or a pull request?
        const candidates = (
          await correlation.featureCandidates(String(Number(q)))
        ).filter(c => wanted(c.repositoryId, c.service));
        const names = [
          ...new Set(candidates.map(c => `${c.query} (${c.service})`)),
        ].slice(0, 10);
        throw new InputError(
          names.length
            ? `"${q}" is ambiguous: an issue key needs its project and a pull request its "#". Candidates: ${names.join(
                ', ',
              )}. Ask again with one of them.`
            : `"${q}" is ambiguous and matches no issue key (PROJECT-${q}) or pull request (#${q}) of the services you may read`,
        );
      }
      const answer = await correlation.lookupFeature(q); // InputError names the three forms
      const services = answer.services.filter(s =>
        wanted(s.repositoryId, s.service),
      );
      if (answer.kind === 'commit') {
        const shas = new Map(
          services.flatMap(s =>
            s.commits.map(c => [c.sha, `${s.service}: ${c.subject}`] as const),
          ),
        );
        if (shas.size > 1) {
          throw new InputError(
            `commit "${q}" is ambiguous: it prefixes ${
              shas.size
            } commits. Candidates: ${[...shas]
              .slice(0, 10)
              .map(([sha, what]) => `${sha.slice(0, 12)} (${what})`)
              .join(', ')}. Ask again with a longer prefix.`,
          );
        }
      }
      const { items, nextCursor } = page(services, input.limit, input.cursor);
      return {
        output: {
          query: answer.query,
          kind: answer.kind,
          services: items.map(s => {
            const entityRef = visible.entityRefOf(s.repositoryId, s.service);
            return {
              service: s.service,
              repositoryId: s.repositoryId,
              ...(entityRef ? { entityRef } : {}),
              summary: summaryOf(s),
              environments: s.environments,
              dwell: s.dwell.map(d => ({
                ...d,
                duration: humanDuration(d.seconds),
              })),
              commitCount: s.commits.length,
              commits: s.commits.slice(0, input.commitLimit).map(compactCommit),
              ...(entityRef ? { link: links.entity(entityRef) } : {}),
            };
          }),
          totalServices: services.length,
          ...(nextCursor ? { nextCursor } : {}),
          link: links.features(answer.query),
        },
      };
    },
  });
}
