/*
 * Kubernetes objects → the summaries kept in the watch cache. Pure.
 */
import type {
  ConditionSummary,
  DeliverySummary,
  PodSummary,
  ReplicaSetSummary,
  WorkloadSummary,
} from './types';

export const KUBERNETES_ID_LABEL = 'backstage.io/kubernetes-id';

const num = (v: unknown): number => (typeof v === 'number' ? v : 0);
const str = (v: unknown): string | undefined =>
  typeof v === 'string' && v !== '' ? v : undefined;

function conditions(list: unknown): ConditionSummary[] {
  if (!Array.isArray(list)) return [];
  return list
    .filter(c => c && typeof c.type === 'string')
    .map(c => ({
      type: c.type,
      status: String(c.status ?? 'Unknown'),
      ...(str(c.reason) ? { reason: c.reason } : {}),
      ...(str(c.message) ? { message: String(c.message).slice(0, 512) } : {}),
    }));
}

function containerImages(
  spec: any,
): Array<{ container: string; image: string }> {
  const containers: any[] = Array.isArray(spec?.containers)
    ? spec.containers
    : [];
  return containers
    .filter(c => typeof c?.image === 'string')
    .map(c => ({ container: String(c.name ?? ''), image: c.image }));
}

function controllerUid(metadata: any): string | undefined {
  const refs: any[] = Array.isArray(metadata?.ownerReferences)
    ? metadata.ownerReferences
    : [];
  return (refs.find(r => r.controller) ?? refs[0])?.uid;
}

/** Git sha of a revision: `main@sha1:abc…` → `abc…`; a plain sha stays. */
export function revisionSha(revision: unknown): string | undefined {
  const s = str(revision);
  if (!s) return undefined;
  const m = /(?:sha1|sha256):([0-9a-f]+)$/i.exec(s);
  return (m ? m[1] : s).slice(0, 64);
}

export function summarizeWorkload(
  kind: 'Deployment' | 'StatefulSet',
  o: any,
): WorkloadSummary {
  const status = o.status ?? {};
  return {
    kind,
    namespace: o.metadata?.namespace ?? '',
    name: o.metadata?.name ?? '',
    uid: o.metadata?.uid ?? '',
    kubernetesId: str(o.metadata?.labels?.[KUBERNETES_ID_LABEL]),
    generation: o.metadata?.generation,
    observedGeneration: status.observedGeneration,
    desired: typeof o.spec?.replicas === 'number' ? o.spec.replicas : 1,
    ready: num(status.readyReplicas),
    updated: num(status.updatedReplicas),
    available: num(status.availableReplicas),
    images: containerImages(o.spec?.template?.spec),
    conditions: conditions(status.conditions),
  };
}

export function summarizeReplicaSet(o: any): ReplicaSetSummary {
  return {
    namespace: o.metadata?.namespace ?? '',
    name: o.metadata?.name ?? '',
    uid: o.metadata?.uid ?? '',
    ownerUid: controllerUid(o.metadata),
    desired: num(o.spec?.replicas),
  };
}

export function summarizePod(o: any): PodSummary {
  const statuses: any[] = Array.isArray(o.status?.containerStatuses)
    ? o.status.containerStatuses
    : [];
  const readyCondition = (o.status?.conditions ?? []).find(
    (c: any) => c?.type === 'Ready',
  );
  return {
    namespace: o.metadata?.namespace ?? '',
    name: o.metadata?.name ?? '',
    ownerUid: controllerUid(o.metadata),
    kubernetesId: str(o.metadata?.labels?.[KUBERNETES_ID_LABEL]),
    phase: str(o.status?.phase) ?? 'Pending',
    ready: readyCondition?.status === 'True',
    crashLooping: statuses.some(s =>
      ['CrashLoopBackOff', 'ImagePullBackOff', 'ErrImagePull'].includes(
        s?.state?.waiting?.reason,
      ),
    ),
    images: containerImages(o.spec),
  };
}

export function summarizeDelivery(
  kind: 'Application' | 'Kustomization' | 'HelmRelease',
  o: any,
): DeliverySummary {
  const status = o.status ?? {};
  const base = {
    kind,
    namespace: o.metadata?.namespace ?? '',
    name: o.metadata?.name ?? '',
    kubernetesId: str(o.metadata?.labels?.[KUBERNETES_ID_LABEL]),
    conditions: conditions(status.conditions),
  };
  if (kind === 'Application') {
    return {
      ...base,
      targetNamespace: str(o.spec?.destination?.namespace),
      health: str(status.health?.status),
      sync: str(status.sync?.status),
      operationPhase: str(status.operationState?.phase),
      revision: revisionSha(status.sync?.revision),
      lastSyncAt:
        str(status.operationState?.finishedAt) ?? str(status.reconciledAt),
    };
  }
  const readyTransition = (
    Array.isArray(status.conditions) ? status.conditions : []
  ).find((c: any) => c?.type === 'Ready')?.lastTransitionTime;
  return {
    ...base,
    targetNamespace: str(o.spec?.targetNamespace),
    revision: revisionSha(
      kind === 'Kustomization'
        ? status.lastAppliedRevision
        : status.lastAppliedRevision ?? status.history?.[0]?.chartVersion,
    ),
    lastSyncAt: str(readyTransition) ?? str(status.lastHandledReconcileAt),
  };
}
