import type { RolloutChangeSummary } from './correlation';

/**
 * Cluster observation: what the clusters actually run, read by one elected
 * backend replica through list + watch and served from the backend's store.
 * A page view never reaches a cluster.
 */

/** @public */
export type HealthStatus =
  | 'Healthy'
  | 'Progressing'
  | 'Degraded'
  | 'Missing'
  | 'Unknown';

/** @public */
export type SyncStatus = 'Synced' | 'OutOfSync' | 'Unknown';

/** State of the connection to one cluster. @public */
export interface ClusterConnection {
  cluster: string;
  state: 'connected' | 'connecting' | 'unreachable' | 'unauthorized';
  /** Since when the cluster is unreachable/unauthorized (ISO 8601). */
  since?: string;
  message?: string;
  /** Last event received from the cluster (ISO 8601). */
  lastEventAt?: string;
}

/** Pods of a workload, counted by state (never whole objects). @public */
export interface PodCounts {
  running: number;
  pending: number;
  failed: number;
  /** Containers waiting in CrashLoopBackOff / ImagePullBackOff. */
  crashLooping: number;
  total: number;
}

/** Live state of one service in one environment. @public */
export interface EnvironmentLiveStatus {
  service: string;
  environment: string;
  cluster?: string;
  namespace?: string;
  health: HealthStatus;
  sync: SyncStatus;
  /** Git revision the cluster applied (Argo CD sync.revision / Flux lastAppliedRevision). */
  appliedRevision?: string;
  /** Git revision Git holds for the environment (the ingested head). */
  desiredRevision?: string;
  replicas?: { ready: number; desired: number; updated?: number };
  pods?: PodCounts;
  /** Versions of the running containers, read from their images. */
  observedVersions: string[];
  /** Git says X, the cluster runs Y. */
  drift?: { desired: string; observed: string[]; message: string };
  lastSyncAt?: string;
  /** Last change of the live state (ISO 8601). */
  updatedAt?: string;
  /** The cluster connection, when it is not `connected` (cells show "unreachable since …"). */
  connection?: ClusterConnection;
  /**
   * `events`: the portal has no cluster credentials for this environment and
   * the status comes from the last Argo CD / Flux notification (events-only
   * mode, docs/cd-events.md). Absent: from the watched cluster, or unknown.
   */
  source?: 'events';
  /** The notification the status comes from, when `source` is `events`. */
  events?: {
    tool: 'argocd' | 'flux';
    /** `namespace/name` of the Argo CD Application / Flux object. */
    app: string;
    /** When the tool reported it (ISO 8601). */
    at: string;
    /** Argo CD operationState.phase. */
    operationPhase?: string;
    /** Flux event reason. */
    reason?: string;
    message?: string;
  };
}

/** Response of GET /v1/entities/…/live. @public */
export interface ServiceLiveResponse {
  service: string;
  environments: EnvironmentLiveStatus[];
  clusters: ClusterConnection[];
}

/** One environment on the multi-environment dashboard. @public */
export interface DashboardEnvironment {
  name: string;
  stage: string;
  url?: string;
  cluster?: string;
  /** DEPLOYED: all healthy; IN PROGRESS: something progressing; ERROR: degraded / unreachable. */
  status: 'DEPLOYED' | 'IN PROGRESS' | 'ERROR' | 'UNKNOWN';
  counts: {
    services: number;
    deployments: number;
    healthy: number;
    progressing: number;
    degraded: number;
    pods: PodCounts;
  };
  recentRollouts: Array<{
    id: string;
    service: string;
    fromVersion: string | null;
    toVersion: string;
    kind: string;
    outcome: string;
    desiredAt: string;
    /** What it carried, once correlated (as `Rollout.changes`). */
    changes?: RolloutChangeSummary;
  }>;
  connection?: ClusterConnection;
}

/** Response of GET /v1/dashboard. @public */
export interface DashboardResponse {
  repositoryId: string;
  environments: DashboardEnvironment[];
  /** services × environments: version and how many versions behind the previous stage. */
  matrix: Array<{
    service: string;
    cells: Record<
      string,
      {
        version: string | null;
        behind?: number;
        health?: HealthStatus;
        drift?: boolean;
      }
    >;
  }>;
  generatedAt: string;
}
