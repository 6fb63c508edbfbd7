import { mockServices, TestDatabases } from '@backstage/backend-test-utils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { LedgerStore } from '../database/LedgerStore';
import { LocalGitSource } from '../git/LocalGitSource';
import { LocalGitWriter } from '../git/LocalGitWriter';
import { RepositoryIngester } from '../ingestion/RepositoryIngester';
import { createDefaultLocatorRegistry } from '../locators/VersionLocatorRegistry';
import {
  GitRepoFixture,
  kustomization,
  TWO_STAGE_PIPELINE,
} from '../testing/GitRepoFixture';
import { createDefaultGateRegistry } from './gates/GateRegistry';
import {
  AUTO_PROMOTE_INITIATOR,
  PromotionScheduler,
} from './PromotionScheduler';
import { PromotionService } from './PromotionService';
import { createPromotionStores } from './store';

jest.setTimeout(60_000);

const databases = TestDatabases.create({ ids: ['SQLITE_3'] });

/** staging follows dev automatically once dev has run a version for 10 minutes. */
const PIPELINE = TWO_STAGE_PIPELINE.replace(
  '    staging:\n      cluster: staging-cluster\n',
  '    staging:\n      cluster: staging-cluster\n      promotion:\n        mode: direct\n        autoPromoteAfter: 10m\n',
);

describe('PromotionScheduler (automatic promotion)', () => {
  let repo: GitRepoFixture;
  afterEach(() => repo.cleanup());

  async function setup() {
    repo = new GitRepoFixture();
    repo.write('gitops-pipeline.yaml', PIPELINE);
    for (const env of ['dev', 'staging', 'prod-us', 'prod-eu']) {
      repo.write(`apps/cart/${env}/kustomization.yaml`, kustomization('v1'));
    }
    repo.commit('bootstrap');
    repo.write('apps/cart/dev/kustomization.yaml', kustomization('v2'));
    repo.commit('bump cart to v2 in dev'); // the fixture's clock: 2026-10-01T11:00Z
    const knex = await databases.init('SQLITE_3');
    const ledger = await LedgerStore.fromKnex(knex);
    const source = new LocalGitSource(repo.dir, 'main');
    const locators = createDefaultLocatorRegistry();
    const ingester = new RepositoryIngester({
      repositoryId: 'demo',
      pipelineFile: 'gitops-pipeline.yaml',
      source,
      store: ledger,
      locators,
      logger: mockServices.logger.mock(),
    });
    await ingester.ingest();
    const permissions = mockServices.permissions.mock({
      // Nobody is allowed anything: the policy's automatic promotion needs no user permission.
      authorize: async (r: any[]) =>
        r.map(() => ({ result: AuthorizeResult.DENY })) as any,
    });
    const stores = createPromotionStores(knex);
    const promotions = new PromotionService({
      ledger,
      stores,
      repositories: new Map([
        [
          'demo',
          {
            id: 'demo',
            branch: 'main',
            pipelineFile: 'gitops-pipeline.yaml',
            source,
            writer: new LocalGitWriter(repo.dir),
          },
        ],
      ]),
      locators,
      gates: createDefaultGateRegistry(permissions),
      permissions,
      logger: mockServices.logger.mock(),
      recordPortalCommit: (r, sha, id) => ledger.recordPortalCommit(r, sha, id),
      afterMerge: async () => {
        await ingester.ingest();
      },
    });
    const scheduler = new PromotionScheduler({
      promotions,
      ledger,
      repositoryIds: ['demo'],
      logger: mockServices.logger.mock(),
    });
    return { scheduler, stores, ledger, promotions, knex };
  }

  it('waits for the soak time, then promotes with the policy as initiator, through the same ledger', async () => {
    const { scheduler, ledger } = await setup();
    expect(await scheduler.run(new Date('2026-10-01T11:05:00Z'))).toEqual([]); // dev ran v2 for 5 minutes only
    expect(await scheduler.run(new Date('2026-10-01T11:20:00Z'))).toEqual([
      'auto:demo:cart:staging:v2',
    ]);
    expect(
      repo.git('show', 'main:apps/cart/staging/kustomization.yaml'),
    ).toContain('newTag: v2 # bumped by CI');
    const { rows } = await ledger.listRollouts({
      repositoryId: 'demo',
      service: 'cart',
      environment: 'staging',
      limit: 1,
    });
    expect(rows[0]).toMatchObject({
      to_version: 'v2',
      kind: 'promotion',
      initiator: AUTO_PROMOTE_INITIATOR,
    });
    // Nothing left to do: a second run changes nothing.
    expect(await scheduler.run(new Date('2026-10-01T11:30:00Z'))).toEqual([]);
  });

  it('respects holds, and promotes once the hold is lifted (refused candidates are evaluated again on every run)', async () => {
    const { scheduler, stores } = await setup();
    await stores.holds.create({
      repositoryId: 'demo',
      service: 'cart',
      environment: 'staging',
      version: 'v2',
      reason: 'broke checkout',
      createdBy: 'user:default/alice',
      actionId: '0',
    });
    expect(await scheduler.run(new Date('2026-10-01T12:00:00Z'))).toEqual([]);
    expect(
      repo.git('show', 'main:apps/cart/staging/kustomization.yaml'),
    ).toContain('newTag: v1 # bumped by CI');
    const audit = await stores.auditLog.entries();
    expect(audit[0]).toMatchObject({
      actor: AUTO_PROMOTE_INITIATOR,
      door: 'scheduler',
      result: 'refused',
    });
    expect(String(audit[0].message)).toMatch(/v2 was rolled back from staging/);
    // The same refusal is not logged again on the next run …
    expect(await scheduler.run(new Date('2026-10-01T12:01:00Z'))).toEqual([]);

    // … and once someone lifts the hold, the next run promotes.
    const [hold] = await stores.holds.active('demo', 'cart');
    await stores.holds.lift(hold.id, 'user:default/bob', 'fixed upstream');
    expect(await scheduler.run(new Date('2026-10-01T12:02:00Z'))).toEqual([
      'auto:demo:cart:staging:v2',
    ]);
    expect(
      repo.git('show', 'main:apps/cart/staging/kustomization.yaml'),
    ).toContain('newTag: v2 # bumped by CI');
  });

  it('never rolls back on its own: the policy initiator has no rollback authority', async () => {
    const { promotions } = await setup();
    await expect(
      promotions.request(
        {
          kind: 'rollback',
          repositoryId: 'demo',
          service: 'cart',
          body: { environment: 'dev', reason: 'policy' },
        },
        {
          credentials: null,
          initiator: AUTO_PROMOTE_INITIATOR,
          door: 'scheduler',
        },
        'auto-rollback-1',
      ),
    ).rejects.toThrow(/no credentials/);
  });
  it('tries again a candidate refused when it was to be written (busy environment), with a new idempotency key, once the environment is free', async () => {
    const { scheduler, knex } = await setup();
    // Someone else's action holds staging (e.g. a person's promotion awaiting its merge).
    const [blocker] = await knex('gitops_actions')
      .insert({
        idempotency_key: 'someone-else-1',
        request_hash: 'x',
        kind: 'promotion',
        state: 'pull-request-open',
        repository_id: 'demo',
        service: 'other',
        environments: JSON.stringify(['staging']),
        version: 'v9',
        mode: 'pull-request',
        requested_by: 'user:default/bob',
        changes: '[]',
        gates: '[]',
      })
      .returning('id');
    const blockerId = typeof blocker === 'object' ? blocker.id : blocker;
    await knex('gitops_environment_locks').insert({
      repository_id: 'demo',
      environment: 'staging',
      action_id: blockerId,
    });
    await scheduler.run(new Date('2026-10-01T11:20:00Z'));
    const first = await knex('gitops_actions').where({
      requested_by: AUTO_PROMOTE_INITIATOR,
    });
    expect(first.map((a: any) => [a.state, a.error])).toEqual([
      ['refused', expect.stringMatching(/staging is busy with action/)],
    ]);
    // The environment is free again.
    await knex('gitops_actions')
      .where({ id: blockerId })
      .update({ state: 'cancelled' });
    await knex('gitops_environment_locks').delete();
    const later = await scheduler.run(new Date('2026-10-01T12:00:00Z'));
    const evidence = {
      firstAttempt: first.map((a: any) => [
        a.idempotency_key,
        a.state,
        a.error,
      ]),
      laterRun: later,
      stagingOnMain: /newTag: (\S+)/.exec(
        repo.git('show', 'main:apps/cart/staging/kustomization.yaml'),
      )?.[1],
    };
    expect(evidence).toEqual({
      firstAttempt: [
        ['auto:demo:cart:staging:v2', 'refused', expect.any(String)],
      ],
      laterRun: ['auto:demo:cart:staging:v2#2'],
      stagingOnMain: 'v2',
    });
  });
});
