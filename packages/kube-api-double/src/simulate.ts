/*
 * Rollout simulation: drives a Deployment (and the Argo CD Application or
 * Flux Kustomization managing it) through the states the real controllers
 * write during a rollout, for the demo and for tests of rollout outcomes.
 */
import { deploymentSet } from './fixtures/workloads';

/** What a rollout is applied to: a running double or its store. */
export interface RolloutTarget {
  get(
    kind: string,
    namespace: string | undefined,
    name: string,
  ): any | undefined;
  list(kind: string, namespace?: string): any[];
  upsert(object: any): any;
  remove(
    kind: string,
    namespace: string | undefined,
    name: string,
  ): any | undefined;
}

/** Options of {@link simulateRollout}. */
export interface RolloutOptions {
  /** The Deployment rolled out (must exist). */
  namespace: string;
  name: string;
  /** The new image, e.g. `ghcr.io/acme/checkout:1.5.0`. */
  image: string;
  /** The Git commit the change is in. */
  revision: string;
  /** `succeeded` (default) or `degraded` (new pods crash-loop, progress deadline exceeded). */
  outcome?: 'succeeded' | 'degraded';
  /** The Argo CD Application managing it, updated along (sync, health, operationState, history). */
  argoApplication?: { name: string; namespace?: string };
  /** The Flux Kustomization managing it, updated along (Ready, lastAttempted/lastAppliedRevision). */
  fluxKustomization?: { name: string; namespace?: string; branch?: string };
  /** Pause between steps (default 1500 ms). */
  stepDelayMs?: number;
  /** How to wait (default setTimeout); tests pass an immediate one. */
  sleep?: (ms: number) => Promise<void>;
  /** Clock for timestamps (default `new Date()`). */
  now?: () => Date;
  /** Called with each step's name after it is applied. */
  onStep?: (step: RolloutStep) => void;
}

/** The steps of a simulated rollout, in order. */
export type RolloutStep =
  | 'out-of-sync'
  | 'syncing'
  | 'progressing'
  | 'succeeded'
  | 'degraded';

const clone = <T>(o: T): T => JSON.parse(JSON.stringify(o));

/**
 * Rolls a Deployment out to a new image the way the deployment controller,
 * the kubelet and Argo CD / Flux would show it: OutOfSync → sync Running and
 * health Progressing with a new ReplicaSet → either all new pods ready, old
 * ReplicaSet scaled to 0, Synced/Healthy, Flux Ready (succeeded) or new pods
 * in CrashLoopBackOff, `ProgressDeadlineExceeded`, health Degraded, Flux
 * health check failed (degraded). Resolves with the outcome.
 */
export async function simulateRollout(
  target: RolloutTarget,
  options: RolloutOptions,
): Promise<'succeeded' | 'degraded'> {
  const { namespace, name, image, revision } = options;
  const outcome = options.outcome ?? 'succeeded';
  const delay = options.stepDelayMs ?? 1500;
  const sleep =
    options.sleep ??
    ((ms: number) => new Promise<void>(r => setTimeout(r, ms)));
  const stamp = () =>
    `${(options.now?.() ?? new Date()).toISOString().slice(0, 19)}Z`;
  const step = (s: RolloutStep) => options.onStep?.(s);

  const current = target.get('Deployment', namespace, name);
  if (!current) {
    throw new Error(`simulateRollout: no Deployment ${namespace}/${name}`);
  }
  const replicas: number = current.spec.replicas ?? 1;
  const oldRevision = Number(
    current.metadata.annotations?.['deployment.kubernetes.io/revision'] ?? 1,
  );
  const kubernetesId =
    current.metadata.labels?.['backstage.io/kubernetes-id'] ?? name;
  const oldReplicaSets = target
    .list('ReplicaSet', namespace)
    .filter(rs =>
      rs.metadata.ownerReferences?.some(
        (o: any) => o.uid === current.metadata.uid,
      ),
    );

  const appRef = options.argoApplication;
  const ksRef = options.fluxKustomization;
  const updateApp = (fn: (app: any) => void) => {
    if (!appRef) return;
    const app = target.get(
      'Application',
      appRef.namespace ?? 'argocd',
      appRef.name,
    );
    if (!app) throw new Error(`simulateRollout: no Application ${appRef.name}`);
    fn(app);
    target.upsert(app);
  };
  const updateKs = (fn: (ks: any) => void) => {
    if (!ksRef) return;
    const ks = target.get(
      'Kustomization',
      ksRef.namespace ?? 'flux-system',
      ksRef.name,
    );
    if (!ks) throw new Error(`simulateRollout: no Kustomization ${ksRef.name}`);
    fn(ks);
    target.upsert(ks);
  };
  const setReady = (
    ks: any,
    status: string,
    reason: string,
    message: string,
  ) => {
    const now = stamp();
    const others = (ks.status.conditions ?? []).filter(
      (c: any) => c.type !== 'Ready',
    );
    ks.status.conditions = [
      {
        type: 'Ready',
        status,
        reason,
        message,
        lastTransitionTime: now,
        observedGeneration: ks.metadata.generation,
      },
      ...others,
    ];
  };
  const branch = ksRef?.branch ?? 'main';

  // 1. Git moved: the GitOps controller notices the difference.
  updateApp(app => {
    app.status.sync = { ...app.status.sync, status: 'OutOfSync', revision };
    app.status.resources = (app.status.resources ?? []).map((r: any) => ({
      ...r,
      status:
        r.kind === 'Deployment' && r.name === name ? 'OutOfSync' : r.status,
    }));
    app.status.reconciledAt = stamp();
  });
  updateKs(ks => {
    ks.status.lastAttemptedRevision = `${branch}@sha1:${revision}`;
    setReady(ks, 'Unknown', 'Progressing', 'Reconciliation in progress');
  });
  step('out-of-sync');
  await sleep(delay);

  // 2. Sync: the Deployment's template changes, a new ReplicaSet starts pods.
  const startedAt = stamp();
  const next = deploymentSet({
    name,
    namespace,
    image,
    replicas,
    readyReplicas: 0,
    revision: oldRevision + 1,
    kubernetesId,
    timestamp: startedAt,
    crashLooping: false,
  });
  const deployment = clone(current);
  deployment.metadata.labels = {
    ...deployment.metadata.labels,
    ...next.deployment.metadata.labels,
  };
  deployment.metadata.annotations = {
    ...deployment.metadata.annotations,
    'deployment.kubernetes.io/revision': String(oldRevision + 1),
  };
  deployment.spec.template = next.deployment.spec.template;
  const applied = target.upsert(deployment);
  const generation = applied.metadata.generation;
  const owner = { uid: applied.metadata.uid };
  const withOwner = (obj: any) => {
    if (obj.kind === 'ReplicaSet') {
      obj.metadata.ownerReferences[0].uid = owner.uid;
    }
    return obj;
  };
  const oldReady = oldReplicaSets.reduce(
    (n, rs) => n + (rs.status?.readyReplicas ?? 0),
    0,
  );
  const rsName = next.replicaSet.metadata.name;
  target.upsert(withOwner(next.replicaSet));
  next.pods.forEach(p => target.upsert(p));
  const progressing = (
    status: string,
    reason: string,
    message: string,
    ready: number,
    updatedReady: number,
  ) => {
    const d = target.get('Deployment', namespace, name);
    d.status = {
      observedGeneration: generation,
      replicas:
        replicas +
        oldReplicaSets.reduce((n, rs) => n + (rs.spec.replicas ?? 0), 0),
      updatedReplicas: replicas,
      readyReplicas: ready,
      availableReplicas: ready,
      ...(replicas - updatedReady > 0
        ? { unavailableReplicas: replicas - updatedReady }
        : {}),
      conditions: [
        (d.status?.conditions ?? []).find(
          (c: any) => c.type === 'Available',
        ) ?? {
          type: 'Available',
          status: 'True',
          lastUpdateTime: startedAt,
          lastTransitionTime: startedAt,
          reason: 'MinimumReplicasAvailable',
          message: 'Deployment has minimum availability.',
        },
        {
          type: 'Progressing',
          status,
          lastUpdateTime: stamp(),
          lastTransitionTime: stamp(),
          reason,
          message,
        },
      ],
    };
    target.upsert(d);
  };
  progressing(
    'True',
    'ReplicaSetUpdated',
    `ReplicaSet "${rsName}" is progressing.`,
    oldReady,
    0,
  );
  updateApp(app => {
    app.status.operationState = {
      operation: {
        sync: { revision, syncStrategy: { hook: {} } },
        initiatedBy: { automated: true },
        retry: { limit: 5 },
      },
      phase: 'Running',
      message: `waiting for healthy state of apps/Deployment/${name}`,
      startedAt,
      syncResult: {
        revision,
        source: app.spec.source,
        resources: [
          {
            group: 'apps',
            version: 'v1',
            kind: 'Deployment',
            namespace,
            name,
            status: 'Synced',
            message: `deployment.apps/${name} configured`,
            hookPhase: 'Running',
            syncPhase: 'Sync',
          },
        ],
      },
    };
    app.status.health = {
      status: 'Progressing',
      lastTransitionTime: startedAt,
    };
    app.status.resources = (app.status.resources ?? []).map((r: any) =>
      r.kind === 'Deployment' && r.name === name
        ? {
            ...r,
            status: 'Synced',
            health: {
              status: 'Progressing',
              message: `Waiting for rollout to finish: 0 of ${replicas} updated replicas are available...`,
            },
          }
        : r,
    );
  });
  step('syncing');
  await sleep(delay);

  // 3. Pods start: half of the new ones ready (or crash-looping).
  const half = Math.floor(replicas / 2);
  const partial = deploymentSet({
    name,
    namespace,
    image,
    replicas,
    readyReplicas: outcome === 'succeeded' ? half : 0,
    revision: oldRevision + 1,
    kubernetesId,
    timestamp: startedAt,
    crashLooping: outcome === 'degraded',
  });
  target.upsert(withOwner(partial.replicaSet));
  partial.pods.forEach(p => target.upsert(p));
  progressing(
    'True',
    'ReplicaSetUpdated',
    `ReplicaSet "${rsName}" is progressing.`,
    oldReady + (outcome === 'succeeded' ? half : 0),
    outcome === 'succeeded' ? half : 0,
  );
  step('progressing');
  await sleep(delay);

  const finishedAt = stamp();
  const appendHistory = (app: any) => {
    const history = app.status.history ?? [];
    const id = history.length ? history[history.length - 1].id + 1 : 0;
    app.status.history = [
      ...history,
      {
        id,
        revision,
        deployStartedAt: startedAt,
        deployedAt: finishedAt,
        source: app.spec.source,
        initiatedBy: { automated: true },
      },
    ].slice(-10);
    app.status.operationState = {
      ...app.status.operationState,
      phase: 'Succeeded',
      message: 'successfully synced (all tasks run)',
      finishedAt,
    };
    app.status.operationState.syncResult.resources[0].hookPhase = 'Succeeded';
    app.status.sync = { ...app.status.sync, status: 'Synced', revision };
    app.status.reconciledAt = finishedAt;
  };

  if (outcome === 'succeeded') {
    // 4a. All new pods ready; the old ReplicaSets scale to 0, their pods go.
    const done = deploymentSet({
      name,
      namespace,
      image,
      replicas,
      revision: oldRevision + 1,
      kubernetesId,
      timestamp: startedAt,
    });
    target.upsert(withOwner(done.replicaSet));
    done.pods.forEach(p => target.upsert(p));
    for (const rs of oldReplicaSets) {
      const hash = rs.metadata.labels?.['pod-template-hash'];
      target
        .list('Pod', namespace)
        .filter(p => hash && p.metadata.labels?.['pod-template-hash'] === hash)
        .forEach(p => target.remove('Pod', namespace, p.metadata.name));
      const scaled = target.get('ReplicaSet', namespace, rs.metadata.name);
      scaled.spec.replicas = 0;
      scaled.status = {
        replicas: 0,
        observedGeneration: scaled.metadata.generation + 1,
      };
      target.upsert(scaled);
    }
    const d = target.get('Deployment', namespace, name);
    d.status = {
      ...done.deployment.status,
      observedGeneration: generation,
      conditions: done.deployment.status.conditions.map((c: any) => ({
        ...c,
        lastUpdateTime: finishedAt,
        lastTransitionTime:
          c.type === 'Progressing' ? startedAt : c.lastTransitionTime,
      })),
    };
    target.upsert(d);
    updateApp(app => {
      appendHistory(app);
      app.status.health = { status: 'Healthy', lastTransitionTime: finishedAt };
      app.status.summary = { ...app.status.summary, images: [image] };
      app.status.resources = (app.status.resources ?? []).map((r: any) =>
        r.kind === 'Deployment' && r.name === name
          ? { ...r, status: 'Synced', health: { status: 'Healthy' } }
          : r,
      );
    });
    updateKs(ks => {
      const rev = `${branch}@sha1:${revision}`;
      ks.status.lastAppliedRevision = rev;
      ks.status.lastAttemptedRevision = rev;
      setReady(
        ks,
        'True',
        'ReconciliationSucceeded',
        `Applied revision: ${rev}`,
      );
    });
    step('succeeded');
    return 'succeeded';
  }

  // 4b. The new pods keep crashing: progress deadline exceeded, old pods still serve.
  progressing(
    'False',
    'ProgressDeadlineExceeded',
    `ReplicaSet "${rsName}" has timed out progressing.`,
    oldReady,
    0,
  );
  updateApp(app => {
    appendHistory(app);
    const message = `Deployment "${name}" exceeded its progress deadline`;
    app.status.health = {
      status: 'Degraded',
      message,
      lastTransitionTime: finishedAt,
    };
    app.status.summary = { ...app.status.summary, images: [image] };
    app.status.resources = (app.status.resources ?? []).map((r: any) =>
      r.kind === 'Deployment' && r.name === name
        ? { ...r, status: 'Synced', health: { status: 'Degraded', message } }
        : r,
    );
  });
  updateKs(ks => {
    setReady(
      ks,
      'False',
      'HealthCheckFailed',
      `health check failed after 3m0s: timeout waiting for: [Deployment/${namespace}/${name} status: 'InProgress']`,
    );
  });
  step('degraded');
  return 'degraded';
}
