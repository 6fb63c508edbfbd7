/*
 * The double against the real @kubernetes/client-node 1.4.0, used the way the
 * product uses it: typed APIs, CustomObjectsApi, KubernetesObjectApi
 * (discovery), Watch and makeInformer (ListWatch).
 */
import * as k8s from '@kubernetes/client-node';
import { start, KubeApiDouble, RequestInfo } from './server';
import { kubeConfigFor } from './kubeConfig';
import { deploymentSet, sampleCluster, SAMPLE_REVISIONS } from './fixtures';
import { Waitable } from './__testUtils__/http';

const TOKEN = 'service-account-token';

type Informer = k8s.Informer<k8s.KubernetesObject> &
  k8s.ObjectCache<k8s.KubernetesObject>;

interface Logged {
  verb: 'add' | 'update' | 'delete' | 'error' | 'connect';
  name?: string;
  obj?: any;
  err?: any;
}

describe('kube-api-double with @kubernetes/client-node', () => {
  let double: KubeApiDouble;
  let kc: k8s.KubeConfig;
  let requests: RequestInfo[];
  const informers: Informer[] = [];
  let closing = false;

  const setup = async (opts: Parameters<typeof start>[0] = {}) => {
    requests = [];
    double = await start({
      token: TOKEN,
      objects: sampleCluster(),
      bookmarkIntervalMs: 3_600_000,
      onRequest: r => requests.push(r),
      ...opts,
    });
    kc = kubeConfigFor(double.url, TOKEN);
  };

  beforeEach(() => {
    closing = false;
  });
  afterEach(async () => {
    closing = true;
    await Promise.all(informers.splice(0).map(i => i.stop()));
    await double.close();
  });

  /** An informer on deployments, recording its callbacks; restarts itself on error when asked to (as the product does, with backoff). */
  const deploymentInformer = (
    opts: { restartOnError?: boolean; labelSelector?: string } = {},
  ) => {
    const apps = kc.makeApiClient(k8s.AppsV1Api);
    const informer = k8s.makeInformer(
      kc,
      '/apis/apps/v1/deployments',
      () =>
        apps.listDeploymentForAllNamespaces({
          labelSelector: opts.labelSelector,
        }),
      opts.labelSelector,
    ) as Informer;
    informers.push(informer);
    const log = new Waitable<Logged>();
    for (const verb of ['add', 'update', 'delete'] as const) {
      informer.on(verb, (obj: any) =>
        log.push({ verb, name: obj.metadata?.name, obj }),
      );
    }
    informer.on('connect', () => log.push({ verb: 'connect' }));
    informer.on('error', (err: any) => {
      log.push({ verb: 'error', err });
      if (opts.restartOnError && !closing) informer.start();
    });
    return { informer, log };
  };

  const scale = (replicas: number) => {
    const d = double.get('Deployment', 'shop', 'checkout');
    return double.upsert({ ...d, spec: { ...d.spec, replicas } });
  };

  describe('reads', () => {
    beforeEach(() => setup());

    it('lists with the typed APIs, label selectors included', async () => {
      const apps = kc.makeApiClient(k8s.AppsV1Api);
      const all = await apps.listDeploymentForAllNamespaces();
      expect(all.items.map(d => d.metadata?.name)).toEqual([
        'checkout',
        'payments',
      ]);
      expect(all.metadata?.resourceVersion).toBe(double.resourceVersion());
      expect(all.items[0].status?.readyReplicas).toBe(3);

      const selected = await apps.listDeploymentForAllNamespaces({
        labelSelector: 'backstage.io/kubernetes-id in (payments,ledger-db)',
      });
      expect(selected.items.map(d => d.metadata?.name)).toEqual(['payments']);
      const sts = await apps.listStatefulSetForAllNamespaces({
        labelSelector: 'backstage.io/kubernetes-id=ledger-db',
      });
      expect(sts.items).toHaveLength(1);

      const core = kc.makeApiClient(k8s.CoreV1Api);
      const pods = await core.listNamespacedPod({
        namespace: 'shop',
        labelSelector: 'app.kubernetes.io/name=payments',
      });
      expect(
        pods.items.map(p => p.status?.containerStatuses?.[0].ready),
      ).toEqual([true, false]);
      const rs = await apps.listNamespacedReplicaSet({ namespace: 'shop' });
      expect(rs.items[0].metadata?.ownerReferences?.[0]).toMatchObject({
        kind: 'Deployment',
        controller: true,
      });
      const one = await apps.readNamespacedDeployment({
        namespace: 'shop',
        name: 'checkout',
      });
      expect(one.spec?.template.spec?.containers[0].image).toBe(
        'ghcr.io/acme/checkout:1.4.2',
      );
      const secrets = await core.listSecretForAllNamespaces();
      expect(secrets.items[0].data?.password).toEqual(expect.any(String));
    });

    it('lists Argo CD and Flux objects with CustomObjectsApi', async () => {
      const custom = kc.makeApiClient(k8s.CustomObjectsApi);
      const apps: any = await custom.listClusterCustomObject({
        group: 'argoproj.io',
        version: 'v1alpha1',
        plural: 'applications',
      });
      expect(apps.kind).toBe('ApplicationList');
      expect(apps.items[0].status.sync).toMatchObject({
        status: 'Synced',
        revision: SAMPLE_REVISIONS.checkout,
      });
      expect(apps.items[0].status.health.status).toBe('Healthy');
      expect(apps.items[0].status.history.map((h: any) => h.revision)).toEqual([
        SAMPLE_REVISIONS.checkoutPrevious,
        SAMPLE_REVISIONS.checkout,
      ]);
      const ks: any = await custom.listNamespacedCustomObject({
        group: 'kustomize.toolkit.fluxcd.io',
        version: 'v1',
        namespace: 'flux-system',
        plural: 'kustomizations',
      });
      expect(ks.items[0].status.lastAppliedRevision).toBe(
        `main@sha1:${SAMPLE_REVISIONS.payments}`,
      );
      const hr: any = await custom.getNamespacedCustomObject({
        group: 'helm.toolkit.fluxcd.io',
        version: 'v2',
        namespace: 'flux-system',
        plural: 'helmreleases',
        name: 'metrics',
      });
      expect(hr.status.conditions[0]).toMatchObject({
        type: 'Ready',
        status: 'True',
      });
    });

    it('serves the discovery KubernetesObjectApi and VersionApi need', async () => {
      const objects = k8s.KubernetesObjectApi.makeApiClient(kc);
      const d: any = await objects.read({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'checkout', namespace: 'shop' },
      });
      expect(d.status.replicas).toBe(3);
      const list = await objects.list(
        'argoproj.io/v1alpha1',
        'Application',
        'argocd',
      );
      expect(list.items.map(a => a.metadata?.name)).toEqual(['checkout-prod']);
      const version = await kc.makeApiClient(k8s.VersionApi).getCode();
      expect(version.gitVersion).toMatch(/^v1\.31/);
      expect(
        requests.some(
          r => r.path === '/apis/apps/v1' && r.verb === 'discovery',
        ),
      ).toBe(true);
    });

    it('surfaces 401 and injected 500 / 403 as ApiException with the Status body', async () => {
      const core = kc.makeApiClient(k8s.CoreV1Api);
      const unauthenticated = kubeConfigFor(double.url, 'wrong').makeApiClient(
        k8s.CoreV1Api,
      );
      await expect(
        unauthenticated.listPodForAllNamespaces(),
      ).rejects.toMatchObject({ code: 401 });
      const noToken = kubeConfigFor(double.url).makeApiClient(k8s.CoreV1Api);
      await expect(noToken.listPodForAllNamespaces()).rejects.toMatchObject({
        code: 401,
      });

      double.faults.failNext({ status: 500, match: { resource: 'pods' } });
      const err: any = await core.listPodForAllNamespaces().catch(e => e);
      expect(err).toBeInstanceOf(k8s.ApiException);
      expect(err.code).toBe(500);
      expect(JSON.stringify(err.body)).toContain('InternalError');
      double.faults.failNext({ status: 403, match: { resource: 'pods' } });
      await expect(core.listPodForAllNamespaces()).rejects.toMatchObject({
        code: 403,
      });
      expect((await core.listPodForAllNamespaces()).items).toHaveLength(6);
    });
  });

  describe('informers (ListWatch)', () => {
    beforeEach(() => setup());

    it('lists then watches: ADDED, MODIFIED, DELETED reach the informer', async () => {
      const { informer, log } = deploymentInformer();
      await informer.start();
      await log.waitFor(e => e.verb === 'add' && e.name === 'payments');
      await double.waitForWatches(1, { resource: 'deployments' });

      scale(4);
      const extra = deploymentSet({
        name: 'search',
        namespace: 'shop',
        image: 'ghcr.io/acme/search:0.1.0',
      });
      double.upsert(extra.deployment);
      double.remove('Deployment', 'shop', 'payments');

      await log.waitFor(e => e.verb === 'delete' && e.name === 'payments');
      expect(
        log.items
          .filter(e => e.verb !== 'connect')
          .map(e => `${e.verb} ${e.name}`),
      ).toEqual([
        'add checkout',
        'add payments',
        'update checkout',
        'add search',
        'delete payments',
      ]);
      expect(informer.get('checkout', 'shop')?.metadata?.resourceVersion).toBe(
        double.get('Deployment', 'shop', 'checkout').metadata.resourceVersion,
      );
      expect(
        informer
          .list()
          .map(d => d.metadata?.name)
          .sort(),
      ).toEqual(['checkout', 'search']);
    });

    it('one list + one watch serve any number of cache reads (counters)', async () => {
      const { informer, log } = deploymentInformer();
      await informer.start();
      await log.waitFor(e => e.name === 'payments');
      await double.waitForWatches(1);
      for (let i = 0; i < 100; i++) informer.list('shop');
      expect(double.counters().byResource.deployments).toEqual({
        list: 1,
        watch: 1,
      });
      expect(double.count({ verb: 'watch' })).toBe(1);
      double.resetCounters();
      expect(double.counters().total).toBe(0);
    });

    it('watches with the label selector: an object leaving the selection is a delete', async () => {
      const { informer, log } = deploymentInformer({
        labelSelector: 'backstage.io/kubernetes-id=checkout',
      });
      await informer.start();
      await log.waitFor(e => e.verb === 'add');
      await double.waitForWatches(1);
      const d = double.get('Deployment', 'shop', 'checkout');
      double.upsert({
        ...d,
        metadata: {
          ...d.metadata,
          labels: {
            ...d.metadata.labels,
            'backstage.io/kubernetes-id': 'other',
          },
        },
      });
      await log.waitFor(e => e.verb === 'delete');
      expect(informer.list()).toEqual([]);
      const watch = requests.find(r => r.verb === 'watch')!;
      expect(watch.query.get('labelSelector')).toBe(
        'backstage.io/kubernetes-id=checkout',
      );
    });

    it('a watch dropped abruptly: the client restarts from its resourceVersion and gets the update made while it was away (no relist)', async () => {
      const { informer, log } = deploymentInformer({ restartOnError: true });
      await informer.start();
      await log.waitFor(e => e.name === 'payments');
      await double.waitForWatches(1);

      expect(double.faults.dropWatches()).toBe(1);
      scale(9); // while disconnected
      const update = await log.waitFor(e => e.verb === 'update');
      expect(update.obj.spec.replicas).toBe(9);
      expect(double.count({ verb: 'list' })).toBe(1);
      expect(double.count({ verb: 'watch' })).toBe(2);
      const watches = requests.filter(r => r.verb === 'watch');
      expect(Number(watches[1].query.get('resourceVersion'))).toBeLessThan(
        Number(double.resourceVersion()),
      );
    });

    it('a watch ended by the server (timeout): client-node re-watches by itself, nothing lost', async () => {
      const { informer, log } = deploymentInformer();
      await informer.start();
      await log.waitFor(e => e.name === 'payments');
      await double.waitForWatches(1);
      double.faults.dropWatches({}, { graceful: true });
      scale(5);
      const update = await log.waitFor(e => e.verb === 'update');
      expect(update.obj.spec.replicas).toBe(5);
      expect(log.items.some(e => e.verb === 'error')).toBe(false);
      expect(double.count({ verb: 'list' })).toBe(1);
    });

    it('410 (ERROR event on the stream): the client relists and sees changes and deletions', async () => {
      const { informer, log } = deploymentInformer();
      await informer.start();
      await log.waitFor(e => e.name === 'payments');
      await double.waitForWatches(1);

      double.faults.dropWatches({}, { graceful: true });
      scale(2);
      double.remove('Deployment', 'shop', 'payments');
      double.faults.compact(); // the client's resourceVersion is now too old

      await log.waitFor(e => e.verb === 'delete' && e.name === 'payments');
      await log.waitFor(e => e.verb === 'update' && e.obj.spec.replicas === 2);
      expect(double.count({ verb: 'list' })).toBe(2);
      expect(informer.list().map(d => d.metadata?.name)).toEqual(['checkout']);
      expect(log.items.some(e => e.verb === 'error')).toBe(false);
    });

    it('410 as HTTP status on the watch request: the client relists too', async () => {
      await double.close();
      await setup({ expiredWatch: 'http' });
      const { informer, log } = deploymentInformer();
      await informer.start();
      await log.waitFor(e => e.name === 'payments');
      await double.waitForWatches(1);
      double.faults.dropWatches({}, { graceful: true });
      scale(6);
      double.faults.compact();
      await log.waitFor(e => e.verb === 'update' && e.obj.spec.replicas === 6);
      expect(double.count({ verb: 'list' })).toBe(2);
    });

    it('a stalled watch delivers nothing; restarting the informer catches up from history', async () => {
      const { informer, log } = deploymentInformer();
      await informer.start();
      await log.waitFor(e => e.name === 'payments');
      await double.waitForWatches(1);
      expect(double.faults.stallWatches()).toBe(1);
      scale(8);
      // a second, healthy watch proves the event was emitted
      const other = deploymentInformer();
      await other.informer.start();
      await other.log.waitFor(
        e => e.name === 'checkout' && e.obj.spec.replicas === 8,
      );
      expect(log.items.some(e => e.verb === 'update')).toBe(false);

      // the product's silence detector restarts the watch
      await informer.stop();
      await informer.start();
      const update = await log.waitFor(e => e.verb === 'update');
      expect(update.obj.spec.replicas).toBe(8);
    });

    it('watch failing with 500 or 401: the informer reports the error with its status code; a restart recovers', async () => {
      const { informer, log } = deploymentInformer();
      double.faults.failNext({ status: 500, match: { verb: 'watch' } });
      await informer.start();
      const err = await log.waitFor(e => e.verb === 'error');
      expect(err.err.statusCode).toBe(500);

      double.faults.failNext({ status: 401, match: { verb: 'watch' } });
      await informer.start();
      const err2 = await log.waitFor(
        e => e.verb === 'error' && e.err.statusCode !== 500,
      );
      expect(err2.err.statusCode).toBe(401);

      await informer.start();
      await double.waitForWatches(1);
      scale(3);
      scale(4);
      const update = await log.waitFor(
        e => e.verb === 'update' && e.obj.spec.replicas === 4,
      );
      expect(update.name).toBe('checkout');
    });

    it('list failing with 401: the informer reports an ApiException 401', async () => {
      double.setToken('rotated');
      const { informer, log } = deploymentInformer();
      await informer.start();
      const err = await log.waitFor(e => e.verb === 'error');
      expect(err.err.code).toBe(401);
    });

    it("client-node's ListWatch does not ask for bookmarks (its watch query has only resourceVersion and selectors)", async () => {
      const { informer, log } = deploymentInformer();
      await informer.start();
      await log.waitFor(e => e.name === 'payments');
      await double.waitForWatches(1);
      const watch = requests.find(r => r.verb === 'watch')!;
      expect([...watch.query.keys()].sort()).toEqual([
        'resourceVersion',
        'watch',
      ]);
      expect(watch.query.get('watch')).toBe('true');
    });
  });

  describe('Watch', () => {
    beforeEach(() => setup());

    it('receives BOOKMARK events with the current resourceVersion when it asks for them', async () => {
      const events = new Waitable<{ type: string; obj: any }>();
      const done = new Waitable<unknown>();
      const controller = await new k8s.Watch(kc).watch(
        '/apis/apps/v1/deployments',
        {
          allowWatchBookmarks: true,
          resourceVersion: double.resourceVersion(),
        },
        (type, obj) => events.push({ type, obj }),
        err => done.push(err ?? 'closed'),
      );
      await double.waitForWatches(1);
      double.upsert(
        deploymentSet({ name: 'x', namespace: 'shop', image: 'x:1' }).pods[0],
      );
      double.triggerBookmarks();
      const bookmark = await events.waitFor(e => e.type === 'BOOKMARK');
      expect(bookmark.obj.metadata.resourceVersion).toBe(
        double.resourceVersion(),
      );
      scale(1);
      const modified = await events.waitFor(e => e.type === 'MODIFIED');
      expect(modified.obj.spec.replicas).toBe(1);
      controller.abort();
      await done.waitFor();
    });

    it('is ended by the server after timeoutSeconds (done callback without error)', async () => {
      const done = new Waitable<unknown>();
      await new k8s.Watch(kc).watch(
        '/api/v1/pods',
        { timeoutSeconds: 1, resourceVersion: double.resourceVersion() },
        () => {},
        err => done.push(err ?? 'closed'),
      );
      expect(await done.waitFor()).toBe('closed');
    });
  });
});
