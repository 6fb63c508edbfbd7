import type {
  DashboardResponse,
  EntityRefParts,
  EnvironmentLiveStatus,
  PipelineDefinition,
  EnvironmentStatus,
} from '@gitops2/plugin-gitops-common';
import type { GitopsFrontendApi } from '../../api';
import { groupByStage } from '../shared';
import { usePolledAsync } from './usePolledAsync';
import { changeKeysOf, SERVICE_THROTTLE_MS } from '../../api/useGitopsChanges';

/** What the cards of the GitOps tab show of the clusters. */
export interface LiveView {
  /** Live status per environment name. */
  byEnvironment: Map<string, EnvironmentLiveStatus>;
  /** The last request failed (the last loaded values stay in byEnvironment). */
  error?: Error;
  loading: boolean;
  /** Versions behind the previous stage's first environment, per environment. */
  behind: Map<string, { count: number; previous: string }>;
  /** Version each environment runs, per the dashboard matrix. */
  versions: Map<string, string | null>;
}

/**
 * Live status of a service and the dashboard row of the service (versions
 * and how far each environment is behind the previous stage), from our
 * backend: refetched on the service's change signals (live status on
 * `live` and `outcome`, the row on those and `rollouts`; a burst once at
 * once and once a second later), and every 60 s while
 * live updates are not connected (`useLiveRefresh`), while the page is visible.
 */
export function useServiceLive(
  api: GitopsFrontendApi,
  entity: EntityRefParts,
  enabled: boolean,
  status?: {
    service: string;
    repository: { id: string };
    changeKey?: string;
    repositoryChangeKey?: string;
    pipeline: PipelineDefinition | null;
    environments: EnvironmentStatus[];
  },
): LiveView {
  const identity = `${entity.kind}/${entity.namespace}/${entity.name}/${enabled}`;
  const repositoryId = status?.repository.id;
  // Refetched on the backend's change signals of this service (live
  // status, outcomes) once the API gave its change keys.
  const keys = changeKeysOf(status);
  const live = usePolledAsync(
    async () => (enabled ? api.getLive(entity) : undefined),
    identity,
    [api],
    undefined,
    undefined,
    keys && {
      keys,
      kinds: ['live', 'outcome'],
      throttleMs: SERVICE_THROTTLE_MS,
    },
  );
  const dashboard = usePolledAsync<DashboardResponse | undefined>(
    async () =>
      enabled && repositoryId ? api.getDashboard(repositoryId) : undefined,
    `${identity}/${repositoryId}`,
    [api],
    undefined,
    undefined,
    // Versions (desired, or what the clusters report) and how far behind:
    // not the service's actions and holds.
    keys && {
      keys,
      kinds: ['rollouts', 'live', 'outcome'],
      throttleMs: SERVICE_THROTTLE_MS,
    },
  );

  const byEnvironment = new Map<string, EnvironmentLiveStatus>();
  for (const env of live.value?.environments ?? []) {
    byEnvironment.set(env.environment, env);
  }

  const behind = new Map<string, { count: number; previous: string }>();
  const versions = new Map<string, string | null>();
  const row = status
    ? dashboard.value?.matrix.find(r => r.service === status.service)
    : undefined;
  if (status && row) {
    const stages = groupByStage(status);
    stages.forEach((stage, i) => {
      const previous = stages[i - 1]?.environments[0]?.environment.name;
      for (const env of stage.environments) {
        const cell = row.cells[env.environment.name];
        if (!cell) continue;
        versions.set(env.environment.name, cell.version);
        if (previous && cell.behind !== undefined) {
          behind.set(env.environment.name, { count: cell.behind, previous });
        }
      }
    });
  }

  return {
    byEnvironment,
    error: live.error,
    loading: live.loading,
    behind,
    versions,
  };
}
