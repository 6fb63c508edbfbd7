import { fixtures, KubeApiDouble, start } from '@gitops2/kube-api-double';
import { ClusterWatcher } from './ClusterWatcher';
import { testWatcher, TOKEN } from './__testUtils__/doubles';
import { waitFor } from './__testUtils__/waitFor';
import { WatchScope } from './watchScope';

jest.setTimeout(60_000);

const KINDS = 7;
const BULK = 23;

/** The sample cluster plus BULK Deployments (with their ReplicaSet and pods) in `bulk`. */
function objects() {
  return [
    ...fixtures.sampleCluster(),
    fixtures.namespace('bulk'),
    ...Array.from(
      { length: BULK },
      (_, i) =>
        fixtures.deploymentSet({
          name: `svc-${String(i).padStart(2, '0')}`,
          namespace: 'bulk',
          image: `ghcr.io/acme/svc-${i}:1.0.0`,
          replicas: 1,
        }).all,
    ).flat(),
  ];
}

describe('ClusterWatcher scope: paged lists, namespaces, label selector', () => {
  let double: KubeApiDouble;
  let watcher: ClusterWatcher | undefined;
  let onRequest: (r: {
    verb: string;
    resource?: string;
    query: URLSearchParams;
  }) => void;

  beforeEach(async () => {
    onRequest = () => {};
    double = await start({
      token: TOKEN,
      objects: objects(),
      bookmarkIntervalMs: 100,
      onRequest: r => onRequest(r),
    });
  });
  afterEach(async () => {
    await watcher?.stop();
    watcher = undefined;
    await double.close();
  });

  async function started(scope: WatchScope, watches: number) {
    watcher = testWatcher(double.url, { scope });
    watcher.start();
    await waitFor(() => watcher!.hasListed(), 'first lists');
    await double.waitForWatches(watches);
    return watcher;
  }

  const deploymentCount = () => double.list('Deployment').length;

  it('lists page by page with limit/continue: every object, ceil(n / pageSize) requests per kind', async () => {
    const limits: string[] = [];
    onRequest = r => {
      if (r.verb === 'list') limits.push(r.query.get('limit') ?? '');
    };
    const w = await started({ pageSize: 10 }, KINDS);
    const deployments = deploymentCount();
    expect(deployments).toBeGreaterThan(2 * 10); // three pages at least
    expect(
      w.snapshot().workloads.filter(x => x.kind === 'Deployment'),
    ).toHaveLength(deployments);
    expect(double.count({ verb: 'list', resource: 'deployments' })).toBe(
      Math.ceil(deployments / 10),
    );
    const pods = double.list('Pod').length;
    expect(w.snapshot().pods).toHaveLength(pods);
    expect(double.count({ verb: 'list', resource: 'pods' })).toBe(
      Math.ceil(pods / 10),
    );
    expect(limits.every(l => l === '10')).toBe(true);
    expect(w.stats.lists).toBe(KINDS);
    expect(w.stats.listPages).toBe(double.count({ verb: 'list' }));
    // A change after the paged list arrives through the watch.
    const d = double.get('Deployment', 'bulk', 'svc-00');
    d.spec.template.spec.containers[0].image = 'ghcr.io/acme/svc-0:2.0.0';
    double.upsert(d);
    await waitFor(
      () =>
        w.snapshot().workloads.find(x => x.name === 'svc-00')?.images[0]
          ?.image === 'ghcr.io/acme/svc-0:2.0.0',
      'the watched change',
    );
  });

  it('lists again from the first page when a continue token has expired (410)', async () => {
    let failed = false;
    onRequest = r => {
      if (
        !failed &&
        r.verb === 'list' &&
        r.resource === 'deployments' &&
        r.query.has('continue')
      ) {
        failed = true;
        double.faults.failNext({
          status: 410,
          match: { verb: 'list', resource: 'deployments' },
        });
      }
    };
    const w = await started({ pageSize: 10 }, KINDS);
    expect(failed).toBe(true);
    const pages = Math.ceil(deploymentCount() / 10);
    // The first page, the refused second one, then a complete list again.
    expect(double.count({ verb: 'list', resource: 'deployments' })).toBe(
      2 + pages,
    );
    expect(w.stats.relists).toBe(1);
    expect(
      w.snapshot().workloads.filter(x => x.kind === 'Deployment'),
    ).toHaveLength(deploymentCount());
  });

  it('watches only the namespaces of the scope: no cluster-wide request', async () => {
    const w = await started({ namespaces: ['shop', 'argocd'] }, 2 * KINDS);
    const total = double.count();
    expect(total).toBeGreaterThan(0);
    expect(
      double.count({ namespace: 'shop' }) +
        double.count({ namespace: 'argocd' }),
    ).toBe(total);
    expect(double.openWatches({ namespace: 'shop' })).toBe(KINDS);
    const names = w.snapshot().workloads.map(x => x.name);
    expect(names.sort()).toEqual(['checkout', 'ledger-db', 'payments']);
    expect(w.snapshot().deliveries.length).toBeGreaterThan(0);
    // An object in another namespace is never seen.
    double.upsert(
      fixtures.deploymentSet({
        name: 'late',
        namespace: 'bulk',
        image: 'ghcr.io/acme/late:1',
      }).deployment,
    );
    double.upsert(
      fixtures.deploymentSet({
        name: 'late',
        namespace: 'shop',
        image: 'ghcr.io/acme/late:1',
      }).deployment,
    );
    await waitFor(
      () => w.snapshot().workloads.some(x => x.name === 'late'),
      'the change in shop',
    );
    expect(
      w
        .snapshot()
        .workloads.filter(x => x.name === 'late')
        .map(x => x.namespace),
    ).toEqual(['shop']);
  });

  it('applies the label selector to every list and watch', async () => {
    const selectors: string[] = [];
    onRequest = r => {
      if (r.verb === 'list' || r.verb === 'watch')
        selectors.push(r.query.get('labelSelector') ?? '');
    };
    const w = await started(
      { labelSelector: 'backstage.io/kubernetes-id in (svc-01,svc-02)' },
      KINDS,
    );
    expect(selectors.length).toBeGreaterThanOrEqual(2 * KINDS);
    expect(
      selectors.every(
        s => s === 'backstage.io/kubernetes-id in (svc-01,svc-02)',
      ),
    ).toBe(true);
    expect(
      w
        .snapshot()
        .workloads.map(x => x.name)
        .sort(),
    ).toEqual(['svc-01', 'svc-02']);
    expect(w.snapshot().pods).toHaveLength(2);
  });
});

describe('ClusterWatcher scope: bounded memory', () => {
  let double: KubeApiDouble;
  let watcher: ClusterWatcher | undefined;

  beforeEach(async () => {
    double = await start({
      token: TOKEN,
      objects: fixtures.sampleCluster(),
      bookmarkIntervalMs: 100,
    });
  });
  afterEach(async () => {
    await watcher?.stop();
    watcher = undefined;
    await double.close();
  });

  it('keeps at most maxObjects and reports the cluster unreachable with the reason', async () => {
    const all = objects().length; // more than the sample cluster holds
    watcher = testWatcher(double.url, { scope: { maxObjects: 5 } });
    watcher.start();
    const connection = await waitFor(() => {
      const c = watcher!.connectionState();
      return c.state === 'unreachable' ? c : undefined;
    }, 'the over-limit state');
    expect(connection.message).toContain('more than 5 objects');
    expect(connection.message).toContain('namespaces or labelSelector');
    expect(watcher.size()).toBeLessThanOrEqual(5);
    expect(watcher.stats.overLimit).toBeGreaterThan(0);
    expect(all).toBeGreaterThan(5);
  });

  it('refuses an object added beyond the bound: the cache stays at the bound and the cluster is reported unreachable', async () => {
    const max = 200; // room for the sample cluster, not for 20 more Deployments
    const w = (watcher = testWatcher(double.url, {
      scope: { maxObjects: max },
    }));
    w.start();
    await waitFor(() => w.hasListed(), 'first lists');
    await double.waitForWatches(KINDS);
    const held = w.size();
    expect(w.connectionState().state).toBe('connected');
    for (let i = 0; i < max - held + 20; i++) {
      double.upsert(
        fixtures.deploymentSet({
          name: `extra-${i}`,
          namespace: 'shop',
          image: `ghcr.io/acme/extra:${i}`,
        }).deployment,
      );
    }
    await waitFor(
      () => w.connectionState().state === 'unreachable',
      'the over-limit state',
    );
    expect(w.size()).toBe(max);
    expect(w.connectionState().message).toContain(`more than ${max} objects`);
  });
});
