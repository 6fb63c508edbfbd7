import { ObjectStore } from './store';
import { start } from './server';
import { simulateRollout, RolloutStep } from './simulate';
import { commitSha, sampleCluster } from './fixtures';
import { rawWatch } from './__testUtils__/http';

const immediately = () => Promise.resolve();
const clock = () => new Date('2026-11-26T12:00:00Z');

function cluster() {
  const store = new ObjectStore();
  sampleCluster().forEach(o => store.upsert(o));
  return store;
}

describe('simulateRollout', () => {
  it('succeeded: new ReplicaSet ready, old one at 0, Argo CD Synced/Healthy with history', async () => {
    const store = cluster();
    const revision = commitSha('checkout@1.5.0');
    const steps: RolloutStep[] = [];
    const oldRs = store
      .list('ReplicaSet', 'shop')
      .find(rs => rs.metadata.name.startsWith('checkout-'));
    const outcome = await simulateRollout(store, {
      namespace: 'shop',
      name: 'checkout',
      image: 'ghcr.io/acme/checkout:1.5.0',
      revision,
      argoApplication: { name: 'checkout-prod' },
      sleep: immediately,
      now: clock,
      onStep: s => steps.push(s),
    });
    expect(outcome).toBe('succeeded');
    expect(steps).toEqual([
      'out-of-sync',
      'syncing',
      'progressing',
      'succeeded',
    ]);

    const d = store.get('Deployment', 'shop', 'checkout');
    expect(d.spec.template.spec.containers[0].image).toBe(
      'ghcr.io/acme/checkout:1.5.0',
    );
    expect(d.metadata.generation).toBe(2);
    expect(d.status).toMatchObject({
      observedGeneration: 2,
      replicas: 3,
      updatedReplicas: 3,
      readyReplicas: 3,
    });
    expect(d.metadata.annotations['deployment.kubernetes.io/revision']).toBe(
      '5',
    );
    expect(
      d.status.conditions.find((c: any) => c.type === 'Progressing').reason,
    ).toBe('NewReplicaSetAvailable');

    const rs = store
      .list('ReplicaSet', 'shop')
      .filter(r => r.metadata.name.startsWith('checkout-'));
    expect(
      rs
        .map(r => [r.metadata.name === oldRs.metadata.name, r.spec.replicas])
        .sort(),
    ).toEqual([
      [false, 3],
      [true, 0],
    ]);
    const pods = store
      .list('Pod', 'shop')
      .filter(p => p.metadata.name.startsWith('checkout-'));
    expect(pods.map(p => p.spec.containers[0].image)).toEqual(
      Array(3).fill('ghcr.io/acme/checkout:1.5.0'),
    );
    expect(pods.every(p => p.status.containerStatuses[0].ready)).toBe(true);

    const app = store.get('Application', 'argocd', 'checkout-prod');
    expect(app.status.sync).toMatchObject({ status: 'Synced', revision });
    expect(app.status.health.status).toBe('Healthy');
    expect(app.status.operationState).toMatchObject({
      phase: 'Succeeded',
      finishedAt: '2026-11-26T12:00:00Z',
    });
    expect(app.status.history.map((h: any) => h.revision).slice(-1)).toEqual([
      revision,
    ]);
    expect(app.status.summary.images).toEqual(['ghcr.io/acme/checkout:1.5.0']);
  });

  it('degraded: crash-looping pods, ProgressDeadlineExceeded, Argo CD Degraded, Flux health check failed', async () => {
    const store = cluster();
    const revision = commitSha('payments@2.1.0');
    const outcome = await simulateRollout(store, {
      namespace: 'shop',
      name: 'payments',
      image: 'ghcr.io/acme/payments:2.1.0',
      revision,
      outcome: 'degraded',
      fluxKustomization: { name: 'payments' },
      sleep: immediately,
    });
    expect(outcome).toBe('degraded');
    const d = store.get('Deployment', 'shop', 'payments');
    expect(
      d.status.conditions.find((c: any) => c.type === 'Progressing'),
    ).toMatchObject({
      status: 'False',
      reason: 'ProgressDeadlineExceeded',
    });
    const newPods = store
      .list('Pod', 'shop')
      .filter(
        p => p.spec.containers[0].image === 'ghcr.io/acme/payments:2.1.0',
      );
    expect(newPods).toHaveLength(2);
    expect(
      newPods.map(p => p.status.containerStatuses[0].state.waiting?.reason),
    ).toEqual(['CrashLoopBackOff', 'CrashLoopBackOff']);
    const ks = store.get('Kustomization', 'flux-system', 'payments');
    expect(ks.status.lastAttemptedRevision).toBe(`main@sha1:${revision}`);
    expect(ks.status.lastAppliedRevision).not.toContain(revision);
    expect(ks.status.conditions[0]).toMatchObject({
      type: 'Ready',
      status: 'False',
      reason: 'HealthCheckFailed',
    });
  });

  it('succeeded with Flux: lastAppliedRevision moves, Ready True', async () => {
    const store = cluster();
    const revision = commitSha('payments@2.0.1');
    await simulateRollout(store, {
      namespace: 'shop',
      name: 'payments',
      image: 'ghcr.io/acme/payments:2.0.1',
      revision,
      fluxKustomization: { name: 'payments' },
      sleep: immediately,
    });
    const ks = store.get('Kustomization', 'flux-system', 'payments');
    expect(ks.status.lastAppliedRevision).toBe(`main@sha1:${revision}`);
    expect(ks.status.conditions[0]).toMatchObject({
      type: 'Ready',
      status: 'True',
      message: `Applied revision: main@sha1:${revision}`,
    });
  });

  it('is visible live through a watch on the double', async () => {
    const double = await start({ objects: sampleCluster() });
    try {
      const w = rawWatch(
        double.url,
        `/apis/argoproj.io/v1alpha1/applications?watch=true&resourceVersion=${double.resourceVersion()}`,
      );
      await double.waitForWatches(1);
      await simulateRollout(double, {
        namespace: 'shop',
        name: 'checkout',
        image: 'ghcr.io/acme/checkout:1.6.0',
        revision: commitSha('checkout@1.6.0'),
        outcome: 'degraded',
        argoApplication: { name: 'checkout-prod' },
        sleep: immediately,
      });
      await w.events.waitFor(
        e => e.object.status?.health?.status === 'Degraded',
      );
      expect(
        w.events.items.map(
          e =>
            `${e.object.status.sync.status}/${e.object.status.health.status}`,
        ),
      ).toEqual([
        'OutOfSync/Healthy',
        'OutOfSync/Progressing',
        'Synced/Degraded',
      ]);
      w.close();
    } finally {
      await double.close();
    }
  });
});
