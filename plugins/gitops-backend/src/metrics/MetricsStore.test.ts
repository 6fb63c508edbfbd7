import { TestDatabases } from '@backstage/backend-test-utils';
import type { Knex } from 'knex';
import { LedgerStore } from '../database/LedgerStore';
import { MetricsService } from './MetricsService';
import { MetricsStore } from './MetricsStore';

jest.setTimeout(60_000);

const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });

const SOURCE = 'demo:cart';
const SINCE = '2026-01-01T00:00:00.000Z';
const UNTIL = '2026-01-08T00:00:00.000Z';
const t = (iso: string) => new Date(`${iso}Z`);

/**
 * A controlled ledger for cart (repository demo), window 2026-01-01 → 01-08:
 *
 * prod:
 *   id 1  direct     01-01 10:00 succeeded (observed 10:05)  adds c1 + m101 (#101), c2 (no PR)
 *   id 2  promotion  01-02 12:00 failed                      adds c3 (#102, merge commit unknown)
 *   id 3  rollback   01-02 14:00 succeeded (observed 14:10)  removes c3
 *   id 4  promotion  01-05 08:00 pending                     adds c3 again (#102), c4 (#103 and #104)
 *   id 5  direct     01-06 09:00 degraded
 *   id 6  promotion  01-06 11:00 rolled-back
 *   id 7  direct     01-07 09:00 succeeded (observed 09:30)
 *   outside the window: 2025-12-31 23:00 and 01-08 00:00 (until is exclusive)
 * staging: one failed direct rollout on 01-03 10:00, never restored.
 * shop (another service): one rollout in prod on 01-04.
 */
async function seed(knex: Knex) {
  let id = 0;
  const rollout = async (r: {
    service?: string;
    environment: string;
    kind: string;
    outcome: string;
    desired: string;
    observed?: string;
  }) => {
    id++;
    const [row] = await knex('gitops_rollouts')
      .insert({
        repository_id: 'demo',
        service: r.service ?? 'cart',
        environment: r.environment,
        from_version: null,
        to_version: `v${id}`,
        kind: r.kind,
        outcome: r.outcome,
        commit_sha: `gitops${id}`,
        author_name: 'Ada',
        subject: `change ${id}`,
        initiator: 'ada',
        file: 'apps/cart/kustomization.yaml',
        desired_at: t(r.desired),
        observed_at: r.observed ? t(r.observed) : null,
      })
      .returning('id');
    return typeof row === 'object' ? row.id : row;
  };
  const commit = (sha: string, at: string) =>
    knex('gitops_source_commits').insert({
      source_repository: SOURCE,
      sha,
      subject: sha,
      author_name: 'Ada',
      committed_at: t(at),
    });
  const member = (
    rolloutId: unknown,
    direction: string,
    sha: string,
    position = 0,
  ) =>
    knex('gitops_change_set_commits').insert({
      rollout_id: rolloutId,
      direction,
      source_repository: SOURCE,
      sha,
      position,
    });
  const ref = (kind: string, value: string, sha: string) =>
    knex('gitops_feature_refs').insert({
      kind,
      value,
      source_repository: SOURCE,
      sha,
    });
  const pr = (number: number, mergeSha: string | null) =>
    knex('gitops_source_pull_requests').insert({
      source_repository: SOURCE,
      number,
      title: `PR ${number}`,
      merge_sha: mergeSha,
    });

  await commit('c1', '2025-12-31T10:00:00');
  await commit('m101', '2025-12-31T22:00:00');
  await commit('c2', '2026-01-01T09:00:00');
  await commit('c3', '2026-01-02T00:00:00');
  await commit('c4', '2026-01-04T08:00:00');
  await commit('m103', '2026-01-04T20:00:00');
  await ref('pr', '101', 'c1');
  await ref('issue', 'SHOP-1', 'c1');
  await ref('pr', '101', 'm101');
  await ref('pr', '102', 'c3');
  await ref('issue', 'SHOP-2', 'c3');
  await ref('pr', '104', 'c4');
  await ref('pr', '103', 'c4');
  await pr(101, 'm101');
  await pr(102, 'deadbeef');
  await pr(103, 'm103');
  await pr(104, null);

  const before = await rollout({
    environment: 'prod',
    kind: 'direct',
    outcome: 'succeeded',
    desired: '2025-12-31T23:00:00',
  });
  await member(before, 'added', 'c1');
  const r1 = await rollout({
    environment: 'prod',
    kind: 'direct',
    outcome: 'succeeded',
    desired: '2026-01-01T10:00:00',
    observed: '2026-01-01T10:05:00',
  });
  await member(r1, 'added', 'm101', 0);
  await member(r1, 'added', 'c1', 1);
  await member(r1, 'added', 'c2', 2);
  const r2 = await rollout({
    environment: 'prod',
    kind: 'promotion',
    outcome: 'failed',
    desired: '2026-01-02T12:00:00',
  });
  await member(r2, 'added', 'c3');
  const r3 = await rollout({
    environment: 'prod',
    kind: 'rollback',
    outcome: 'succeeded',
    desired: '2026-01-02T14:00:00',
    observed: '2026-01-02T14:10:00',
  });
  await member(r3, 'removed', 'c3');
  await rollout({
    environment: 'staging',
    kind: 'direct',
    outcome: 'failed',
    desired: '2026-01-03T10:00:00',
  });
  await rollout({
    service: 'shop',
    environment: 'prod',
    kind: 'direct',
    outcome: 'pending',
    desired: '2026-01-04T12:00:00',
  });
  const r4 = await rollout({
    environment: 'prod',
    kind: 'promotion',
    outcome: 'pending',
    desired: '2026-01-05T08:00:00',
  });
  await member(r4, 'added', 'c4', 0);
  await member(r4, 'added', 'c3', 1);
  await rollout({
    environment: 'prod',
    kind: 'direct',
    outcome: 'degraded',
    desired: '2026-01-06T09:00:00',
  });
  await rollout({
    environment: 'prod',
    kind: 'promotion',
    outcome: 'rolled-back',
    desired: '2026-01-06T11:00:00',
  });
  await rollout({
    environment: 'prod',
    kind: 'direct',
    outcome: 'succeeded',
    desired: '2026-01-07T09:00:00',
    observed: '2026-01-07T09:30:00',
  });
  const after = await rollout({
    environment: 'prod',
    kind: 'rollback',
    outcome: 'pending',
    desired: '2026-01-08T00:00:00',
  });
  await member(after, 'added', 'c4');
}

describe.each(databases.eachSupportedId())('MetricsStore on %p', databaseId => {
  async function setup() {
    const knex = await databases.init(databaseId);
    await LedgerStore.fromKnex(knex);
    await seed(knex);
    return new MetricsStore(knex);
  }

  it('computes exact delivery metrics of one environment', async () => {
    const store = await setup();
    const [prod, ...rest] = await store.metrics({
      since: SINCE,
      until: UNTIL,
      repositoryId: 'demo',
      service: 'cart',
      environment: 'prod',
    });
    expect(rest).toEqual([]);
    expect(prod).toMatchObject({
      repository: 'demo',
      service: 'cart',
      environment: 'prod',
      since: SINCE,
      until: UNTIL,
    });
    expect(prod.deployments.count).toBe(7);
    expect(prod.deployments.perDay).toBe(1);
    expect(prod.deployments.daily).toEqual([
      {
        date: '2026-01-01',
        deployments: 1,
        failures: 0,
        leadTimeMedianSeconds: 45300,
      },
      {
        date: '2026-01-02',
        deployments: 2,
        failures: 1,
        leadTimeMedianSeconds: 43200,
      },
      {
        date: '2026-01-03',
        deployments: 0,
        failures: 0,
        leadTimeMedianSeconds: null,
      },
      {
        date: '2026-01-04',
        deployments: 0,
        failures: 0,
        leadTimeMedianSeconds: null,
      },
      {
        date: '2026-01-05',
        deployments: 1,
        failures: 0,
        leadTimeMedianSeconds: 187200,
      },
      {
        date: '2026-01-06',
        deployments: 2,
        failures: 2,
        leadTimeMedianSeconds: null,
      },
      {
        date: '2026-01-07',
        deployments: 1,
        failures: 0,
        leadTimeMedianSeconds: null,
      },
    ]);
    // Changes: #101 (c1 + m101), c2, #102 (c3) in id 2, #102 (c3) and #103 (c4) in id 4.
    // first commit → prod: 86700 (#101), 3900 (c2), 43200 (#102), 288000 (#102 again), 86400 (#103)
    expect(prod.leadTime.firstCommit).toEqual({
      medianSeconds: 86400,
      p90Seconds: 288000,
      samples: 5,
    });
    // merge → prod: 43500 (#101 via m101), 3900 (c2), 43200 (#102, merge commit
    // unknown: its commit), 288000 (#102 again), 43200 (#103 via m103; c4 is in #103 and #104)
    expect(prod.leadTime.merge).toEqual({
      medianSeconds: 43200,
      p90Seconds: 288000,
      samples: 5,
    });
    // Changes: ids 1, 2, 4, 5, 6, 7; failed: 2 (failed, then rolled back: once), 5, 6.
    expect(prod.changeFailure).toEqual({
      rate: 0.5,
      changes: 6,
      failures: 3,
      rollbacks: 1,
    });
    // Restores: id 2 → id 3 (14:10 − 12:00), id 5 → id 7 (09:30 next day − 09:00),
    // id 6 → id 7 (09:30 next day − 11:00).
    expect(prod.timeToRestore).toEqual({
      medianSeconds: 81000,
      p90Seconds: 88200,
      samples: 3,
      unrestored: 0,
    });
  });

  it('gives every service and environment of the organisation', async () => {
    const store = await setup();
    const items = await store.metrics({ since: SINCE, until: UNTIL });
    expect(
      items.map(i => [
        i.service,
        i.environment,
        i.deployments.count,
        i.changeFailure.rate,
      ]),
    ).toEqual([
      ['cart', 'prod', 7, 0.5],
      ['cart', 'staging', 1, 1],
      ['shop', 'prod', 1, 0],
    ]);
    const staging = items[1];
    expect(staging.timeToRestore).toEqual({
      medianSeconds: null,
      p90Seconds: null,
      samples: 0,
      unrestored: 1,
    });
    expect(staging.leadTime.firstCommit.samples).toBe(0);
    expect(
      (
        await store.metrics({ since: SINCE, until: UNTIL, service: 'shop' })
      ).map(i => i.service),
    ).toEqual(['shop']);
  });

  it('resolves the default window and filters an entity by its annotation', async () => {
    const store = await setup();
    const service = new MetricsService(
      store,
      {
        resolveEntity: () => ({ repo: { id: 'demo' }, service: 'cart' } as any),
      },
      () => Date.parse('2026-01-08T00:00:00Z'),
    );
    const res = await service.getEntityMetrics({} as any, {});
    expect(res.since).toBe('2025-12-09T00:00:00.000Z');
    expect(res.until).toBe(UNTIL);
    expect(res.items.map(i => [i.environment, i.deployments.count])).toEqual([
      ['prod', 8],
      ['staging', 1],
    ]);
    const org = await service.getOrgMetrics({ environment: 'staging' });
    expect(org.items.map(i => i.service)).toEqual(['cart']);
  });
});
