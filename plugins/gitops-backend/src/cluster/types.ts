/*
 * What the watcher keeps of each Kubernetes object: small summaries, never
 * whole objects (and never Secrets: they are not watched at all).
 */

/** A condition, as Kubernetes, Argo CD and Flux write them. */
export interface ConditionSummary {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

/** A Deployment or StatefulSet. */
export interface WorkloadSummary {
  kind: 'Deployment' | 'StatefulSet';
  namespace: string;
  name: string;
  uid: string;
  kubernetesId?: string;
  generation?: number;
  observedGeneration?: number;
  desired: number;
  ready: number;
  updated: number;
  available: number;
  /** Images of the pod template, by container name. */
  images: Array<{ container: string; image: string }>;
  conditions: ConditionSummary[];
}

/** A ReplicaSet: only what links pods to their Deployment. */
export interface ReplicaSetSummary {
  namespace: string;
  name: string;
  uid: string;
  ownerUid?: string;
  desired: number;
}

/** A Pod, by state. */
export interface PodSummary {
  namespace: string;
  name: string;
  ownerUid?: string;
  kubernetesId?: string;
  phase: string;
  ready: boolean;
  crashLooping: boolean;
  images: Array<{ container: string; image: string }>;
}

/** An Argo CD Application, a Flux Kustomization or a Flux HelmRelease. */
export interface DeliverySummary {
  kind: 'Application' | 'Kustomization' | 'HelmRelease';
  namespace: string;
  name: string;
  kubernetesId?: string;
  /** Namespace it deploys to. */
  targetNamespace?: string;
  /** Argo CD health.status. */
  health?: string;
  /** Argo CD sync.status. */
  sync?: string;
  /** Argo CD operationState.phase. */
  operationPhase?: string;
  /** Git revision applied: Argo CD sync.revision, Flux lastAppliedRevision (sha only). */
  revision?: string;
  lastSyncAt?: string;
  conditions: ConditionSummary[];
}

/** Everything one cluster's watcher holds, read by the status computation. */
export interface ClusterSnapshot {
  workloads: WorkloadSummary[];
  replicaSets: ReplicaSetSummary[];
  pods: PodSummary[];
  deliveries: DeliverySummary[];
}
