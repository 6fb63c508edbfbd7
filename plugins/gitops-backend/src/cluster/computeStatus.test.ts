import { fixtures } from '@gitops2/kube-api-double';
import {
  argoHealth,
  computeDrift,
  computeSync,
  countPods,
  displayVersion,
  fluxHealth,
  matchObjects,
  observeService,
  outOfBandVersions,
  pipelineNames,
  rolloutOutcome,
  sameRevision,
  versionOfImage,
  versionsBehind,
  workloadHealth,
  worstHealth,
} from './computeStatus';
import {
  revisionSha,
  summarizeDelivery,
  summarizePod,
  summarizeReplicaSet,
  summarizeWorkload,
} from './summarize';
import type { ClusterSnapshot } from './types';

function snapshotOf(objects: any[]): ClusterSnapshot {
  const s: ClusterSnapshot = {
    workloads: [],
    replicaSets: [],
    pods: [],
    deliveries: [],
  };
  for (const o of objects) {
    switch (o.kind) {
      case 'Deployment':
      case 'StatefulSet':
        s.workloads.push(summarizeWorkload(o.kind, o));
        break;
      case 'ReplicaSet':
        s.replicaSets.push(summarizeReplicaSet(o));
        break;
      case 'Pod':
        s.pods.push(summarizePod(o));
        break;
      case 'Application':
      case 'Kustomization':
      case 'HelmRelease':
        s.deliveries.push(summarizeDelivery(o.kind, o));
        break;
      default:
    }
  }
  return s;
}

describe('versionOfImage', () => {
  it('reads tags, digests and defaults to latest', () => {
    expect(versionOfImage('ghcr.io/acme/checkout:1.4.2')).toBe('1.4.2');
    expect(versionOfImage('localhost:5000/acme/checkout:2.0')).toBe('2.0');
    expect(versionOfImage('localhost:5000/acme/checkout')).toBe('latest');
    expect(versionOfImage('ghcr.io/acme/checkout@sha256:abc')).toBe(
      'sha256:abc',
    );
  });
});

describe('revisionSha / sameRevision', () => {
  it('extracts the sha of Flux revisions and compares abbreviations', () => {
    expect(revisionSha('main@sha1:0123456789abcdef')).toBe('0123456789abcdef');
    expect(revisionSha('0123abc')).toBe('0123abc');
    expect(revisionSha('')).toBeUndefined();
    expect(sameRevision('0123456789abcdef', '0123456')).toBe(true);
    expect(sameRevision('0123456789abcdef', '0123')).toBe(false);
    expect(sameRevision('aaaaaaa', 'bbbbbbb')).toBe(false);
  });
});

describe('health', () => {
  it('maps Argo CD health', () => {
    expect(argoHealth('Healthy')).toBe('Healthy');
    expect(argoHealth('Degraded')).toBe('Degraded');
    expect(argoHealth('Suspended')).toBe('Progressing');
    expect(argoHealth('Missing')).toBe('Missing');
    expect(argoHealth(undefined)).toBe('Unknown');
  });

  it('reads Flux Ready conditions', () => {
    const d = (status: string, reason?: string) =>
      ({
        kind: 'Kustomization',
        namespace: 'f',
        name: 'x',
        conditions: [{ type: 'Ready', status, reason }],
      } as any);
    expect(fluxHealth(d('True'))).toBe('Healthy');
    expect(fluxHealth(d('Unknown', 'Progressing'))).toBe('Progressing');
    expect(fluxHealth(d('False', 'HealthCheckFailed'))).toBe('Degraded');
    expect(fluxHealth(d('False', 'DependencyNotReady'))).toBe('Progressing');
    expect(fluxHealth({ ...d('True'), conditions: [] })).toBe('Progressing');
  });

  it('reads Deployment conditions and replicas', () => {
    const ready = fixtures.deploymentSet({
      name: 'a',
      namespace: 'n',
      image: 'r/a:1',
      replicas: 3,
    });
    const w = summarizeWorkload('Deployment', ready.deployment);
    expect(workloadHealth(w, [])).toBe('Healthy');
    expect(workloadHealth({ ...w, ready: 2 }, [])).toBe('Progressing');
    expect(
      workloadHealth({ ...w, generation: 3, observedGeneration: 2 }, []),
    ).toBe('Progressing');
    expect(
      workloadHealth(
        {
          ...w,
          conditions: [
            {
              type: 'Progressing',
              status: 'False',
              reason: 'ProgressDeadlineExceeded',
            },
          ],
        },
        [],
      ),
    ).toBe('Degraded');
    expect(workloadHealth({ ...w, desired: 0, ready: 0 }, [])).toBe('Healthy');
  });

  it('takes the worst verdict', () => {
    expect(worstHealth(['Healthy', 'Progressing'])).toBe('Progressing');
    expect(worstHealth(['Healthy', 'Degraded', 'Progressing'])).toBe(
      'Degraded',
    );
    expect(worstHealth([])).toBe('Healthy');
  });
});

describe('matchObjects + observeService on the sample cluster', () => {
  const snapshot = snapshotOf(fixtures.sampleCluster());

  it('matches checkout by label, its pods through the ReplicaSet, and its Argo CD Application', () => {
    const m = matchObjects(snapshot, {
      service: 'checkout',
      environment: 'prod',
      namespace: 'shop',
    });
    expect(m.workloads.map(w => w.name)).toEqual(['checkout']);
    expect(m.pods).toHaveLength(3);
    expect(m.deliveries.map(d => d.name)).toEqual(['checkout-prod']);
    const o = observeService(m, 'checkout');
    expect(o).toMatchObject({
      health: 'Healthy',
      appliedRevision: fixtures.SAMPLE_REVISIONS.checkout,
      deliverySync: 'Synced',
      replicas: { ready: 3, desired: 3 },
      observedVersions: ['1.4.2'],
    });
    expect(o.pods).toEqual({
      running: 3,
      pending: 0,
      failed: 0,
      crashLooping: 0,
      total: 3,
    });
  });

  it('reads Flux for payments (one pod not ready)', () => {
    const m = matchObjects(snapshot, {
      service: 'payments',
      environment: 'prod',
      namespace: 'shop',
    });
    const o = observeService(m, 'payments');
    expect(m.deliveries.map(d => d.kind)).toEqual(['Kustomization']);
    expect(o.appliedRevision).toBe(fixtures.SAMPLE_REVISIONS.payments);
    expect(o.replicas).toMatchObject({ ready: 1, desired: 2 });
    expect(o.observedVersions).toEqual(['2.0.0']);
  });

  it('is Missing in another namespace', () => {
    const m = matchObjects(snapshot, {
      service: 'checkout',
      environment: 'dev',
      namespace: 'shop-dev',
    });
    expect(observeService(m, 'checkout')).toMatchObject({
      health: 'Missing',
      observedVersions: [],
    });
  });

  it('falls back to Deployment health without a delivery tool', () => {
    const set = fixtures.deploymentSet({
      name: 'worker',
      namespace: 'w',
      image: 'r/worker:2',
      replicas: 2,
      readyReplicas: 0,
      crashLooping: true,
    });
    const o = observeService(
      matchObjects(snapshotOf(set.all), {
        service: 'worker',
        environment: 'e',
        namespace: 'w',
      }),
      'worker',
    );
    expect(o.health).toBe('Degraded');
    expect(o.pods?.crashLooping).toBe(2);
  });

  it('ignores sidecars for versions', () => {
    const set = fixtures.deploymentSet({
      name: 'api',
      namespace: 'a',
      image: 'r/api:3.1',
      replicas: 1,
    });
    const pod = JSON.parse(JSON.stringify(set.pods[0]));
    pod.spec.containers.push({
      name: 'log-shipper',
      image: 'fluent/fluent-bit:3.0',
    });
    const o = observeService(
      matchObjects(snapshotOf([set.deployment, set.replicaSet, pod]), {
        service: 'api',
        environment: 'e',
        namespace: 'a',
      }),
      'api',
    );
    expect(o.observedVersions).toEqual(['3.1']);
  });
});

describe('countPods', () => {
  it('counts by phase and crash loops', () => {
    const p = (phase: string, crashLooping = false) => ({
      namespace: 'n',
      name: phase,
      phase,
      ready: false,
      crashLooping,
      images: [],
    });
    expect(
      countPods([p('Running'), p('Running', true), p('Pending'), p('Failed')]),
    ).toEqual({
      running: 2,
      pending: 1,
      failed: 1,
      crashLooping: 1,
      total: 4,
    });
  });
});

describe('computeSync', () => {
  it('compares the applied revision with the Git head', () => {
    expect(computeSync({ appliedRevision: 'abcdef0123' }, 'abcdef0123')).toBe(
      'Synced',
    );
    expect(computeSync({ appliedRevision: 'abcdef0123' }, '9999999999')).toBe(
      'OutOfSync',
    );
    expect(
      computeSync(
        { appliedRevision: 'abcdef0123', deliverySync: 'OutOfSync' },
        'abcdef0123',
      ),
    ).toBe('OutOfSync');
    expect(computeSync({}, 'abc')).toBe('Unknown');
    expect(computeSync({ deliverySync: 'Synced' }, undefined)).toBe('Synced');
  });
});

describe('computeDrift / displayVersion', () => {
  it('is drift when the desired version does not run', () => {
    expect(computeDrift('1.2.0', ['1.2.0'])).toBeUndefined();
    expect(computeDrift('1.2.0', ['v1.2.0'])).toBeUndefined();
    expect(computeDrift('1.2.0', ['1.1.0', '1.2.0'])).toBeUndefined();
    expect(computeDrift('1.2.0', [])).toBeUndefined();
    expect(computeDrift(null, ['1.0'])).toBeUndefined();
    expect(computeDrift('1.2.0', ['1.1.9'])).toEqual({
      desired: '1.2.0',
      observed: ['1.1.9'],
      message: 'Git wants 1.2.0, the cluster runs 1.1.9',
    });
    expect(computeDrift('sha256:abc', ['sha256:abc'])).toBeUndefined();
  });

  it('shows what runs', () => {
    expect(displayVersion('1.2', [])).toBe('1.2');
    expect(displayVersion('1.2', ['1.1', '1.2'])).toBe('1.2');
    expect(displayVersion('1.2', ['1.1'])).toBe('1.1');
    expect(displayVersion(null, [])).toBeNull();
  });
});

describe('rolloutOutcome', () => {
  it('follows a rollout to success', () => {
    expect(
      rolloutOutcome('pending', '2.0', {
        health: 'Healthy',
        observedVersions: ['1.0'],
      }),
    ).toBeUndefined();
    expect(
      rolloutOutcome('pending', '2.0', {
        health: 'Progressing',
        observedVersions: ['1.0', '2.0'],
      }),
    ).toBe('progressing');
    expect(
      rolloutOutcome('progressing', '2.0', {
        health: 'Progressing',
        observedVersions: ['1.0', '2.0'],
      }),
    ).toBeUndefined();
    expect(
      rolloutOutcome('progressing', '2.0', {
        health: 'Healthy',
        observedVersions: ['1.0', '2.0'],
      }),
    ).toBeUndefined();
    expect(
      rolloutOutcome('progressing', '2.0', {
        health: 'Healthy',
        observedVersions: ['2.0'],
      }),
    ).toBe('succeeded');
    expect(
      rolloutOutcome('succeeded', '2.0', {
        health: 'Degraded',
        observedVersions: ['2.0'],
      }),
    ).toBeUndefined();
  });

  it('marks a degraded rollout once the new version appeared', () => {
    expect(
      rolloutOutcome('pending', '2.0', {
        health: 'Degraded',
        observedVersions: ['1.0'],
      }),
    ).toBeUndefined();
    expect(
      rolloutOutcome('progressing', '2.0', {
        health: 'Degraded',
        observedVersions: ['1.0', '2.0'],
      }),
    ).toBe('degraded');
    expect(
      rolloutOutcome('degraded', '2.0', {
        health: 'Degraded',
        observedVersions: ['1.0', '2.0'],
      }),
    ).toBeUndefined();
    expect(
      rolloutOutcome('degraded', '2.0', {
        health: 'Healthy',
        observedVersions: ['2.0'],
      }),
    ).toBe('succeeded');
  });
});

describe('outOfBandVersions', () => {
  it('lists versions Git never had', () => {
    expect(outOfBandVersions(['1.0', '1.0-hotfix'], ['1.0', '0.9'])).toEqual([
      '1.0-hotfix',
    ]);
    expect(outOfBandVersions(['v1.0'], ['1.0'])).toEqual([]);
  });
});

describe('versionsBehind', () => {
  it('counts versions on the previous stage history', () => {
    const history = ['1.0', '1.1', '1.1', '1.2', '1.3'];
    expect(versionsBehind('1.1', '1.3', history)).toBe(2);
    expect(versionsBehind('1.3', '1.3', history)).toBe(0);
    expect(versionsBehind('1.3', '1.2', history)).toBe(0);
    expect(versionsBehind('0.5', '1.3', history)).toBeUndefined();
    expect(versionsBehind(null, '1.3', history)).toBeUndefined();
  });
});

describe('observeService without workloads', () => {
  it('is Missing even when the delivery tool still says Healthy', () => {
    const app = fixtures.argoApplication({
      name: 'x',
      destinationNamespace: 'n',
      path: 'p',
      revision: 'abc',
    });
    const o = observeService(
      matchObjects(snapshotOf([app]), {
        service: 'x',
        environment: 'e',
        namespace: 'n',
      }),
      'x',
    );
    expect(o.health).toBe('Missing');
  });
});

describe('names from the pipeline file', () => {
  it('reads locator options', () => {
    expect(
      pipelineNames({
        locator: {
          type: 'argocd-application',
          options: { application: 'shop-api' },
        },
      }),
    ).toEqual({
      applications: ['shop-api'],
      containers: [],
      images: [],
    });
    expect(
      pipelineNames({
        locator: {
          type: 'container-image',
          options: { container: 'worker', image: 'r/w' },
        },
      }),
    ).toEqual({
      applications: [],
      containers: ['worker'],
      images: ['r/w'],
    });
    expect(pipelineNames({ error: { message: 'x' } })).toEqual({
      applications: [],
      containers: [],
      images: [],
    });
  });

  it('matches an Application and an unlabelled Deployment by the names the pipeline gives', () => {
    const set = fixtures.deploymentSet({
      name: 'api-server',
      namespace: 'n',
      image: 'ghcr.io/acme/api:2.0',
      replicas: 1,
    });
    delete set.deployment.metadata.labels['backstage.io/kubernetes-id'];
    const pod = JSON.parse(JSON.stringify(set.pods[0]));
    pod.spec.containers.push({ name: 'proxy', image: 'envoy:1.30' });
    const app = fixtures.argoApplication({
      name: 'shop-api',
      destinationNamespace: 'n',
      path: 'p',
      revision: 'abc',
      kubernetesId: 'other',
    });
    const names = { applications: ['shop-api'], images: ['ghcr.io/acme/api'] };
    const m = matchObjects(
      snapshotOf([set.deployment, set.replicaSet, pod, app]),
      {
        service: 'shop',
        environment: 'e',
        namespace: 'n',
        names,
      },
    );
    expect(m.workloads.map(w => w.name)).toEqual(['api-server']);
    expect(m.deliveries.map(d => d.name)).toEqual(['shop-api']);
    expect(observeService(m, 'shop', names).observedVersions).toEqual(['2.0']);
  });
});
