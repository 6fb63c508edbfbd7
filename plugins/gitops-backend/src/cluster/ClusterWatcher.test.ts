import { fixtures, KubeApiDouble, start } from '@gitops2/kube-api-double';
import { ClusterWatcher } from './ClusterWatcher';
import { testWatcher, TOKEN, clientFor } from './__testUtils__/doubles';
import { waitFor } from './__testUtils__/waitFor';
import { mockServices } from '@backstage/backend-test-utils';

jest.setTimeout(60_000);

const KINDS = 7;

function checkoutImage(w: ClusterWatcher): string | undefined {
  return w.snapshot().workloads.find(x => x.name === 'checkout')?.images[0]
    ?.image;
}

function setImage(double: KubeApiDouble, image: string) {
  const d = double.get('Deployment', 'shop', 'checkout');
  d.spec.template.spec.containers[0].image = image;
  double.upsert(d);
}

describe('ClusterWatcher against the Kubernetes API double', () => {
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

  async function started(options = {}) {
    watcher = testWatcher(double.url, options);
    watcher.start();
    await waitFor(() => watcher!.hasListed(), 'first lists');
    await double.waitForWatches(KINDS);
    return watcher;
  }

  it('lists then watches each kind once, keeps summaries only, and asks for bookmarks', async () => {
    const queries: URLSearchParams[] = [];
    await double.close();
    double = await start({
      token: TOKEN,
      objects: fixtures.sampleCluster(),
      bookmarkIntervalMs: 100,
      onRequest: r => {
        if (r.verb === 'watch') queries.push(r.query);
      },
    });
    const w = await started();
    expect(double.count({ verb: 'list' })).toBe(KINDS);
    expect(double.count({ resource: 'secrets' })).toBe(0);
    expect(queries.every(q => q.get('allowWatchBookmarks') === 'true')).toBe(
      true,
    );
    expect(w.connectionState().state).toBe('connected');
    const snap = w.snapshot();
    expect(snap.workloads.map(x => x.name).sort()).toEqual([
      'checkout',
      'ledger-db',
      'payments',
    ]);
    expect(snap.deliveries.map(x => x.kind).sort()).toEqual([
      'Application',
      'HelmRelease',
      'Kustomization',
    ]);
    expect(JSON.stringify(snap)).not.toContain(fixtures.SECRET_PLAINTEXT);
    // Live updates arrive through the watch.
    setImage(double, 'ghcr.io/acme/checkout:1.5.0');
    await waitFor(
      () => checkoutImage(w) === 'ghcr.io/acme/checkout:1.5.0',
      'the update',
    );
    double.remove('Deployment', 'shop', 'payments');
    await waitFor(
      () => !w.snapshot().workloads.some(x => x.name === 'payments'),
      'the deletion',
    );
  });

  it('dropped watch: resumes from its resourceVersion, no update lost, no relist', async () => {
    const w = await started();
    const lists = w.stats.lists;
    expect(double.faults.dropWatches({ resource: 'deployments' })).toBe(1);
    setImage(double, 'ghcr.io/acme/checkout:1.6.0'); // while no watch is open
    await waitFor(
      () => checkoutImage(w) === 'ghcr.io/acme/checkout:1.6.0',
      'the update made while disconnected',
    );
    expect(w.stats.lists).toBe(lists);
    expect(w.stats.relists).toBe(0);
  });

  it('stale resourceVersion (410): relists and sees the state', async () => {
    const w = await started();
    // The change is not delivered (stalled watch), then the history is compacted:
    // the watch resumes from a resourceVersion that is too old.
    double.faults.stallWatches({ resource: 'deployments' });
    setImage(double, 'ghcr.io/acme/checkout:1.7.0');
    double.faults.compact();
    double.faults.dropWatches({ resource: 'deployments' });
    await waitFor(
      () => checkoutImage(w) === 'ghcr.io/acme/checkout:1.7.0',
      'the relisted state',
    );
    expect(w.stats.relists).toBeGreaterThanOrEqual(1);
    expect(
      double.count({ verb: 'list', resource: 'deployments' }),
    ).toBeGreaterThanOrEqual(2);
  });

  it('stalled watch: restarted after the silence timeout', async () => {
    const w = await started();
    double.faults.stallWatches({ resource: 'deployments' });
    setImage(double, 'ghcr.io/acme/checkout:1.8.0');
    await waitFor(
      () => checkoutImage(w) === 'ghcr.io/acme/checkout:1.8.0',
      'the update after the restart',
    );
    expect(w.stats.silenceRestarts).toBeGreaterThanOrEqual(1);
  });

  it('500 then recovery: backs off, reconnects, marks unreachable meanwhile', async () => {
    const states: string[] = [];
    const w = await started({
      onConnection: (c: { state: string }) => states.push(c.state),
    });
    double.faults.failNext({
      status: 500,
      count: 3,
      match: { resource: 'deployments' },
    });
    double.faults.dropWatches({ resource: 'deployments' });
    setImage(double, 'ghcr.io/acme/checkout:1.9.0');
    await waitFor(
      () => checkoutImage(w) === 'ghcr.io/acme/checkout:1.9.0',
      'the update after the errors',
    );
    expect(w.stats.errors).toBeGreaterThanOrEqual(1);
    await waitFor(
      () => w.connectionState().state === 'connected',
      'connected again',
    );
    expect(states).toContain('unreachable');
    expect(states[states.length - 1]).toBe('connected');
  });

  it('401: unauthorized since …, nothing listed, the token not in the message', async () => {
    watcher = new ClusterWatcher({
      cluster: 'c1',
      client: clientFor(double.url, 'wrong-token'),
      logger: mockServices.logger.mock(),
      backoff: { initialMs: 20, maxMs: 100 },
    });
    watcher.start();
    await waitFor(
      () => watcher!.connectionState().state === 'unauthorized',
      'unauthorized',
    );
    expect(watcher.connectionState().since).toEqual(expect.any(String));
    expect(watcher.connectionState().message).not.toContain('wrong-token');
    expect(watcher.hasListed()).toBe(false);
  });

  it('skips a kind the cluster does not serve (404)', async () => {
    double.faults.failNext({
      status: 404,
      count: 1,
      match: { verb: 'list', resource: 'helmreleases' },
    });
    watcher = testWatcher(double.url);
    watcher.start();
    await waitFor(() => watcher!.hasListed(), 'first lists');
    expect(watcher.servedKinds()).not.toContain('HelmRelease');
    expect(watcher.connectionState().state).toBe('connected');
    await double.waitForWatches(KINDS - 1);
    expect(double.openWatches({ resource: 'helmreleases' })).toBe(0);
  });
});
