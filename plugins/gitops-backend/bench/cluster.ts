/*
 * Cluster observation benchmark (docs/benchmarks.md, "Cluster observation").
 *
 *   yarn bench:cluster [--services 50] [--views 100] [--deployments 1000]
 *
 * 3 clusters (Kubernetes API doubles) × S services. Counts the Kubernetes
 * requests caused by N views of one service's live endpoint and N views of
 * the dashboard on our backend (they read the store: expected 0), and, in the
 * same run against the same doubles, the requests the Backstage Kubernetes
 * backend (@backstage/plugin-kubernetes-backend, in the portal) makes for N
 * views of the same service (POST /api/kubernetes/services/:serviceId).
 * Then the memory of the watch cache for D Deployments.
 */
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { fixtures, KubeApiDouble, start } from '@gitops2/kube-api-double';
import request from 'supertest';
import { ClusterWatcher } from '../src/cluster/ClusterWatcher';
import { ClientNodeKubeClient, kubeConfigOf } from '../src/cluster/kubeClient';
import { summarizeWorkload } from '../src/cluster/summarize';
import { gitopsPlugin } from '../src/plugin';
import { GitRepoFixture } from '../src/testing/GitRepoFixture';

const argv = process.argv.slice(2);
const opt = (name: string, def: number) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? Number(argv[i + 1]) : def;
};
const SERVICES = opt('services', 50);
const VIEWS = opt('views', 100);
const DEPLOYMENTS = opt('deployments', 1000);
const TOKEN = 'bench-token';
const CLUSTERS = ['cluster-a', 'cluster-b', 'cluster-c'];
const ENVS = ['dev', 'staging', 'prod'];
const SERVICE = 'svc-7';

const silentLogger: any = {
  info() {},
  warn() {},
  error() {},
  debug() {},
  child() {
    return silentLogger;
  },
};

function entity(name: string) {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: {
      name,
      namespace: 'default',
      annotations: {
        'gitops2.io/gitops-repo': 'bench',
        'backstage.io/kubernetes-id': name,
      },
    },
    spec: { type: 'service', owner: 'bench', lifecycle: 'production' },
  };
}

function kustomization(service: string, tag: string) {
  return `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
images:
  - name: ghcr.io/acme/${service}
    newTag: ${tag}
`;
}

function buildRepo(): GitRepoFixture {
  const repo = new GitRepoFixture();
  const services = Array.from({ length: SERVICES }, (_, i) => `svc-${i}`);
  repo.write(
    'gitops-pipeline.yaml',
    `apiVersion: gitops2.io/v1alpha1
kind: Pipeline
metadata:
  name: bench
spec:
  stages:
${ENVS.map(e => `    - name: ${e}\n      environments: [${e}]`).join('\n')}
  environments:
${ENVS.map(
  (e, i) => `    ${e}:\n      cluster: ${CLUSTERS[i]}\n      namespace: apps`,
).join('\n')}
  services:
${services
  .map(
    s => `    ${s}:
      path: apps/${s}/{environment}/kustomization.yaml
      locator:
        type: kustomize-image
        image: ghcr.io/acme/${s}`,
  )
  .join('\n')}
`,
  );
  for (const s of services)
    for (const e of ENVS)
      repo.write(
        `apps/${s}/${e}/kustomization.yaml`,
        kustomization(s, '1.0.0'),
      );
  repo.commit('bootstrap');
  return repo;
}

function clusterObjects(): any[] {
  const objects: any[] = [
    fixtures.namespace('apps'),
    fixtures.namespace('argocd'),
  ];
  for (let i = 0; i < SERVICES; i++) {
    const name = `svc-${i}`;
    objects.push(
      ...fixtures.deploymentSet({
        name,
        namespace: 'apps',
        image: `ghcr.io/acme/${name}:1.0.0`,
        replicas: 2,
      }).all,
    );
    objects.push(
      fixtures.argoApplication({
        name,
        destinationNamespace: 'apps',
        path: `apps/${name}`,
        revision: fixtures.commitSha(name),
        deployment: { name, image: `ghcr.io/acme/${name}:1.0.0` },
      }),
    );
  }
  return objects;
}

async function waitFor(check: () => Promise<boolean>, what: string) {
  const deadline = Date.now() + 60_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise(r => setTimeout(r, 50));
  }
}

const total = (doubles: KubeApiDouble[]) =>
  doubles.reduce((n, d) => n + d.count(), 0);

async function main() {
  const doubles = await Promise.all(
    CLUSTERS.map(() => start({ token: TOKEN, objects: clusterObjects() })),
  );
  const repo = buildRepo();
  const clusterConfig = CLUSTERS.map((name, i) => ({
    name,
    url: doubles[i].url,
    authProvider: 'serviceAccount',
    serviceAccountToken: TOKEN,
    skipTLSVerify: true,
  }));
  const entities = Array.from({ length: SERVICES }, (_, i) =>
    entity(`svc-${i}`),
  );

  // --- our backend ---------------------------------------------------------
  const ours = await startTestBackend({
    features: [
      gitopsPlugin,
      catalogServiceMock.factory({ entities }),
      mockServices.permissions.factory(),
      mockServices.rootConfig.factory({
        data: {
          gitops: {
            repositories: [{ id: 'bench', provider: 'local', url: repo.dir }],
            ingestion: { frequency: { minutes: 60 } },
            clusters: clusterConfig,
          },
        },
      }),
      mockServices.rootLogger.factory({ level: 'error' }),
    ],
  });
  await request(ours.server)
    .post('/api/gitops/v1/repositories/bench/refresh')
    .expect(200);
  const liveUrl = `/api/gitops/v1/entities/default/component/${SERVICE}/live`;
  await waitFor(async () => {
    const r = await request(ours.server).get(liveUrl);
    return (
      r.body.environments?.length === 3 &&
      r.body.environments.every((e: any) => e.health === 'Healthy')
    );
  }, 'live status of every environment');
  const watchSetup = total(doubles);

  doubles.forEach(d => d.resetCounters());
  let t0 = Date.now();
  for (let i = 0; i < VIEWS; i++)
    await request(ours.server).get(liveUrl).expect(200);
  const oursLiveMs = Date.now() - t0;
  const oursLive = total(doubles);
  doubles.forEach(d => d.resetCounters());
  t0 = Date.now();
  for (let i = 0; i < VIEWS; i++)
    await request(ours.server)
      .get('/api/gitops/v1/dashboard?repository=bench')
      .expect(200);
  const oursDashMs = Date.now() - t0;
  const oursDash = total(doubles);
  await ours.stop();

  // --- @backstage/plugin-kubernetes-backend --------------------------------
  const theirs = await startTestBackend({
    features: [
      // eslint-disable-next-line @backstage/no-undeclared-imports -- benchmark only: the portal's Kubernetes backend, measured against
      import('@backstage/plugin-kubernetes-backend'),
      catalogServiceMock.factory({ entities }),
      mockServices.permissions.factory(),
      mockServices.rootConfig.factory({
        data: {
          kubernetes: {
            serviceLocatorMethod: { type: 'multiTenant' },
            clusterLocatorMethods: [
              { type: 'config', clusters: clusterConfig },
            ],
          },
        },
      }),
      mockServices.rootLogger.factory({ level: 'error' }),
    ],
  });
  doubles.forEach(d => d.resetCounters());
  const byResource: Record<string, number> = {};
  t0 = Date.now();
  for (let i = 0; i < VIEWS; i++) {
    const r = await request(theirs.server)
      .post(`/api/kubernetes/services/${SERVICE}`)
      .send({ entity: entity(SERVICE) });
    if (r.status !== 200)
      throw new Error(`kubernetes backend: HTTP ${r.status} ${r.text}`);
    if (i === 0 && (r.body.items?.length ?? 0) !== 3)
      throw new Error(
        `kubernetes backend saw ${r.body.items?.length} clusters`,
      );
  }
  const theirsMs = Date.now() - t0;
  const theirsCount = total(doubles);
  for (const d of doubles) {
    for (const [res, verbs] of Object.entries(d.counters().byResource)) {
      byResource[res] =
        (byResource[res] ?? 0) +
        Object.values(verbs).reduce((a, b) => a + (b ?? 0), 0);
    }
  }
  await theirs.stop();

  // --- memory of the watch cache -------------------------------------------
  const gc = (globalThis as any).gc as undefined | (() => void);
  const memDouble = await start({
    token: TOKEN,
    objects: Array.from(
      { length: DEPLOYMENTS },
      (_, i) =>
        fixtures.deploymentSet({
          name: `dep-${i}`,
          namespace: 'apps',
          image: `ghcr.io/acme/dep-${i}:1.0.${i}`,
          replicas: 3,
        }).deployment,
    ),
  });
  const rawBytes = Buffer.byteLength(
    JSON.stringify(memDouble.list('Deployment')),
  );
  const heap = () => {
    gc?.();
    gc?.();
    return process.memoryUsage().heapUsed;
  };
  // The real watcher fills its cache from the double…
  const watcher = new ClusterWatcher({
    cluster: 'mem',
    client: new ClientNodeKubeClient(
      kubeConfigOf({
        name: 'mem',
        url: memDouble.url,
        authProvider: 'serviceAccount',
        serviceAccountToken: TOKEN,
        skipTLSVerify: true,
      }),
    ),
    logger: silentLogger,
  });
  watcher.start();
  await waitFor(async () => watcher.hasListed(), 'the watch cache');
  const summaryBytes = Buffer.byteLength(
    JSON.stringify(watcher.snapshot().workloads),
  );
  const cached = watcher.size();
  await watcher.stop();
  // …and its cost is measured in isolation: the heap retained by 1,000
  // summaries built from the list response, vs. keeping the parsed objects.
  const text = JSON.stringify({ items: memDouble.list('Deployment') });
  let before = heap();
  let cache: Map<string, unknown> | undefined = new Map(
    JSON.parse(text).items.map((o: any) => [
      `${o.metadata.namespace}/${o.metadata.name}`,
      summarizeWorkload('Deployment', o),
    ]),
  );
  const after = heap();
  const retained = after - before;
  if (cache.size !== DEPLOYMENTS) throw new Error('cache size');
  cache = undefined;
  before = heap();
  let whole: any = JSON.parse(text).items;
  const wholeRetained = heap() - before;
  if (whole.length !== DEPLOYMENTS) throw new Error('whole size');
  whole = undefined;
  await memDouble.close();
  await Promise.all(doubles.map(d => d.close()));
  repo.cleanup();

  const ratio =
    oursLive + oursDash === 0
      ? '∞ (ours: 0)'
      : (theirsCount / (oursLive + oursDash)).toFixed(1);
  console.log(
    `cluster observation benchmark: ${CLUSTERS.length} clusters × ${SERVICES} services, ${VIEWS} views`,
  );
  console.log(
    `  watch setup (once, by the elected replica): ${watchSetup} requests (list + watch per kind per cluster, discovery none)`,
  );
  console.log(
    `  ours, ${VIEWS} × GET …/${SERVICE}/live:        ${oursLive} Kubernetes requests (${(
      oursLiveMs / VIEWS
    ).toFixed(1)} ms/view)`,
  );
  console.log(
    `  ours, ${VIEWS} × GET /v1/dashboard:             ${oursDash} Kubernetes requests (${(
      oursDashMs / VIEWS
    ).toFixed(1)} ms/view)`,
  );
  console.log(
    `  kubernetes-backend, ${VIEWS} × POST /services/${SERVICE}: ${theirsCount} Kubernetes requests (${(
      theirsCount / VIEWS
    ).toFixed(1)} per view, ${(theirsMs / VIEWS).toFixed(1)} ms/view)`,
  );
  console.log(
    `    by resource: ${Object.entries(byResource)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
  );
  console.log(
    `  ratio (theirs / ours, same views): ${ratio}; counting our one-time watch setup too: ${(
      theirsCount / Math.max(1, watchSetup + oursLive + oursDash)
    ).toFixed(1)}×`,
  );
  const mib = (n: number) => `${(n / 1024 / 1024).toFixed(2)} MiB`;
  console.log(
    `  watch cache for ${DEPLOYMENTS} Deployments: ${cached} summaries; heap retained ${mib(
      retained,
    )} ` +
      `(whole objects: ${mib(wholeRetained)})${
        gc ? '' : ' (run with --expose-gc for stable figures)'
      }; ` +
      `JSON ${(summaryBytes / 1024).toFixed(0)} KiB of summaries vs ${(
        rawBytes / 1024
      ).toFixed(0)} KiB of whole objects`,
  );
}

main().then(
  () => process.exit(0),
  e => {
    console.error(e);
    process.exit(1);
  },
);
