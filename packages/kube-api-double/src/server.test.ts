import http from 'node:http';
import { start, KubeApiDouble } from './server';
import { deploymentSet, sampleCluster, SECRET_PLAINTEXT } from './fixtures';
import { getJson, rawWatch } from './__testUtils__/http';

const TOKEN = 'double-token';

describe('kube-api-double wire protocol', () => {
  let double: KubeApiDouble;
  const get = (path: string, token: string | undefined = TOKEN) =>
    getJson(double.url, path, token);
  const watch = (path: string) => rawWatch(double.url, path, TOKEN);

  beforeEach(async () => {
    double = await start({
      token: TOKEN,
      objects: sampleCluster(),
      bookmarkIntervalMs: 3_600_000,
    });
  });
  afterEach(async () => {
    await double.close();
  });

  describe('list', () => {
    it('serves a typed List with the current resourceVersion; built-in items have no kind', async () => {
      const { status, body } = await get('/apis/apps/v1/deployments');
      expect(status).toBe(200);
      expect(body.kind).toBe('DeploymentList');
      expect(body.apiVersion).toBe('apps/v1');
      expect(body.metadata.resourceVersion).toBe(double.resourceVersion());
      expect(body.items.map((d: any) => d.metadata.name)).toEqual([
        'checkout',
        'payments',
      ]);
      expect(body.items[0].kind).toBeUndefined();

      const apps = await get(
        '/apis/argoproj.io/v1alpha1/namespaces/argocd/applications',
      );
      expect(apps.body.kind).toBe('ApplicationList');
      expect(apps.body.items[0].kind).toBe('Application'); // CRD list items keep kind
      expect(apps.body.items[0].status.sync.status).toBe('Synced');
    });

    it('serves every resource the product uses, namespaced and cluster-wide', async () => {
      const paths: Array<[string, string, number]> = [
        ['/api/v1/pods', 'PodList', 6],
        ['/api/v1/namespaces/shop/pods', 'PodList', 6],
        ['/api/v1/namespaces/argocd/pods', 'PodList', 0],
        ['/apis/apps/v1/namespaces/shop/deployments', 'DeploymentList', 2],
        ['/apis/apps/v1/statefulsets', 'StatefulSetList', 1],
        ['/apis/apps/v1/replicasets', 'ReplicaSetList', 2],
        ['/apis/argoproj.io/v1alpha1/applications', 'ApplicationList', 1],
        [
          '/apis/kustomize.toolkit.fluxcd.io/v1/kustomizations',
          'KustomizationList',
          1,
        ],
        ['/apis/helm.toolkit.fluxcd.io/v2/helmreleases', 'HelmReleaseList', 1],
        ['/api/v1/secrets', 'SecretList', 1],
        ['/api/v1/namespaces', 'NamespaceList', 3],
      ];
      for (const [path, kind, n] of paths) {
        const { status, body } = await get(path);
        expect([path, status, body.kind, body.items.length]).toEqual([
          path,
          200,
          kind,
          n,
        ]);
      }
    });

    it('filters by label selector (equality, in, notin, exists) and metadata.name', async () => {
      const names = async (q: string) =>
        (await get(`/api/v1/pods?${q}`)).body.items.map(
          (p: any) => p.metadata.name.split('-')[0],
        );
      expect(
        new Set(
          await names('labelSelector=app.kubernetes.io%2Fname%3Dcheckout'),
        ),
      ).toEqual(new Set(['checkout']));
      expect(
        await names(
          `labelSelector=${encodeURIComponent(
            'app.kubernetes.io/name in (payments, ledger-db)',
          )}`,
        ),
      ).toHaveLength(3);
      expect(
        await names(
          `labelSelector=${encodeURIComponent(
            'app.kubernetes.io/name notin (checkout),pod-template-hash',
          )}`,
        ),
      ).toEqual(['payments', 'payments']);
      expect(
        await names(
          `labelSelector=${encodeURIComponent('!pod-template-hash')}`,
        ),
      ).toEqual(['ledger']);
      const one = await get(
        '/apis/apps/v1/deployments?fieldSelector=metadata.name%3Dpayments',
      );
      expect(one.body.items.map((d: any) => d.metadata.name)).toEqual([
        'payments',
      ]);
      const bad = await get(
        '/apis/apps/v1/deployments?fieldSelector=spec.replicas%3D3',
      );
      expect(bad.status).toBe(400);
      expect(bad.body).toMatchObject({
        kind: 'Status',
        code: 400,
        reason: 'BadRequest',
        message: 'field label not supported: spec.replicas',
      });
    });

    it('pages with limit/continue over a consistent snapshot; an old continue token gets 410', async () => {
      const first = await get('/api/v1/pods?limit=2');
      expect(first.body.items).toHaveLength(2);
      expect(first.body.metadata.remainingItemCount).toBe(4);
      const rv = first.body.metadata.resourceVersion;
      // a change between pages does not show up in this list (snapshot at rv)
      const last = double.list('Pod').pop();
      double.remove('Pod', 'shop', last.metadata.name);
      const second = await get(
        `/api/v1/pods?limit=2&continue=${encodeURIComponent(
          first.body.metadata.continue,
        )}`,
      );
      expect(second.body.metadata.resourceVersion).toBe(rv);
      expect(second.body.items).toHaveLength(2);
      const third = await get(
        `/api/v1/pods?limit=2&continue=${encodeURIComponent(
          second.body.metadata.continue,
        )}`,
      );
      expect(third.body.items).toHaveLength(2);
      expect(third.body.metadata.continue).toBeUndefined();
      const all = [
        ...first.body.items,
        ...second.body.items,
        ...third.body.items,
      ].map(p => p.metadata.name);
      expect(new Set(all).size).toBe(6);
      expect(all[5]).toBe(last.metadata.name);

      const again = await get('/api/v1/pods?limit=2');
      double.faults.compact();
      const expired = await get(
        `/api/v1/pods?limit=2&continue=${encodeURIComponent(
          again.body.metadata.continue,
        )}`,
      );
      expect(expired.status).toBe(410);
      expect(expired.body).toMatchObject({
        kind: 'Status',
        reason: 'Expired',
        code: 410,
      });
    });

    it('gets single objects; 404 Status for missing ones', async () => {
      const d = await get('/apis/apps/v1/namespaces/shop/deployments/checkout');
      expect(d.status).toBe(200);
      expect(d.body).toMatchObject({
        kind: 'Deployment',
        apiVersion: 'apps/v1',
        metadata: { name: 'checkout' },
      });
      const ns = await get('/api/v1/namespaces/shop');
      expect(ns.body.kind).toBe('Namespace');
      const missing = await get(
        '/apis/apps/v1/namespaces/shop/deployments/nope',
      );
      expect(missing.status).toBe(404);
      expect(missing.body).toMatchObject({
        kind: 'Status',
        status: 'Failure',
        reason: 'NotFound',
        message: 'deployments.apps "nope" not found',
        details: { name: 'nope', group: 'apps', kind: 'deployments' },
        code: 404,
      });
      expect((await get('/apis/apps/v1/namespaces/shop/cronjobs')).status).toBe(
        404,
      );
      expect(
        (await get('/apis/batch/v1/namespaces/shop/jobs/nope')).status,
      ).toBe(404);
      expect((await get('/apis/storage.k8s.io/v1/storageclasses')).status).toBe(
        404,
      );
      expect((await get('/apis/batch/v1/jobs')).body.kind).toBe('JobList');
    });

    it('serves Secrets as a real cluster does (base64 data), so tests can prove the product never exposes them', async () => {
      const { body } = await get('/api/v1/namespaces/shop/secrets/checkout-db');
      expect(Buffer.from(body.data.password, 'base64').toString()).toBe(
        SECRET_PLAINTEXT,
      );
    });
  });

  describe('discovery', () => {
    it('serves /version, /api, /apis and resource lists', async () => {
      expect((await get('/version')).body).toMatchObject({
        major: '1',
        gitVersion: expect.stringMatching(/^v1\./),
      });
      expect((await get('/api')).body).toMatchObject({
        kind: 'APIVersions',
        versions: ['v1'],
      });
      const groups = (await get('/apis')).body;
      expect(groups.kind).toBe('APIGroupList');
      expect(groups.groups.map((g: any) => g.name)).toEqual([
        'apps',
        'batch',
        'autoscaling',
        'networking.k8s.io',
        'argoproj.io',
        'kustomize.toolkit.fluxcd.io',
        'helm.toolkit.fluxcd.io',
      ]);
      const apps = (await get('/apis/apps/v1')).body;
      expect(apps).toMatchObject({
        kind: 'APIResourceList',
        groupVersion: 'apps/v1',
      });
      expect(
        apps.resources.find((r: any) => r.name === 'deployments'),
      ).toMatchObject({
        kind: 'Deployment',
        namespaced: true,
        verbs: ['get', 'list', 'watch'],
      });
      expect(
        (await get('/api/v1')).body.resources.map((r: any) => r.name),
      ).toEqual([
        'pods',
        'secrets',
        'namespaces',
        'services',
        'configmaps',
        'limitranges',
        'resourcequotas',
      ]);
    });
  });

  describe('auth and injected failures', () => {
    it('answers 401 Status without or with a wrong token', async () => {
      for (const token of [undefined, 'wrong']) {
        const res = await getJson(double.url, '/api/v1/pods', token);
        expect(res.status).toBe(401);
        expect(res.body).toEqual({
          kind: 'Status',
          apiVersion: 'v1',
          metadata: {},
          status: 'Failure',
          message: 'Unauthorized',
          reason: 'Unauthorized',
          code: 401,
        });
      }
      double.setToken('rotated');
      expect((await get('/api/v1/pods')).status).toBe(401);
      expect((await get('/api/v1/pods', 'rotated')).status).toBe(200);
    });

    it('authenticates with a function of the Authorization header (a webhook token authenticator) and shows each request its headers', async () => {
      const seen: Array<string | undefined> = [];
      const other = await start({
        authenticate: authorization =>
          authorization?.startsWith('Bearer signed.') ?? false,
        onRequest: r => seen.push(r.headers.authorization),
      });
      try {
        const ok = await getJson(other.url, '/api/v1/pods', 'signed.1');
        const refused = await getJson(other.url, '/api/v1/pods', 'forged');
        const none = await getJson(other.url, '/api/v1/pods');
        expect([ok.status, refused.status, none.status]).toEqual([
          200, 401, 401,
        ]);
        expect(refused.body.reason).toBe('Unauthorized');
        expect(seen).toEqual(['Bearer signed.1', 'Bearer forged', undefined]);
      } finally {
        await other.close();
      }
    });

    it('fails the next N matching requests with 500 / 403, then recovers', async () => {
      double.faults.failNext({
        status: 500,
        count: 2,
        match: { resource: 'deployments' },
      });
      double.faults.failNext({
        status: 403,
        match: { verb: 'list', resource: 'Application' },
      });
      expect((await get('/api/v1/pods')).status).toBe(200);
      const e1 = await get('/apis/apps/v1/deployments');
      expect(e1.status).toBe(500);
      expect(e1.body).toMatchObject({ reason: 'InternalError', code: 500 });
      expect(
        (await get('/apis/apps/v1/namespaces/shop/deployments/checkout'))
          .status,
      ).toBe(500);
      expect((await get('/apis/apps/v1/deployments')).status).toBe(200);
      const forbidden = await get(
        '/apis/argoproj.io/v1alpha1/namespaces/argocd/applications',
      );
      expect(forbidden.status).toBe(403);
      expect(forbidden.body.reason).toBe('Forbidden');
      expect(forbidden.body.message).toMatch(
        /cannot list resource "applications" in API group "argoproj.io" in the namespace "argocd"/,
      );
      expect(
        (await get('/apis/argoproj.io/v1alpha1/namespaces/argocd/applications'))
          .status,
      ).toBe(200);
    });

    it('adds latency to matching requests (they still succeed)', async () => {
      double.faults.setLatency(30, { resource: 'pods' });
      expect((await get('/api/v1/pods')).status).toBe(200);
      double.faults.setLatency(0, { resource: 'pods' });
      expect((await get('/api/v1/pods')).status).toBe(200);
    });

    it('answers 405 to writes (the double is read-only over HTTP)', async () => {
      const status = await new Promise<number>((resolve, reject) => {
        const req = http.request(
          `${double.url}/api/v1/namespaces/shop/pods`,
          { method: 'POST', headers: { Authorization: `Bearer ${TOKEN}` } },
          res => {
            res.resume();
            resolve(res.statusCode ?? 0);
          },
        );
        req.on('error', reject);
        req.end('{}');
      });
      expect(status).toBe(405);
    });
  });

  describe('counters', () => {
    it('counts per verb and resource, plus total; resetCounters starts over', async () => {
      await get('/apis/apps/v1/deployments');
      await get('/apis/apps/v1/namespaces/shop/deployments');
      await get('/apis/apps/v1/namespaces/shop/deployments/checkout');
      await get('/api/v1/pods', 'wrong'); // unauthorized requests count too
      await get('/apis');
      const w = watch('/apis/apps/v1/deployments?watch=true');
      await double.waitForWatches(1);
      w.close();
      const c = double.counters();
      expect(c.total).toBe(6);
      expect(c.byVerb).toEqual({
        list: 3,
        watch: 1,
        get: 1,
        discovery: 1,
        other: 0,
      });
      expect(c.byResource).toEqual({
        deployments: { list: 2, get: 1, watch: 1 },
        pods: { list: 1 },
      });
      expect(
        double.count({
          verb: 'list',
          resource: 'Deployment',
          namespace: 'shop',
        }),
      ).toBe(1);
      double.resetCounters();
      expect(double.counters().total).toBe(0);
      expect(double.count()).toBe(0);
    });
  });

  describe('watch', () => {
    it('streams chunked newline-delimited ADDED/MODIFIED/DELETED events after the given resourceVersion', async () => {
      const rv = double.resourceVersion();
      const w = watch(
        `/apis/apps/v1/deployments?watch=1&resourceVersion=${rv}`,
      );
      expect(await w.status).toBe(200);
      const headers = await w.headers;
      expect(headers['content-type']).toBe('application/json');
      expect(headers['transfer-encoding']).toBe('chunked');
      await double.waitForWatches(1);

      const d = double.get('Deployment', 'shop', 'checkout');
      double.upsert({ ...d, spec: { ...d.spec, replicas: 4 } });
      const extra = deploymentSet({
        name: 'search',
        namespace: 'shop',
        image: 'ghcr.io/acme/search:0.1.0',
      });
      double.upsert(extra.deployment);
      double.upsert(extra.pods[0]); // other resource: not on this watch
      double.remove('Deployment', 'shop', 'search');

      await w.events.waitFor(e => e.type === 'DELETED');
      expect(
        w.events.items.map(e => [
          e.type,
          e.object.metadata.name,
          e.object.kind,
        ]),
      ).toEqual([
        ['MODIFIED', 'checkout', 'Deployment'],
        ['ADDED', 'search', 'Deployment'],
        ['DELETED', 'search', 'Deployment'],
      ]);
      const rvs = w.events.items.map(e =>
        Number(e.object.metadata.resourceVersion),
      );
      expect(rvs).toEqual([...rvs].sort((a, b) => a - b));
      expect(rvs[0]).toBe(Number(rv) + 1);
      w.close();
    });

    it('replays missed events from history when the resourceVersion is older than now', async () => {
      const rv = double.resourceVersion();
      double.remove('Pod', 'shop', double.list('Pod', 'shop')[0].metadata.name);
      const w = watch(
        `/api/v1/namespaces/shop/pods?watch=true&resourceVersion=${rv}`,
      );
      expect((await w.events.waitFor()).type).toBe('DELETED');
      w.close();
    });

    it('without resourceVersion sends the current state as ADDED first', async () => {
      const w = watch('/apis/argoproj.io/v1alpha1/applications?watch=true');
      const first = await w.events.waitFor();
      expect(first).toMatchObject({
        type: 'ADDED',
        object: { kind: 'Application', metadata: { name: 'checkout-prod' } },
      });
      w.close();
    });

    it('applies label selectors to events, with DELETED/ADDED when an object leaves or enters the selection', async () => {
      const w = watch(
        `/apis/apps/v1/deployments?watch=true&resourceVersion=${double.resourceVersion()}&labelSelector=tier%3Dfrontend`,
      );
      await double.waitForWatches(1);
      const d = double.get('Deployment', 'shop', 'checkout');
      const tagged = double.upsert({
        ...d,
        metadata: {
          ...d.metadata,
          labels: { ...d.metadata.labels, tier: 'frontend' },
        },
      });
      double.upsert({
        ...tagged,
        status: { ...tagged.status, readyReplicas: 2 },
      });
      double.upsert({
        ...tagged,
        metadata: { ...tagged.metadata, labels: d.metadata.labels },
      });
      await w.events.waitFor(e => e.type === 'DELETED');
      expect(w.events.items.map(e => e.type)).toEqual([
        'ADDED',
        'MODIFIED',
        'DELETED',
      ]);
      w.close();
    });

    it('answers a too old resourceVersion with an ERROR event carrying a 410 Expired Status, then ends', async () => {
      const old = double.resourceVersion();
      const d = double.get('Deployment', 'shop', 'checkout');
      double.upsert({ ...d, spec: { ...d.spec, replicas: 5 } });
      double.faults.compact();
      const w = watch(
        `/apis/apps/v1/deployments?watch=true&resourceVersion=${old}`,
      );
      expect(await w.status).toBe(200);
      const e = await w.events.waitFor();
      expect(e.type).toBe('ERROR');
      expect(e.object).toMatchObject({
        kind: 'Status',
        apiVersion: 'v1',
        status: 'Failure',
        reason: 'Expired',
        code: 410,
      });
      expect(e.object.message).toMatch(
        /^too old resource version: \d+ \(\d+\)$/,
      );
      expect(await w.ended).toBe('end');
    });

    it('sends BOOKMARK events with the current resourceVersion only when allowed', async () => {
      const rv = double.resourceVersion();
      const withBookmarks = watch(
        `/apis/apps/v1/deployments?watch=true&resourceVersion=${rv}&allowWatchBookmarks=true`,
      );
      const without = watch(
        `/apis/apps/v1/deployments?watch=true&resourceVersion=${rv}`,
      );
      await double.waitForWatches(2);
      double.upsert(
        deploymentSet({ name: 'other', namespace: 'shop', image: 'x:1' })
          .pods[0],
      ); // bumps rv, not a deployment
      double.triggerBookmarks();
      const b = await withBookmarks.events.waitFor(e => e.type === 'BOOKMARK');
      expect(b.object).toEqual({
        kind: 'Deployment',
        apiVersion: 'apps/v1',
        metadata: { resourceVersion: double.resourceVersion() },
      });
      // a marker event reaches both; the watch without bookmarks saw nothing before it
      const d = double.get('Deployment', 'shop', 'checkout');
      double.upsert({ ...d, spec: { ...d.spec, replicas: 6 } });
      await without.events.waitFor(e => e.type === 'MODIFIED');
      expect(without.events.items.map(e => e.type)).toEqual(['MODIFIED']);
      withBookmarks.close();
      without.close();
    });

    it('sends periodic bookmarks', async () => {
      const fast = await start({ bookmarkIntervalMs: 10 });
      try {
        const w = rawWatch(
          fast.url,
          '/api/v1/pods?watch=true&allowWatchBookmarks=true&resourceVersion=0',
        );
        await w.events.waitFor(e => e.type === 'BOOKMARK');
        const second = await w.events.next(e => e.type === 'BOOKMARK');
        expect(second.object.metadata.resourceVersion).toBe(
          fast.resourceVersion(),
        );
        w.close();
      } finally {
        await fast.close();
      }
    });

    it('ends the stream cleanly after timeoutSeconds', async () => {
      const w = watch(
        `/api/v1/pods?watch=true&resourceVersion=${double.resourceVersion()}&timeoutSeconds=1`,
      );
      expect(await w.ended).toBe('end');
      expect(double.openWatches()).toBe(0);
    });

    it('fault: dropWatches breaks open streams (abrupt) or ends them (graceful)', async () => {
      const a = watch('/apis/apps/v1/deployments?watch=true&resourceVersion=1');
      const b = watch('/api/v1/pods?watch=true&resourceVersion=1');
      await double.waitForWatches(2);
      expect(double.faults.dropWatches({ resource: 'deployments' })).toBe(1);
      expect(await a.ended).toBe('aborted');
      expect(double.openWatches()).toBe(1);
      expect(double.faults.dropWatches({}, { graceful: true })).toBe(1);
      expect(await b.ended).toBe('end');
    });

    it('fault: a stalled watch keeps its socket open and sends nothing', async () => {
      const rv = double.resourceVersion();
      const stalled = watch(
        `/apis/apps/v1/namespaces/shop/deployments?watch=true&resourceVersion=${rv}&allowWatchBookmarks=true`,
      );
      const live = watch(
        `/apis/apps/v1/deployments?watch=true&resourceVersion=${rv}&allowWatchBookmarks=true`,
      );
      await double.waitForWatches(2);
      expect(double.faults.stallWatches({ namespace: 'shop' })).toBe(1);
      const d = double.get('Deployment', 'shop', 'checkout');
      double.upsert({ ...d, spec: { ...d.spec, replicas: 7 } });
      double.triggerBookmarks();
      await live.events.waitFor(e => e.type === 'BOOKMARK');
      expect(double.openWatches()).toBe(2);
      expect(stalled.events.items).toEqual([]);

      // future watches can be stalled too
      double.faults.stallWatches({ resource: 'pods' }, { future: true });
      const later = watch('/api/v1/pods?watch=true');
      await double.waitForWatches(3);
      double.faults.dropWatches({}, { graceful: true });
      await later.ended;
      expect(later.events.items).toEqual([]);
    });

    it('HTTP 410 on the initial watch request when configured (expiredWatch: http)', async () => {
      const strict = await start({ expiredWatch: 'http' });
      try {
        const set = deploymentSet({ name: 'a', namespace: 'x', image: 'a:1' });
        strict.upsert(set.deployment);
        strict.upsert(set.replicaSet);
        strict.faults.compact();
        const res = await getJson(
          strict.url,
          '/apis/apps/v1/deployments?watch=true&resourceVersion=1',
        );
        expect(res.status).toBe(410);
        expect(res.body).toMatchObject({
          kind: 'Status',
          reason: 'Expired',
          code: 410,
        });
      } finally {
        await strict.close();
      }
    });
  });
});
