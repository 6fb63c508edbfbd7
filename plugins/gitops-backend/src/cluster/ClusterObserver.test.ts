import { mockServices, TestDatabases } from '@backstage/backend-test-utils';
import {
  fixtures,
  KubeApiDouble,
  simulateRollout,
  start,
} from '@gitops2/kube-api-double';
import type { Knex } from 'knex';
import { LedgerStore } from '../database/LedgerStore';
import { ClusterObserver } from './ClusterObserver';
import { LiveService } from './LiveService';
import { clientFor, TOKEN } from './__testUtils__/doubles';
import { addRollout, seedLedger, setDesired } from './__testUtils__/ledger';
import { waitFor } from './__testUtils__/waitFor';

jest.setTimeout(90_000);

const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });

describe.each(databases.eachSupportedId())(
  'ClusterObserver on %p',
  databaseId => {
    let knex: Knex;
    let c1: KubeApiDouble;
    let c2: KubeApiDouble;
    const observers: ClusterObserver[] = [];

    beforeEach(async () => {
      knex = await databases.init(databaseId);
      await LedgerStore.fromKnex(knex);
      await seedLedger(knex);
      c1 = await start({
        token: TOKEN,
        objects: fixtures.sampleCluster(),
        bookmarkIntervalMs: 200,
      });
      c2 = await start({
        token: TOKEN,
        objects: fixtures.sampleCluster(),
        bookmarkIntervalMs: 200,
      });
    });

    afterEach(async () => {
      await Promise.all(observers.splice(0).map(o => o.stop()));
      await c1.close();
      await c2.close();
    });

    function observer(
      holder: string,
      lease: { ttlMs: number; renewMs: number } = { ttlMs: 3000, renewMs: 100 },
    ) {
      const o = new ClusterObserver({
        db: knex,
        clusters: [
          { name: 'c1', client: clientFor(c1.url, TOKEN, 'c1') },
          { name: 'c2', client: clientFor(c2.url, TOKEN, 'c2') },
        ],
        logger: mockServices.logger.mock(),
        holder,
        lease,
        watcher: {
          backoff: { initialMs: 20, maxMs: 200 },
          silenceTimeoutMs: 5000,
        },
        debounceMs: 20,
        refreshMs: 200,
      });
      observers.push(o);
      return o;
    }

    const live = () =>
      new LiveService(
        new ClusterObserver({
          db: knex,
          clusters: [],
          logger: mockServices.logger.mock(),
        }).store,
        ['c1', 'c2'],
        ['demo'],
      );
    const rollout = (environment: string, to: string) =>
      knex('gitops_rollouts')
        .where({ service: 'checkout', environment, to_version: to })
        .first();

    it('writes the live status per (service, environment), only on change, and the rollout outcome', async () => {
      const o = observer('a');
      o.start();
      const status = await waitFor(async () => {
        const r = await live().getServiceLive('demo', 'checkout');
        return r.environments.every(e => e.health === 'Healthy')
          ? r
          : undefined;
      }, 'healthy statuses');
      expect(status.environments[0]).toMatchObject({
        environment: 'dev',
        cluster: 'c1',
        health: 'Healthy',
        sync: 'Synced',
        replicas: { ready: 3, desired: 3 },
        pods: { running: 3, total: 3 },
        observedVersions: ['1.4.2'],
      });
      expect(status.environments[0].drift).toBeUndefined();
      expect(status.clusters.map(c => c.state)).toEqual([
        'connected',
        'connected',
      ]);

      const done = await waitFor(async () => {
        const r = await rollout('prod', '1.4.2');
        return r?.outcome === 'succeeded' ? r : undefined;
      }, 'rollout outcome');
      expect(done.observed_at).not.toBeNull();

      // Unchanged state is not rewritten: once everything observed so far
      // is written (one flush), more flushes write nothing.
      await o.flush();
      const before = await knex('gitops_live_status')
        .select('service', 'environment', 'updated_at_ms')
        .orderBy(['service', 'environment']);
      await o.flush();
      await o.flush();
      expect(
        await knex('gitops_live_status')
          .select('service', 'environment', 'updated_at_ms')
          .orderBy(['service', 'environment']),
      ).toEqual(before);
    });

    it('degraded rollout: outcome degraded in the ledger, drift until the new version appears', async () => {
      const o = observer('a');
      o.start();
      await waitFor(
        async () => (await rollout('prod', '1.4.2'))?.outcome === 'succeeded',
        'baseline',
      );
      await setDesired(knex, 'checkout', 'prod', '1.5.0');
      await addRollout(knex, 'checkout', 'prod', '1.4.2', '1.5.0');
      await o.flush();
      const drift = (await live().getServiceLive('demo', 'checkout'))
        .environments[1].drift;
      expect(drift).toMatchObject({ desired: '1.5.0', observed: ['1.4.2'] });

      await simulateRollout(c2, {
        namespace: 'shop',
        name: 'checkout',
        image: 'ghcr.io/acme/checkout:1.5.0',
        revision: fixtures.commitSha('checkout@1.5.0'),
        outcome: 'degraded',
        argoApplication: { name: 'checkout-prod' },
        sleep: () => Promise.resolve(),
      });
      const r = await waitFor(async () => {
        const row = await rollout('prod', '1.5.0');
        return row?.outcome === 'degraded' ? row : undefined;
      }, 'degraded outcome');
      expect(r.observed_at).not.toBeNull();
      const prod = (await live().getServiceLive('demo', 'checkout'))
        .environments[1];
      expect(prod.health).toBe('Degraded');
      expect(prod.observedVersions).toEqual(['1.4.2', '1.5.0']);
      expect(prod.drift).toBeUndefined();
      expect(prod.pods?.crashLooping).toBeGreaterThan(0);
    });

    it('records a version with no Git counterpart as out-of-band drift', async () => {
      const o = observer('a');
      o.start();
      await waitFor(
        async () => (await rollout('dev', '1.4.2'))?.outcome === 'succeeded',
        'baseline',
      );
      const d = c1.get('Deployment', 'shop', 'checkout');
      d.spec.template.spec.containers[0].image =
        'ghcr.io/acme/checkout:1.4.2-hotfix';
      c1.upsert(d);
      for (const p of c1
        .list('Pod', 'shop')
        .filter(x => x.metadata.name.startsWith('checkout'))) {
        p.spec.containers[0].image = 'ghcr.io/acme/checkout:1.4.2-hotfix';
        c1.upsert(p);
      }
      const rows = await waitFor(async () => {
        const r = await o.store.listDrift('demo', 'checkout');
        return r.length ? r : undefined;
      }, 'drift record');
      expect(rows[0]).toMatchObject({
        environment: 'dev',
        cluster: 'c1',
        observed_version: '1.4.2-hotfix',
        desired_version: '1.4.2',
      });
      const dev = (await live().getServiceLive('demo', 'checkout'))
        .environments[0];
      expect(dev.drift?.message).toBe(
        'Git wants 1.4.2, the cluster runs 1.4.2-hotfix',
      );
    });

    it('a cluster answering 401 then 500 degrades only its own cells, last known state kept', async () => {
      const o = observer('a');
      o.start();
      await waitFor(
        async () =>
          (
            await live().getServiceLive('demo', 'checkout')
          ).environments.every(e => e.health === 'Healthy'),
        'healthy',
      );
      c2.setToken('rotated-elsewhere');
      c2.faults.dropWatches();
      const r = await waitFor(async () => {
        const x = await live().getServiceLive('demo', 'checkout');
        return x.environments[1].connection?.state === 'unauthorized'
          ? x
          : undefined;
      }, 'prod unauthorized');
      expect(r.environments[1]).toMatchObject({
        health: 'Healthy',
        observedVersions: ['1.4.2'],
        connection: { cluster: 'c2', since: expect.any(String) },
      });
      expect(r.environments[0].connection).toBeUndefined();
      expect(r.environments[0].health).toBe('Healthy');

      c2.setToken(TOKEN);
      c2.faults.failNext({ status: 500, count: 1000 });
      c2.faults.dropWatches();
      await waitFor(
        async () =>
          (
            await live().getServiceLive('demo', 'checkout')
          ).environments[1].connection?.state === 'unreachable',
        'prod unreachable',
      );
      const dash = await live().getDashboard('demo');
      expect(dash.environments.map(e => [e.name, e.status])).toEqual([
        ['dev', 'DEPLOYED'],
        ['prod', 'ERROR'],
      ]);
      // Dev keeps following its cluster.
      c1.remove('Deployment', 'shop', 'payments');
      await waitFor(
        async () =>
          (
            await live().getServiceLive('demo', 'payments')
          ).environments[0].health !== 'Healthy'
            ? true
            : undefined,
        'dev update',
      );
      c2.faults.reset();
      await waitFor(
        async () =>
          (
            await live().getServiceLive('demo', 'checkout')
          ).environments[1].connection === undefined,
        'prod connected again',
      );
    });

    it('a re-check (Argo CD / Flux event) recomputes at once on the replica that watches the cluster, and is declined elsewhere', async () => {
      const a = observer('a');
      const b = observer('b');
      a.start();
      b.start();
      await waitFor(() => a.isWatching() || b.isWatching(), 'a leader');
      const [leader, follower] = a.isWatching() ? [a, b] : [b, a];
      await waitFor(() => leader.recomputations > 0, 'first recomputation');
      const before = leader.recomputations;
      expect(await leader.recheck('c2')).toBe(true);
      expect(leader.recomputations).toBeGreaterThan(before);
      expect(await leader.recheck('not-a-cluster')).toBe(false);
      expect(await follower.recheck('c2')).toBe(false);
    });

    it('two replicas on one database: exactly one watches, the other serves reads, and takes over when it stops', async () => {
      const a = observer('a');
      const b = observer('b');
      a.start();
      b.start();
      await waitFor(() => a.isWatching() || b.isWatching(), 'a leader');
      await c1.waitForWatches(7);
      await c2.waitForWatches(7);
      const [leader, follower] = a.isWatching() ? [a, b] : [b, a];
      expect(follower.isWatching()).toBe(false);
      expect(c1.openWatches()).toBe(7);
      expect(c2.openWatches()).toBe(7);
      await waitFor(
        async () =>
          (
            await live().getServiceLive('demo', 'checkout')
          ).environments.every(e => e.health === 'Healthy'),
        'statuses',
      );
      // Reads on the follower's side come from the store.
      const reads = new LiveService(follower.store, ['c1', 'c2'], ['demo']);
      const before = c1.count() + c2.count();
      expect(
        (await reads.getServiceLive('demo', 'checkout')).environments[0].health,
      ).toBe('Healthy');
      expect((await reads.getDashboard('demo')).environments).toHaveLength(2);
      expect(c1.count() + c2.count()).toBe(before);

      await leader.stop();
      await waitFor(
        () => follower.isWatching(),
        'the other replica takes over',
      );
      await c1.waitForWatches(7);
      c1.remove('Deployment', 'shop', 'checkout');
      await waitFor(
        async () =>
          (
            await reads.getServiceLive('demo', 'checkout')
          ).environments[0].health === 'Missing',
        'update by the new leader',
      );
    });

    it('a leader whose renewals stalled and whose lease was taken over stops writing and watching; the new leader writes', async () => {
      // a's renew timer never fires within the test: its lease expires after 3 s.
      const a = observer('a', { ttlMs: 3000, renewMs: 600_000 });
      a.start();
      await waitFor(() => a.isWatching(), 'a elected');
      await c1.waitForWatches(7);
      const b = observer('b');
      b.start();
      await waitFor(() => b.isWatching(), 'b takes the expired lease over');
      expect(a.isLeader()).toBe(false);
      const lease = await knex('gitops_cluster_leases').first();
      expect(lease).toMatchObject({ holder: 'b' });
      expect(Number(lease.generation)).toBe(2);
      // a's next recomputation is refused: it demotes itself and closes its watches.
      await waitFor(() => !a.isWatching(), 'a demoted by its refused write');
      await waitFor(() => c1.openWatches() === 7, "only b's watches open");
      c1.remove('Deployment', 'shop', 'checkout');
      await waitFor(
        async () =>
          (
            await live().getServiceLive('demo', 'checkout')
          ).environments[0].health === 'Missing',
        'update by the new leader',
      );
      expect(b.isWatching()).toBe(true);
    });
  },
);
