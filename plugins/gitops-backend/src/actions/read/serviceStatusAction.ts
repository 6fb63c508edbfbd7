import type { ActionsRegistryService } from '@backstage/backend-plugin-api/alpha';
import type { Entity } from '@backstage/catalog-model';
import type {
  EnvironmentLiveStatus,
  PendingChangesResponse,
  ServiceStatusResponse,
} from '@gitops2/plugin-gitops-common';
import type { CorrelationService } from '../../service/CorrelationService';
import { entityRefInput, READ_ONLY, ReadActionDeps } from './readActions';

/** At most this many environment pairs are compared in one answer. */
const MAX_PAIRS = 12;

/**
 * The pairs a promotion would move between: the first environment of each
 * stage → every environment of the next stage (staging → prod-us, staging →
 * prod-eu), as promotions go.
 */
export function promotionPairs(
  status: ServiceStatusResponse,
): Array<{ from: string; to: string }> {
  const shown = new Set(status.environments.map(e => e.environment.name));
  const stages = (status.pipeline?.stages ?? [])
    .map(s => s.environments.filter(e => shown.has(e)))
    .filter(s => s.length > 0);
  const pairs: Array<{ from: string; to: string }> = [];
  for (let i = 0; i + 1 < stages.length; i++)
    for (const to of stages[i + 1]) pairs.push({ from: stages[i][0], to });
  return pairs;
}

/** What promoting `from` into `to` would bring, in a few fields. */
export async function pendingSummary(
  correlation: Pick<CorrelationService, 'getPendingChanges'>,
  entity: Entity,
  from: string,
  to: string,
) {
  let answer: PendingChangesResponse;
  try {
    answer = await correlation.getPendingChanges(entity, from, to);
  } catch (e) {
    return { from, to, status: 'error', message: (e as Error).message };
  }
  const cs = answer.changeSet;
  // The keys and pull requests of the commits `to` lacks (as the tab shows).
  const keys = new Set(cs.added.flatMap(c => c.issueKeys));
  const prs = new Set(cs.added.flatMap(c => c.pullRequests));
  return {
    from,
    to,
    ...(answer.fromVersion ? { fromVersion: answer.fromVersion } : {}),
    ...(answer.toVersion ? { toVersion: answer.toVersion } : {}),
    status: cs.status as string,
    ...(cs.message ? { message: cs.message } : {}),
    commits: cs.added.length,
    commitsOnlyInTarget: cs.removed.length,
    pullRequests: cs.pullRequests
      .map(p => p.number)
      .filter(n => prs.has(n))
      .slice(0, 50),
    issueKeys: cs.issueKeys
      .map(i => i.key)
      .filter(k => keys.has(k))
      .slice(0, 50),
  };
}

function liveFields(live: EnvironmentLiveStatus | undefined) {
  if (!live)
    return { health: 'Unknown', sync: 'Unknown', observedVersions: [] };
  return {
    health: live.health as string,
    sync: live.sync as string,
    observedVersions: live.observedVersions,
    ...(live.drift ? { drift: live.drift.message } : {}),
    ...(live.replicas
      ? {
          replicas: {
            ready: live.replicas.ready,
            desired: live.replicas.desired,
          },
        }
      : {}),
    ...(live.lastSyncAt ? { lastSyncAt: live.lastSyncAt } : {}),
    ...(live.connection
      ? {
          cluster: `${live.connection.cluster} ${live.connection.state}${
            live.connection.message ? `: ${live.connection.message}` : ''
          }`,
        }
      : {}),
  };
}

/**
 * "Is it healthy? What runs where? Does Git match the cluster? What differs
 * between staging and prod?": the GitOps tab of a service in one answer.
 */
export function registerServiceStatusAction(
  registry: ActionsRegistryService,
  deps: ReadActionDeps,
): void {
  const { access, gitops, live, correlation, links } = deps;
  registry.register({
    name: 'get-service-status',
    title: 'Status of a service in every environment',
    description:
      'The GitOps tab of one service: for every environment of its promotion pipeline (dev → qa → staging → prod-us + prod-eu ...), ' +
      'the version Git asks for and its last change, health and sync as observed in the cluster, drift (Git says X, the cluster runs Y), replicas, ' +
      'and, per environment pair along the pipeline (e.g. staging → prod-eu), what a promotion would bring: number of commits, pull requests and issue keys. ' +
      'Use get-change-set with from/to for the commits themselves.',
    attributes: READ_ONLY,
    schema: {
      input: z =>
        z.object({
          entityRef: entityRefInput(z),
          environments: z
            .array(z.string().min(1).max(63))
            .max(20)
            .optional()
            .describe('Only these environments (default: all)'),
          includePending: z
            .boolean()
            .default(true)
            .describe(
              'Compare environment pairs (reads the source repository once per pair)',
            ),
        }),
      output: z =>
        z.object({
          service: z.string(),
          entityRef: z.string(),
          repositoryId: z.string(),
          stages: z.array(
            z.object({ name: z.string(), environments: z.array(z.string()) }),
          ),
          pipelineError: z.string().optional(),
          environments: z.array(
            z.object({
              environment: z.string(),
              stage: z.string(),
              version: z.string().nullable(),
              lastChange: z
                .object({
                  sha: z.string(),
                  subject: z.string(),
                  authorName: z.string(),
                  committedAt: z.string(),
                })
                .optional(),
              error: z.string().optional(),
              health: z.string(),
              sync: z.string(),
              observedVersions: z.array(z.string()),
              drift: z.string().optional(),
              replicas: z
                .object({ ready: z.number(), desired: z.number() })
                .optional(),
              lastSyncAt: z.string().optional(),
              cluster: z.string().optional(),
            }),
          ),
          pending: z.array(
            z.object({
              from: z.string(),
              to: z.string(),
              fromVersion: z.string().optional(),
              toVersion: z.string().optional(),
              status: z.string(),
              message: z.string().optional(),
              commits: z.number().optional(),
              commitsOnlyInTarget: z.number().optional(),
              pullRequests: z.array(z.number()).optional(),
              issueKeys: z.array(z.string()).optional(),
            }),
          ),
          link: z.string(),
        }),
    },
    action: async ({ input, credentials }) => {
      const target = await access.service(input.entityRef, credentials);
      const status = await gitops.getServiceStatus(target.entity);
      const liveStatus = live
        ? await live
            .getServiceLive(target.repositoryId, target.service)
            .catch(() => undefined)
        : undefined;
      const only = input.environments ? new Set(input.environments) : undefined;
      const liveOf = new Map(
        (liveStatus?.environments ?? []).map(e => [e.environment, e]),
      );
      const environments = status.environments
        .filter(e => !only || only.has(e.environment.name))
        .map(e => ({
          environment: e.environment.name,
          stage: e.environment.stage,
          version: e.desired?.version ?? null,
          ...(e.desired?.lastChange
            ? {
                lastChange: {
                  sha: e.desired.lastChange.sha,
                  subject: e.desired.lastChange.subject,
                  authorName: e.desired.lastChange.authorName,
                  committedAt: e.desired.lastChange.committedAt,
                },
              }
            : {}),
          ...(e.error ? { error: e.error.message } : {}),
          ...liveFields(liveOf.get(e.environment.name)),
        }));
      const pairs = input.includePending
        ? promotionPairs(status)
            .filter(p => !only || only.has(p.from) || only.has(p.to))
            .slice(0, MAX_PAIRS)
        : [];
      const pending = [];
      for (const p of pairs)
        pending.push(
          await pendingSummary(correlation, target.entity, p.from, p.to),
        );
      return {
        output: {
          service: target.service,
          entityRef: target.entityRef,
          repositoryId: target.repositoryId,
          stages: (status.pipeline?.stages ?? []).map(s => ({
            name: s.name,
            environments: s.environments,
          })),
          ...(status.pipelineError
            ? { pipelineError: status.pipelineError.message }
            : {}),
          environments,
          pending,
          link: links.entity(target.entityRef),
        },
      };
    },
  });
}
