/*
 * Live status of one service in one environment, computed from the watch
 * cache of its cluster and from the ledger. Pure: no I/O, no clock.
 */
import type {
  HealthStatus,
  PodCounts,
  SyncStatus,
} from '@gitops2/plugin-gitops-common';
import type {
  ClusterSnapshot,
  ConditionSummary,
  DeliverySummary,
  PodSummary,
  WorkloadSummary,
} from './types';

/** Where a service runs in one environment, from the pipeline file. */
export interface Placement {
  service: string;
  environment: string;
  namespace?: string;
  /** Names the pipeline file gives (its locator options), when it gives any. */
  names?: PipelineNames;
}

/** What the pipeline entry of a (service, environment) names. */
export interface PipelineNames {
  /** Argo CD Application names (`argocd-application` locator, option `application`). */
  applications?: string[];
  /** Container names (`container-image` locator, option `container`). */
  containers?: string[];
  /** Image repositories (`image` option of the image locators), e.g. ghcr.io/acme/api. */
  images?: string[];
}

/** The names in a stored pipeline entry (`{ locator: { type, options } }`). */
export function pipelineNames(entry: unknown): PipelineNames {
  const locator = (
    entry as { locator?: { type?: string; options?: Record<string, unknown> } }
  )?.locator;
  const o = locator?.options ?? {};
  const str = (v: unknown) => (typeof v === 'string' && v ? [v] : []);
  return {
    applications:
      locator?.type === 'argocd-application' ? str(o.application) : [],
    containers: str(o.container),
    images: str(o.image),
  };
}

/** The objects of one (service, environment). */
export interface MatchedObjects {
  workloads: WorkloadSummary[];
  pods: PodSummary[];
  deliveries: DeliverySummary[];
}

/** What the watcher writes per (service, environment): cluster facts only. */
export interface ObservedStatus {
  health: HealthStatus;
  appliedRevision?: string;
  /** Argo CD's own sync verdict, when there is one. */
  deliverySync?: string;
  replicas?: { ready: number; desired: number; updated?: number };
  pods?: PodCounts;
  observedVersions: string[];
  lastSyncAt?: string;
}

const inNamespace = (ns: string, want?: string) => !want || ns === want;

/**
 * The objects of a service in an environment: workloads labelled
 * `backstage.io/kubernetes-id: <service>` or named after the service (in the
 * environment's namespace); Argo CD Applications / Flux objects labelled so,
 * or named `<service>` / `<service>-<environment>` and deploying into the
 * namespace; pods owned by the workloads (through their ReplicaSets) or
 * labelled with the service.
 */
export function matchObjects(
  snapshot: ClusterSnapshot,
  placement: Placement,
): MatchedObjects {
  const { service, environment, namespace } = placement;
  const images = new Set(placement.names?.images ?? []);
  const workloads = snapshot.workloads.filter(
    w =>
      inNamespace(w.namespace, namespace) &&
      (w.kubernetesId === service ||
        (!w.kubernetesId &&
          (w.name === service ||
            w.images.some(i => images.has(repositoryOfImage(i.image)))))),
  );
  const owners = new Set(workloads.map(w => w.uid));
  for (const rs of snapshot.replicaSets) {
    if (rs.ownerUid && owners.has(rs.ownerUid)) owners.add(rs.uid);
  }
  const pods = snapshot.pods.filter(
    p =>
      inNamespace(p.namespace, namespace) &&
      ((p.ownerUid && owners.has(p.ownerUid)) ||
        (!p.ownerUid && p.kubernetesId === service)),
  );
  const names = new Set([
    service,
    `${service}-${environment}`,
    ...(placement.names?.applications ?? []),
  ]);
  const deliveries = snapshot.deliveries.filter(d => {
    const named = d.kubernetesId === service || names.has(d.name);
    if (!named) return false;
    return !namespace || !d.targetNamespace || d.targetNamespace === namespace;
  });
  return { workloads, pods, deliveries };
}

/** Version of an image reference: the digest when pinned, else the tag. */
export function versionOfImage(image: string): string | undefined {
  const at = image.indexOf('@');
  if (at >= 0) return image.slice(at + 1);
  const lastSlash = image.lastIndexOf('/');
  const colon = image.indexOf(':', lastSlash + 1);
  return colon >= 0 ? image.slice(colon + 1) : 'latest';
}

function repositoryOfImage(image: string): string {
  const noDigest = image.split('@')[0];
  const lastSlash = noDigest.lastIndexOf('/');
  const colon = noDigest.indexOf(':', lastSlash + 1);
  return colon >= 0 ? noDigest.slice(0, colon) : noDigest;
}

/**
 * Containers that carry the service's version: those named after the service
 * or the workload, or whose image repository ends with the service name;
 * sidecars (log shippers, proxies) are ignored. When none match, all count.
 */
function mainImages(
  images: Array<{ container: string; image: string }>,
  service: string,
  workloadNames: string[],
  names?: PipelineNames,
): string[] {
  // What the pipeline names wins; else containers named after the service or
  // workload, or whose image repository ends with the service name.
  const named = images.filter(
    i =>
      (names?.containers ?? []).includes(i.container) ||
      (names?.images ?? []).includes(repositoryOfImage(i.image)),
  );
  if (named.length > 0) return named.map(i => i.image);
  const main = images.filter(
    i =>
      i.container === service ||
      workloadNames.includes(i.container) ||
      repositoryOfImage(i.image).split('/').pop() === service,
  );
  return (main.length > 0 ? main : images).map(i => i.image);
}

export function countPods(pods: PodSummary[]): PodCounts {
  const c: PodCounts = {
    running: 0,
    pending: 0,
    failed: 0,
    crashLooping: 0,
    total: 0,
  };
  for (const p of pods) {
    c.total++;
    if (p.crashLooping) c.crashLooping++;
    if (p.phase === 'Running') c.running++;
    else if (p.phase === 'Pending') c.pending++;
    else if (p.phase === 'Failed') c.failed++;
  }
  return c;
}

const condition = (list: ConditionSummary[], type: string) =>
  list.find(c => c.type === type);

/** Health of a Deployment / StatefulSet from its conditions, replicas and pods. */
export function workloadHealth(
  w: WorkloadSummary,
  pods: PodSummary[],
): HealthStatus {
  const progressing = condition(w.conditions, 'Progressing');
  if (
    progressing?.status === 'False' ||
    progressing?.reason === 'ProgressDeadlineExceeded'
  ) {
    return 'Degraded';
  }
  if (condition(w.conditions, 'ReplicaFailure')?.status === 'True')
    return 'Degraded';
  if (
    w.observedGeneration !== undefined &&
    w.generation !== undefined &&
    w.observedGeneration < w.generation
  ) {
    return 'Progressing';
  }
  if (w.desired === 0) return 'Healthy';
  if (w.updated < w.desired || w.ready < w.desired) {
    return pods.some(p => p.crashLooping) && w.ready === 0
      ? 'Degraded'
      : 'Progressing';
  }
  const available = condition(w.conditions, 'Available');
  if (available && available.status !== 'True') return 'Progressing';
  return 'Healthy';
}

/** Health from a Flux object's Ready condition. */
export function fluxHealth(d: DeliverySummary): HealthStatus {
  const ready = condition(d.conditions, 'Ready');
  if (!ready) return 'Progressing';
  if (ready.status === 'True') return 'Healthy';
  if (ready.status === 'Unknown') return 'Progressing';
  const reason = ready.reason ?? '';
  if (/Progressing|DependencyNotReady|Reconciling/.test(reason))
    return 'Progressing';
  return 'Degraded';
}

/** Argo CD health → ours (Suspended counts as Progressing: not serving the new state yet). */
export function argoHealth(status: string | undefined): HealthStatus {
  switch (status) {
    case 'Healthy':
    case 'Progressing':
    case 'Degraded':
    case 'Missing':
      return status;
    case 'Suspended':
      return 'Progressing';
    default:
      return 'Unknown';
  }
}

const RANK: Record<HealthStatus, number> = {
  Healthy: 0,
  Unknown: 1,
  Progressing: 2,
  Missing: 3,
  Degraded: 4,
};

/** The worst of several health verdicts. */
export function worstHealth(list: HealthStatus[]): HealthStatus {
  return list.reduce<HealthStatus>(
    (a, b) => (RANK[b] > RANK[a] ? b : a),
    'Healthy',
  );
}

/**
 * The observed state of a service in an environment. Health comes from Argo
 * CD when an Application manages it, else from Flux's Ready condition, else
 * from the workloads' conditions and replicas; nothing found → Missing.
 */
export function observeService(
  matched: MatchedObjects,
  service: string,
  names?: PipelineNames,
): ObservedStatus {
  const { workloads, pods, deliveries } = matched;
  const argo = deliveries.find(d => d.kind === 'Application');
  const flux = deliveries.filter(d => d.kind !== 'Application');
  const live = pods.filter(
    p => p.phase !== 'Succeeded' && p.phase !== 'Failed',
  );
  const workloadNames = workloads.map(w => w.name);
  const images = live.length
    ? live.flatMap(p => mainImages(p.images, service, workloadNames, names))
    : workloads.flatMap(w =>
        mainImages(w.images, service, workloadNames, names),
      );
  const observedVersions = [
    ...new Set(images.map(versionOfImage).filter((v): v is string => !!v)),
  ].sort();

  let health: HealthStatus;
  if (argo) health = argoHealth(argo.health);
  else if (flux.length) health = worstHealth(flux.map(fluxHealth));
  else if (workloads.length)
    health = worstHealth(workloads.map(w => workloadHealth(w, pods)));
  else health = 'Missing';
  // Argo CD / Flux may lag behind the workloads: a service with no workload
  // is Missing, and a degraded workload makes the service Degraded.
  if (health === 'Healthy' && workloads.length === 0) health = 'Missing';
  if (
    health === 'Healthy' &&
    workloads.some(w => workloadHealth(w, pods) === 'Degraded')
  ) {
    health = 'Degraded';
  }

  const delivery = argo ?? flux[0];
  const replicas = workloads.length
    ? {
        ready: workloads.reduce((s, w) => s + w.ready, 0),
        desired: workloads.reduce((s, w) => s + w.desired, 0),
        updated: workloads.reduce((s, w) => s + w.updated, 0),
      }
    : undefined;
  return {
    health,
    appliedRevision: delivery?.revision,
    deliverySync: argo?.sync,
    replicas,
    pods: workloads.length || pods.length ? countPods(pods) : undefined,
    observedVersions,
    lastSyncAt: delivery?.lastSyncAt,
  };
}

/** Same commit, allowing either side to be abbreviated (≥ 7 characters). */
export function sameRevision(a: string, b: string): boolean {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  if (x === y) return true;
  return (
    Math.min(x.length, y.length) >= 7 && (x.startsWith(y) || y.startsWith(x))
  );
}

/**
 * Synced when the cluster applied the GitOps head of the repository (and
 * Argo CD, when present, does not itself say OutOfSync).
 */
export function computeSync(
  observed: Pick<ObservedStatus, 'appliedRevision' | 'deliverySync'>,
  gitHead: string | undefined,
): SyncStatus {
  if (observed.deliverySync === 'OutOfSync') return 'OutOfSync';
  if (!observed.appliedRevision || !gitHead) {
    return observed.deliverySync === 'Synced' ? 'Synced' : 'Unknown';
  }
  return sameRevision(observed.appliedRevision, gitHead)
    ? 'Synced'
    : 'OutOfSync';
}

/** Drift: the version Git wants is not among the versions running. */
export function computeDrift(
  desired: string | null | undefined,
  observedVersions: string[],
): { desired: string; observed: string[]; message: string } | undefined {
  if (!desired || observedVersions.length === 0) return undefined;
  const matches = observedVersions.some(
    v => v === desired || v === `v${desired}` || `v${v}` === desired,
  );
  if (matches) return undefined;
  return {
    desired,
    observed: observedVersions,
    message: `Git wants ${desired}, the cluster runs ${observedVersions.join(
      ', ',
    )}`,
  };
}

/** The version shown for an environment: what runs (the desired one when it runs among others). */
export function displayVersion(
  desired: string | null | undefined,
  observedVersions: string[],
): string | null {
  if (observedVersions.length === 0) return desired ?? null;
  if (desired && !computeDrift(desired, observedVersions)) return desired;
  return observedVersions[observedVersions.length - 1];
}

/** What a rollout's outcome becomes given what the cluster shows. */
export function rolloutOutcome(
  current: string,
  toVersion: string,
  observed: Pick<ObservedStatus, 'health' | 'observedVersions'>,
): 'succeeded' | 'degraded' | 'progressing' | undefined {
  // Final outcomes (verification by deployment steps included) stay.
  if (
    current === 'succeeded' ||
    current === 'verified' ||
    current === 'failed' ||
    current === 'rolled-back'
  )
    return undefined;
  const present =
    !computeDrift(toVersion, observed.observedVersions) &&
    observed.observedVersions.length > 0;
  if (!present) return undefined;
  const only = observed.observedVersions.every(
    v => !computeDrift(toVersion, [v]),
  );
  if (observed.health === 'Healthy' && only)
    return current === 'succeeded' ? undefined : 'succeeded';
  if (observed.health === 'Degraded')
    return current === 'degraded' ? undefined : 'degraded';
  return current === 'progressing' || current === 'degraded'
    ? undefined
    : 'progressing';
}

/** Versions running that Git never had for the service (out-of-band changes). */
export function outOfBandVersions(
  observedVersions: string[],
  gitVersions: Iterable<string>,
): string[] {
  const known = [...gitVersions];
  return observedVersions.filter(v =>
    known.every(k => computeDrift(k, [v]) !== undefined),
  );
}

/**
 * How many versions `version` lags `ahead`, counted on the ordered list of
 * versions the previous stage ran (oldest first). Undefined when either is
 * not in the history.
 */
export function versionsBehind(
  version: string | null,
  ahead: string | null,
  history: string[],
): number | undefined {
  if (!version || !ahead) return undefined;
  if (version === ahead) return 0;
  const distinct: string[] = [];
  for (const v of history)
    if (distinct[distinct.length - 1] !== v) distinct.push(v);
  const a = distinct.lastIndexOf(ahead);
  const b = distinct.lastIndexOf(version);
  if (a < 0 || b < 0) return undefined;
  return Math.max(0, a - b);
}
