import { mockServices, TestDatabases } from '@backstage/backend-test-utils';
import { LedgerStore } from '../../database/LedgerStore';
import { ClusterObserver } from '../ClusterObserver';
import { ClientNodeKubeClient, kubeConfigOf } from '../kubeClient';
import { LiveService } from '../LiveService';
import { LiveStore } from '../LiveStore';
import { addRollout, seedLedger, setDesired } from '../__testUtils__/ledger';
import { waitFor } from '../__testUtils__/waitFor';
import { startDemoClusters } from './startDemoClusters';

jest.setTimeout(90_000);

const databases = TestDatabases.create({ ids: ['SQLITE_3'] });

describe('demo clusters', () => {
  it('start one double per pipeline cluster, deploy what Git wants, roll changes out (one degrading), seen live', async () => {
    const knex = await databases.init('SQLITE_3');
    await LedgerStore.fromKnex(knex);
    await seedLedger(knex); // pipeline on clusters c1 (dev) and c2 (prod)
    const store = new LiveStore(knex);
    const demo = await startDemoClusters({
      store,
      logger: mockServices.logger.mock(),
      reconciler: {
        intervalMs: 50,
        syncDelayMs: 10,
        stepDelayMs: 10,
        degrade: (service, environment) =>
          service === 'payments' && environment === 'prod',
      },
    });
    expect(demo.clusters.map(c => c.name)).toEqual(
      expect.arrayContaining(['c1', 'c2', 'dev-cluster', 'prod-eu-cluster']),
    );
    const observer = new ClusterObserver({
      db: knex,
      clusters: demo.clusters.map(c => ({
        name: c.name,
        client: new ClientNodeKubeClient(kubeConfigOf(c)),
      })),
      logger: mockServices.logger.mock(),
      lease: { ttlMs: 3000, renewMs: 100 },
      debounceMs: 20,
      refreshMs: 100,
    });
    const live = new LiveService(
      store,
      demo.clusters.map(c => c.name),
      ['demo'],
    );
    try {
      demo.start();
      observer.start();
      await waitFor(async () => {
        const r = await live.getServiceLive('demo', 'payments');
        return r.environments.every(
          e => e.health === 'Healthy' && e.observedVersions[0] === '2.0.0',
        );
      }, 'the initial deployment');

      // Git moves: payments 2.1.0 everywhere; the prod rollout degrades.
      for (const env of ['dev', 'prod']) {
        await setDesired(knex, 'payments', env, '2.1.0');
        await addRollout(knex, 'payments', env, '2.0.0', '2.1.0');
      }
      const outcomes = await waitFor(async () => {
        const rows = await knex('gitops_rollouts')
          .where({ service: 'payments', to_version: '2.1.0' })
          .orderBy('environment');
        return rows.every(r => ['succeeded', 'degraded'].includes(r.outcome))
          ? rows
          : undefined;
      }, 'rollout outcomes');
      expect(outcomes.map(r => [r.environment, r.outcome])).toEqual([
        ['dev', 'succeeded'],
        ['prod', 'degraded'],
      ]);
      const r = await live.getServiceLive('demo', 'payments');
      expect(
        r.environments.map(e => [e.environment, e.health, e.observedVersions]),
      ).toEqual([
        ['dev', 'Healthy', ['2.1.0']],
        ['prod', 'Degraded', ['2.0.0', '2.1.0']],
      ]);
    } finally {
      await observer.stop();
      await demo.stop();
    }
  });
});
