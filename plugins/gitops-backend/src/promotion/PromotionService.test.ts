import {
  mockCredentials,
  mockServices,
  TestDatabases,
} from '@backstage/backend-test-utils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import fs from 'node:fs';
import path from 'node:path';
import { LedgerStore } from '../database/LedgerStore';
import { BranchMovedError, GitWriter } from '../git/GitWriter';
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
  Caller,
  IdempotencyKeyReusedError,
  PromotionService,
} from './PromotionService';
import { createPromotionStores } from './store';
import type {
  PromotionRequest,
  RollbackRequest,
} from '@gitops2/plugin-gitops-common';

const promo = (body: PromotionRequest) => ({
  kind: 'promotion' as const,
  repositoryId: 'demo',
  service: 'cart',
  body,
});
const back = (body: RollbackRequest) => ({
  kind: 'rollback' as const,
  repositoryId: 'demo',
  service: 'cart',
  body,
});

jest.setTimeout(90_000);

const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });

/** prod-us/prod-eu need one approval; staging is written directly. */
const PIPELINE = TWO_STAGE_PIPELINE.replace(
  '    staging:\n      cluster: staging-cluster\n',
  '    staging:\n      cluster: staging-cluster\n      promotion:\n        mode: direct\n',
)
  .replace(
    '    prod-us:\n      cluster: prod-us-cluster\n',
    '    prod-us:\n      cluster: prod-us-cluster\n      promotion:\n        approvals: 1\n',
  )
  .replace(
    '    prod-eu:\n      cluster: prod-eu-cluster\n',
    '    prod-eu:\n      cluster: prod-eu-cluster\n      promotion:\n        approvals: 1\n',
  );

const alice: Caller = {
  credentials: mockCredentials.user('user:default/alice'),
  initiator: 'user:default/alice',
  door: 'http',
};
const bob: Caller = {
  credentials: mockCredentials.user('user:default/bob'),
  initiator: 'user:default/bob',
  door: 'http',
};
const mallory: Caller = {
  credentials: mockCredentials.user('user:default/mallory'),
  initiator: 'user:default/mallory',
  door: 'http',
};

describe.each(databases.eachSupportedId())(
  'PromotionService on %p',
  databaseId => {
    let repo: GitRepoFixture;

    beforeEach(() => {
      repo = new GitRepoFixture();
      repo.write('gitops-pipeline.yaml', PIPELINE);
      for (const env of ['dev', 'staging', 'prod-us', 'prod-eu']) {
        repo.write(`apps/cart/${env}/kustomization.yaml`, kustomization('v1'));
      }
      repo.commit('bootstrap');
      repo.write('apps/cart/dev/kustomization.yaml', kustomization('v2'));
      repo.commit('bump cart to v2 in dev');
      repo.write('apps/cart/staging/kustomization.yaml', kustomization('v2'));
      repo.commit('promote cart v2 to staging');
    });
    afterEach(() => repo.cleanup());

    async function setup(
      options: {
        writer?: GitWriter;
        denyProdFor?: string;
        permissionsDown?: boolean;
      } = {},
    ) {
      const knex = await databases.init(databaseId);
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
        authorize: async (requests: any[], opts: any) => {
          if (options.permissionsDown)
            throw new Error('ECONNREFUSED permission backend');
          const who = opts.credentials.principal.userEntityRef;
          return requests.map(r => ({
            result:
              who === 'user:default/mallory' ||
              (options.denyProdFor === who &&
                /:prod-/.test(r.resourceRef ?? ''))
                ? AuthorizeResult.DENY
                : AuthorizeResult.ALLOW,
          })) as any;
        },
      });
      const stores = createPromotionStores(knex);
      const actions = stores.actions;
      const make = () =>
        new PromotionService({
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
                writer: options.writer ?? new LocalGitWriter(repo.dir),
              },
            ],
          ]),
          locators,
          gates: createDefaultGateRegistry(permissions),
          permissions,
          logger: mockServices.logger.mock(),
          recordPortalCommit: (r, sha, id) =>
            ledger.recordPortalCommit(r, sha, id),
          afterMerge: async () => {
            await ingester.ingest();
          },
        });
      return { knex, ledger, actions, stores, service: make(), make };
    }

    const fileAtHead = (env: string) =>
      repo.git('show', `main:apps/cart/${env}/kustomization.yaml`);

    it('promotes staging to prod-us + prod-eu: preview, approval by someone else, pull request, merge, ledger', async () => {
      const { service, ledger, stores } = await setup();
      const preview = await service.preview(
        promo({ sourceEnvironment: 'staging' }),
        alice,
      );
      expect(preview.environments).toEqual(['prod-us', 'prod-eu']);
      expect(preview.version).toBe('v2');
      expect(
        preview.changes.map(c => [c.environment, c.fromVersion, c.toVersion]),
      ).toEqual([
        ['prod-us', 'v1', 'v2'],
        ['prod-eu', 'v1', 'v2'],
      ]);
      expect(preview.changes[0].diff).toContain(
        '-    newTag: v1 # bumped by CI\n+    newTag: v2 # bumped by CI',
      );
      expect(preview.gates.find(g => g.gate === 'approvals')?.status).toBe(
        'pending',
      );
      expect(preview.allowed).toBe(true);

      const { action } = await service.request(
        promo({ sourceEnvironment: 'staging', reason: 'release 2' }),
        alice,
        'key-promote-1',
      );
      expect(action.state).toBe('awaiting-approval');
      const headBefore = repo.head();

      await expect(service.approve(action.id, alice)).rejects.toThrow(
        'cannot approve your own request',
      );
      const approved = await service.approve(action.id, bob, 'looks good');
      expect(approved.state).toBe('pull-request-open');
      expect(approved.branch).toBe(`gitops/promotion-${action.id}`);
      expect(repo.head()).toBe(headBefore); // nothing on main before the merge

      const merged = await service.merge(action.id, bob);
      expect(merged.state).toBe('merged');
      // Surgical edit: the comment and every other byte survive.
      expect(fileAtHead('prod-us')).toBe(kustomization('v2').trimEnd());
      expect(fileAtHead('prod-eu')).toBe(kustomization('v2').trimEnd());
      // Nothing else moved main: the merge is a fast-forward to the promotion commit.
      const message = repo.git('log', '-1', '--format=%B', 'main');
      expect(message).toMatch(
        /^promote cart v2 from staging to prod-us, prod-eu/,
      );
      expect(message).toContain(`Gitops-Action: ${action.id}`);
      expect(message).toContain('Gitops-Initiator: user:default/alice');

      const { rows } = await ledger.listRollouts({
        repositoryId: 'demo',
        service: 'cart',
        environment: 'prod-eu',
        limit: 1,
      });
      expect(rows[0]).toMatchObject({
        from_version: 'v1',
        to_version: 'v2',
        kind: 'promotion',
        initiator: 'user:default/alice',
      });
      const audit = await stores.auditLog.entries();
      expect(audit.map(a => `${a.action}:${a.result}:${a.actor}`)).toEqual(
        expect.arrayContaining([
          'promotion:succeeded:user:default/alice',
          'approve:denied:user:default/alice',
          'approve:succeeded:user:default/bob',
          'merge:succeeded:user:default/bob',
        ]),
      );
    });

    it('writes directly where the policy says so', async () => {
      const { service } = await setup();
      repo.write('apps/cart/dev/kustomization.yaml', kustomization('v3'));
      repo.commit('bump cart to v3 in dev');
      const { action } = await service.request(
        promo({ sourceEnvironment: 'dev' }),
        alice,
        'key-direct-1',
      );
      expect(action.state).toBe('merged');
      expect(fileAtHead('staging')).toContain('newTag: v3 # bumped by CI');
    });

    it('rolls back with a hold that refuses the bad version until lifted', async () => {
      const { service, stores } = await setup();
      // prod-eu gets v2 first.
      const { action } = await service.request(
        promo({ sourceEnvironment: 'staging' }),
        alice,
        'key-p',
      );
      await service.approve(action.id, bob);
      await service.merge(action.id, bob);

      const rb = await service.planRollback('demo', 'cart', {
        environment: 'prod-eu',
        reason: 'checkout errors',
        emergency: true,
      });
      expect(rb.version).toBe('v1');
      const { action: rollback } = await service.request(
        back({
          environment: 'prod-eu',
          reason: 'checkout errors',
          emergency: true,
        }),
        alice,
        'key-rb',
      );
      expect(rollback.state).toBe('merged');
      expect(fileAtHead('prod-eu')).toContain('newTag: v1 # bumped by CI');
      expect(fileAtHead('prod-us')).toContain('newTag: v2 # bumped by CI');
      expect(repo.git('log', '-1', '--format=%B', 'main')).toContain(
        'Gitops-Kind: rollback',
      );

      const again = promo({
        sourceEnvironment: 'staging',
        environments: ['prod-eu'],
      });
      const preview = await service.preview(again, bob);
      expect(preview.allowed).toBe(false);
      expect(preview.gates.find(g => g.gate === 'hold')?.message).toMatch(
        /v2 was rolled back from prod-eu by user:default\/alice \(checkout errors\)/,
      );
      await expect(service.request(again, bob, 'key-again')).rejects.toThrow(
        /refused by gates: hold \(prod-eu\)/,
      );

      const [hold] = await stores.holds.active('demo', 'cart');
      await expect(service.liftHold(hold.id, mallory, 'x')).rejects.toThrow(
        /denied/,
      );
      await service.liftHold(hold.id, bob, 'fixed in v2.1');
      const { action: retried } = await service.request(
        promo({
          sourceEnvironment: 'staging',
          environments: ['prod-eu'],
        }),
        bob,
        'key-again-2',
      );
      expect(retried.state).toBe('awaiting-approval');
    });

    it('gives 10 concurrent identical requests one action and one pull request', async () => {
      const { service, knex } = await setup();
      const plan = promo({ sourceEnvironment: 'staging' });
      const results = await Promise.all(
        Array.from({ length: 10 }, () =>
          service.request(plan, alice, 'same-key-123'),
        ),
      );
      expect(new Set(results.map(r => r.action.id)).size).toBe(1);
      expect(results.filter(r => r.created)).toHaveLength(1);
      const [{ count }] = await knex('gitops_actions').count({ count: '*' });
      expect(Number(count)).toBe(1);
      await expect(
        service.request(
          promo({
            sourceEnvironment: 'dev',
            environments: ['prod-us'],
          }),
          alice,
          'same-key-123',
        ),
      ).rejects.toBeInstanceOf(IdempotencyKeyReusedError);
    });

    it('keeps one action across two backend instances sharing the database', async () => {
      const { make, knex } = await setup();
      const a = make();
      const b = make();
      repo.write('apps/cart/dev/kustomization.yaml', kustomization('v3'));
      repo.commit('bump cart to v3 in dev');
      const plans = [a, b].map(() => promo({ sourceEnvironment: 'dev' }));
      const results = await Promise.allSettled([
        a.request(plans[0], alice, 'two-replicas-1'),
        b.request(plans[1], alice, 'two-replicas-1'),
        a.request(plans[0], alice, 'two-replicas-1'),
        b.request(plans[1], alice, 'two-replicas-1'),
      ]);
      expect(results.every(r => r.status === 'fulfilled')).toBe(true);
      const [{ count }] = await knex('gitops_actions').count({ count: '*' });
      expect(Number(count)).toBe(1);
      // Exactly one commit landed on main for it.
      expect(
        repo
          .git('log', '--format=%s', 'main')
          .split('\n')
          .filter(s => s.startsWith('promote cart v3')),
      ).toHaveLength(1);
    });

    it('serializes writes per environment: a second promotion into a busy environment is refused', async () => {
      const { service } = await setup();
      const first = await service.request(
        promo({
          sourceEnvironment: 'staging',
        }),
        alice,
        'busy-1',
      );
      await service.approve(first.action.id, bob); // pull request open: prod-us and prod-eu are locked
      repo.write('apps/cart/dev/kustomization.yaml', kustomization('v3'));
      repo.commit('bump cart to v3 in dev');
      const second = await service.request(
        promo({
          version: 'v3',
          environments: ['prod-eu'],
        }),
        alice,
        'busy-2',
      );
      await expect(service.approve(second.action.id, bob)).rejects.toThrow(
        /prod-eu is busy with action #/,
      );
    });

    it('refuses bad input and writes nothing', async () => {
      const { service, knex } = await setup();
      const head = repo.head();
      await expect(
        service.planPromotion('demo', 'cart', {
          version: 'v2\nevil: true',
          environments: ['prod-us'],
        }),
      ).rejects.toThrow(/refusing to write version/);
      await expect(
        service.planPromotion('demo', 'cart', {
          version: '{a: b}',
          environments: ['prod-us'],
        }),
      ).rejects.toThrow(/refusing to write version/);
      await expect(
        service.planPromotion('demo', 'cart', {
          sourceEnvironment: 'staging',
          environments: ['perf'],
        }),
      ).rejects.toThrow('unknown environment "perf"');
      await expect(
        service.planPromotion('demo', 'nope', { sourceEnvironment: 'staging' }),
      ).rejects.toThrow('service "nope" is not listed');
      await expect(
        service.planPromotion('nowhere', 'cart', {
          sourceEnvironment: 'staging',
        }),
      ).rejects.toThrow('unknown GitOps repository');

      // A manifest that is a symlink pointing out of the repository.
      const outside = path.join(
        repo.dir,
        '..',
        `outside-${path.basename(repo.dir)}.yaml`,
      );
      fs.writeFileSync(outside, kustomization('v1'));
      repo.remove('apps/cart/prod-us/kustomization.yaml');
      fs.symlinkSync(
        outside,
        path.join(repo.dir, 'apps/cart/prod-us/kustomization.yaml'),
      );
      repo.commit('prod-us manifest is now a symlink');
      await expect(
        service.planPromotion('demo', 'cart', {
          sourceEnvironment: 'staging',
          environments: ['prod-us'],
        }),
      ).rejects.toThrow(/not a regular file/);
      fs.rmSync(outside);

      const [{ count }] = await knex('gitops_actions').count({ count: '*' });
      expect(Number(count)).toBe(0);
      expect(repo.git('rev-parse', 'HEAD~1')).toBe(head);
    });

    it('refuses to plan with a manifest over the size limit, naming the file', async () => {
      const { service, knex } = await setup();
      const huge = `${kustomization('v1')}#${'x'.repeat(2 * 1024 * 1024)}\n`;
      const limit = 'over the 1 MiB limit (gitops.limits.maxManifestBytes)';
      repo.write('apps/cart/prod-us/kustomization.yaml', huge);
      repo.commit('prod-us manifest grew');
      await expect(
        service.planPromotion('demo', 'cart', {
          sourceEnvironment: 'staging',
          environments: ['prod-us'],
        }),
      ).rejects.toMatchObject({
        name: 'ConflictError',
        message: `apps/cart/prod-us/kustomization.yaml: manifest is 2 MiB, ${limit}`,
      });
      repo.write('apps/cart/staging/kustomization.yaml', huge);
      repo.commit('staging manifest grew');
      await expect(
        service.planPromotion('demo', 'cart', { sourceEnvironment: 'staging' }),
      ).rejects.toMatchObject({
        name: 'ConflictError',
        message: `cannot read the version of cart in staging: apps/cart/staging/kustomization.yaml: manifest is 2 MiB, ${limit}`,
      });
      const [{ count }] = await knex('gitops_actions').count({ count: '*' });
      expect(Number(count)).toBe(0);
    });

    it('checks permissions per environment, denies when the permission backend is down, and audits each case', async () => {
      const denyProd = await setup({ denyProdFor: 'user:default/alice' });
      await expect(
        denyProd.service.request(
          promo({ sourceEnvironment: 'staging' }),
          alice,
          'perm-1',
        ),
      ).rejects.toThrow(/gitops.promote denied for prod-us/);
      repo.write('apps/cart/dev/kustomization.yaml', kustomization('v3'));
      repo.commit('bump cart to v3 in dev');
      const allowed = await denyProd.service.request(
        promo({
          sourceEnvironment: 'dev',
        }),
        alice,
        'perm-2',
      );
      expect(allowed.action.state).toBe('merged');
      await expect(
        denyProd.service.request(
          promo({
            sourceEnvironment: 'staging',
          }),
          mallory,
          'perm-3',
        ),
      ).rejects.toThrow(/denied/);
      const audit = await denyProd.stores.auditLog.entries();
      expect(
        audit.filter(a => a.result === 'denied').map(a => a.actor),
      ).toEqual(['user:default/mallory', 'user:default/alice']);

      const down = await setup({ permissionsDown: true });
      await expect(
        down.service.request(
          promo({
            sourceEnvironment: 'staging',
          }),
          alice,
          'perm-4',
        ),
      ).rejects.toThrow(/permission backend could not be asked/);
    });

    it('retries on a moved branch a bounded number of times, then fails leaving nothing half-written', async () => {
      const real = new LocalGitWriter(repo.dir);
      let failures = 1;
      const flaky: GitWriter = Object.assign(Object.create(real), {
        commit: async (o: any) => {
          if (failures-- > 0) {
            // Someone pushes to main between our read and our write.
            repo.write('README.md', `moved ${Date.now()}\n`);
            repo.commit('unrelated change');
            throw new BranchMovedError('main');
          }
          return real.commit(o);
        },
      });
      const { service } = await setup({ writer: flaky });
      repo.write('apps/cart/dev/kustomization.yaml', kustomization('v3'));
      repo.commit('bump cart to v3 in dev');
      const { action } = await service.request(
        promo({
          sourceEnvironment: 'dev',
        }),
        alice,
        'moved-1',
      );
      expect(action.state).toBe('merged');
      expect(repo.git('log', '-1', '--format=%s', 'main')).toBe(
        'promote cart v3 from dev to staging',
      );

      failures = 100;
      repo.write('apps/cart/dev/kustomization.yaml', kustomization('v4'));
      repo.commit('bump cart to v4 in dev');
      await expect(
        service.request(
          promo({
            sourceEnvironment: 'dev',
          }),
          alice,
          'moved-2',
        ),
      ).rejects.toThrow(/gave up after 3 attempts/);
      expect(fileAtHead('staging')).toContain('newTag: v3 # bumped by CI');
    });
  },
);

describe('PromotionService.followOutcomes', () => {
  it('moves merged actions to syncing, succeeded or failed as the clusters report', async () => {
    const knex = await databases.init('SQLITE_3');
    const repo = new GitRepoFixture();
    try {
      repo.write('gitops-pipeline.yaml', PIPELINE);
      for (const env of ['dev', 'staging', 'prod-us', 'prod-eu'])
        repo.write(`apps/cart/${env}/kustomization.yaml`, kustomization('v1'));
      repo.commit('bootstrap');
      repo.write('apps/cart/dev/kustomization.yaml', kustomization('v2'));
      repo.commit('bump cart to v2 in dev');
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
        authorize: async (r: any[]) =>
          r.map(() => ({ result: AuthorizeResult.ALLOW })) as any,
      });
      const stores = createPromotionStores(knex);
      const service = new PromotionService({
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
        recordPortalCommit: (r, sha, id) =>
          ledger.recordPortalCommit(r, sha, id),
        afterMerge: async () => {
          await ingester.ingest();
        },
      });
      const { action } = await service.request(
        promo({
          sourceEnvironment: 'dev',
        }),
        alice,
        'follow-1',
      );
      expect(action.state).toBe('merged');
      expect(await service.followOutcomes()).toBe(0); // no cluster report yet: stays merged

      const setOutcome = (outcome: string) =>
        knex('gitops_rollouts')
          .where({ environment: 'staging', to_version: 'v2' })
          .update({ outcome });
      await setOutcome('progressing');
      await service.followOutcomes();
      expect((await stores.actions.get(action.id))!.state).toBe('syncing');
      await setOutcome('degraded');
      await service.followOutcomes();
      const failed = (await stores.actions.get(action.id))!;
      expect(failed.state).toBe('failed');
      expect(failed.error).toBe(
        'the cluster reports staging degraded after the change',
      );
    } finally {
      repo.cleanup();
    }
  });
});
