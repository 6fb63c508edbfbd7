import { ObjectStore } from './store';
import { InvalidObjectError } from './models';
import {
  deploymentSet,
  sampleCluster,
  argoApplication,
  fluxKustomization,
  helmRelease,
} from './fixtures';

const checkout = () =>
  deploymentSet({
    name: 'checkout',
    namespace: 'shop',
    image: 'ghcr.io/acme/checkout:1.0.0',
  });

describe('ObjectStore', () => {
  it('accepts every fixture (they pass the real schemas)', () => {
    const store = new ObjectStore();
    const objects = sampleCluster();
    objects.forEach(o => store.upsert(o));
    expect(store.currentRv()).toBe(objects.length);
    expect(store.list('Deployment').map(d => d.metadata.name)).toEqual([
      'checkout',
      'payments',
    ]);
    expect(store.list('pods', 'shop')).toHaveLength(6);
  });

  it('loads the real model of every served type', () => {
    const store = new ObjectStore();
    const meta = { name: 'x', namespace: 'shop' };
    const template = { spec: { containers: [{ name: 'c', image: 'c:1' }] } };
    const objects = [
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: meta,
        spec: { ports: [{ port: 80 }] },
      },
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: meta, data: { a: 'b' } },
      {
        apiVersion: 'v1',
        kind: 'LimitRange',
        metadata: meta,
        spec: { limits: [{ type: 'Container' }] },
      },
      {
        apiVersion: 'v1',
        kind: 'ResourceQuota',
        metadata: meta,
        spec: { hard: { pods: '10' } },
      },
      {
        apiVersion: 'apps/v1',
        kind: 'DaemonSet',
        metadata: meta,
        spec: { selector: {}, template },
      },
      {
        apiVersion: 'batch/v1',
        kind: 'Job',
        metadata: meta,
        spec: { template },
      },
      {
        apiVersion: 'batch/v1',
        kind: 'CronJob',
        metadata: meta,
        spec: { schedule: '* * * * *', jobTemplate: { spec: { template } } },
      },
      {
        apiVersion: 'autoscaling/v2',
        kind: 'HorizontalPodAutoscaler',
        metadata: meta,
        spec: {
          maxReplicas: 3,
          scaleTargetRef: { kind: 'Deployment', name: 'x' },
        },
      },
      {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'Ingress',
        metadata: meta,
        spec: {},
      },
    ];
    objects.forEach(o => store.upsert(o));
    expect(store.currentRv()).toBe(objects.length);
    expect(() =>
      store.upsert({ ...objects[6], spec: { jobTemplate: {} } }),
    ).toThrow(/CronJob schema/);
  });

  it('sets server-owned metadata and bumps one global resourceVersion', () => {
    const store = new ObjectStore();
    const { deployment, replicaSet } = checkout();
    const d = store.upsert(deployment);
    const rs = store.upsert(replicaSet);
    expect(d.metadata.resourceVersion).toBe('1');
    expect(rs.metadata.resourceVersion).toBe('2');
    expect(d.metadata.generation).toBe(1);
    expect(d.metadata.uid).toBe(deployment.metadata.uid);

    // status-only change: new resourceVersion, same generation
    const statusChange = { ...d, status: { ...d.status, readyReplicas: 1 } };
    const d2 = store.upsert(statusChange);
    expect(d2.metadata.resourceVersion).toBe('3');
    expect(d2.metadata.generation).toBe(1);

    // spec change: generation + 1
    const d3 = store.upsert({ ...d2, spec: { ...d2.spec, replicas: 5 } });
    expect(d3.metadata.generation).toBe(2);
    expect(d3.metadata.resourceVersion).toBe('4');

    // no-op update: nothing changes, no event
    const events: string[] = [];
    store.subscribe(e => events.push(e.type));
    const same = store.upsert(d3);
    expect(same.metadata.resourceVersion).toBe('4');
    expect(events).toEqual([]);
    expect(store.currentRv()).toBe(4);
  });

  it('returns copies, never its own objects', () => {
    const store = new ObjectStore();
    const d = store.upsert(checkout().deployment);
    d.spec.replicas = 99;
    expect(store.get('Deployment', 'shop', 'checkout').spec.replicas).toBe(3);
  });

  it('deletes with a new resourceVersion and records history', () => {
    const store = new ObjectStore();
    store.upsert(checkout().deployment);
    const deleted = store.remove('deployments', 'shop', 'checkout');
    expect(deleted.metadata.resourceVersion).toBe('2');
    expect(store.get('Deployment', 'shop', 'checkout')).toBeUndefined();
    expect(store.remove('Deployment', 'shop', 'checkout')).toBeUndefined();
    const events = store.eventsSince(0);
    expect(events !== 'expired' && events.map(e => [e.type, e.rv])).toEqual([
      ['ADDED', 1],
      ['DELETED', 2],
    ]);
  });

  it('keeps a bounded history; older resourceVersions expire', () => {
    const store = new ObjectStore({ historyLimit: 2 });
    const set = checkout();
    set.all.forEach(o => store.upsert(o)); // 5 objects: rv 1..5
    expect(store.eventsSince(2)).toBe('expired');
    const ok = store.eventsSince(3);
    expect(ok !== 'expired' && ok.map(e => e.rv)).toEqual([4, 5]);
    store.compact();
    expect(store.eventsSince(4)).toBe('expired');
    expect(store.eventsSince(5)).toEqual([]);
  });

  it('can start from a given resourceVersion (an apiserver that restarted)', () => {
    const store = new ObjectStore({ initialResourceVersion: 5000 });
    expect(store.upsert(checkout().deployment).metadata.resourceVersion).toBe(
      '5001',
    );
    expect(store.eventsSince(10)).toBe('expired');
  });

  describe('rejects what a real cluster could not serve', () => {
    const store = new ObjectStore();
    it('a Deployment with a wrongly typed field', () => {
      const { deployment } = checkout();
      deployment.spec.replicas = 'three';
      expect(() => store.upsert(deployment)).toThrow(InvalidObjectError);
      expect(() => store.upsert(deployment)).toThrow(/Deployment schema/);
    });
    it('a Deployment without its required selector', () => {
      const { deployment } = checkout();
      delete deployment.spec.selector;
      expect(() => store.upsert(deployment)).toThrow(/selector/);
    });
    it('an Application without spec.destination', () => {
      const app = argoApplication({
        name: 'a',
        destinationNamespace: 'x',
        path: 'p',
        revision: 'abc',
      });
      delete app.spec.destination;
      expect(() => store.upsert(app)).toThrow(/Application schema/);
    });
    it('a Kustomization without sourceRef, a HelmRelease with a bad chart', () => {
      const ks = fluxKustomization({ name: 'k', path: './p', revision: 'abc' });
      delete ks.spec.sourceRef;
      expect(() => store.upsert(ks)).toThrow(/Kustomization schema/);
      const hr = helmRelease({ name: 'h', chart: 'c', chartVersion: '1.0.0' });
      hr.spec.chart = { spec: {} };
      expect(() => store.upsert(hr)).toThrow(/HelmRelease schema/);
    });
    it('bad names, missing namespaces, wrong apiVersions and unknown kinds', () => {
      const { deployment } = checkout();
      expect(() =>
        store.upsert({
          ...deployment,
          metadata: { ...deployment.metadata, name: 'Checkout_1' },
        }),
      ).toThrow(/RFC 1123/);
      expect(() =>
        store.upsert({ ...deployment, metadata: { name: 'x' } }),
      ).toThrow(/namespace/);
      expect(() =>
        store.upsert({ ...deployment, apiVersion: 'extensions/v1beta1' }),
      ).toThrow(/apiVersion "apps\/v1"/);
      expect(() =>
        store.upsert({
          apiVersion: 'storage.k8s.io/v1',
          kind: 'StorageClass',
          metadata: { name: 'x' },
        }),
      ).toThrow(/does not serve/);
    });
  });
});
