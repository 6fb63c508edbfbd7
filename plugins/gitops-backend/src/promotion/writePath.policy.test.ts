import { TestDatabases } from '@backstage/backend-test-utils';
import {
  POLICY_PIPELINE,
  WritePathHarness,
} from './__testUtils__/WritePathHarness';

jest.setTimeout(120_000);

const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });

const WRITE = /^gitops\.(promote|rollback)$/;

/**
 * Policy and authorization of the write path, through the HTTP API as the
 * portal calls it (issue #8, findings 1–3, 5, 6).
 */
describe.each(databases.eachSupportedId())('write path policy on %p', dbId => {
  let h: WritePathHarness;
  afterEach(() => h.cleanup());

  async function start(pipeline = POLICY_PIPELINE, setup?: () => void) {
    h = new WritePathHarness(pipeline);
    setup?.();
    await h.start(databases, dbId);
  }

  describe('rollback is no back door (finding 1)', () => {
    it('a rollback to a version the environment never ran needs gitops.promote and passes the promotion gates', async () => {
      await start(POLICY_PIPELINE, () => {
        h.bump('cart', ['dev', 'staging'], 'v2');
      });
      // alice may roll back, not promote, in prod.
      h.policy = (user, permission, ref) => {
        if (user === 'alice')
          return (
            permission !== 'gitops.promote' && !/emergency/.test(permission)
          );
        if (user === 'bob') return !/emergency/.test(permission);
        return permission === 'gitops.read' || !ref;
      };
      const sneaky = await h
        .as('alice')
        .rollback(
          { environment: 'prod-eu', version: 'v2', reason: 'quick fix' },
          'rb-never-ran-1',
        );
      expect(sneaky.status).toBe(403);
      expect(sneaky.body.error.message).toMatch(
        /gitops\.promote denied for prod-eu/,
      );
      const emergency = await h.as('alice').rollback(
        {
          environment: 'prod-eu',
          version: 'v2',
          reason: 'quick fix',
          emergency: true,
        },
        'rb-never-ran-2',
      );
      expect(emergency.status).toBe(409);
      expect(emergency.body.error.message).toMatch(
        /emergency rollback restores a version prod-eu ran before/,
      );
      expect(h.versionOnMain('cart', 'prod-eu')).toBe('v1');

      // bob holds both: it is a promotion in disguise, with prod-eu's approval.
      const asPromotion = await h
        .as('bob')
        .rollback(
          { environment: 'prod-eu', version: 'v2', reason: 'quick fix' },
          'rb-never-ran-3',
        );
      expect(asPromotion.status).toBe(201);
      expect(asPromotion.body.state).toBe('awaiting-approval');
      expect(asPromotion.body.gates).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            gate: 'rollback-version',
            message: expect.stringMatching(/never ran v2/),
          }),
          expect.objectContaining({ gate: 'approvals', status: 'pending' }),
        ]),
      );
    });

    it('an emergency rollback needs gitops.rollback.emergency and a reason, is audited at high severity and notifies owners and approvers', async () => {
      await start(POLICY_PIPELINE, () => {
        h.bump('cart', ['prod-eu'], 'v2');
      });
      h.policy = (user, permission) =>
        user === 'carol' ? true : !/emergency/.test(permission);
      const body = {
        environment: 'prod-eu',
        reason: 'checkout errors (INC-7)',
        emergency: true,
      };
      const denied = await h.as('alice').rollback(body, 'emergency-000001');
      expect(denied.status).toBe(403);
      expect(denied.body.error.message).toMatch(
        /gitops\.rollback\.emergency denied for prod-eu/,
      );
      const blank = await h
        .as('carol')
        .rollback({ ...body, reason: '   ' }, 'emergency-000002');
      expect(blank.status).toBe(400);
      expect(h.versionOnMain('cart', 'prod-eu')).toBe('v2');

      const done = await h.as('carol').rollback(body, 'emergency-000003');
      expect(done.status).toBe(201);
      expect(done.body).toMatchObject({
        state: 'merged',
        emergency: true,
        version: 'v1',
      });
      expect(h.versionOnMain('cart', 'prod-eu')).toBe('v1');
      const rows = await h.audit();
      expect(rows).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            actor: 'user:default/carol',
            action: 'rollback',
            result: 'succeeded',
            severity: 'high',
            door: 'http',
          }),
          expect.objectContaining({
            actor: 'user:default/alice',
            action: 'rollback',
            result: 'denied',
            severity: 'high',
          }),
        ]),
      );
      expect(
        h.auditorEvents.filter(
          e => e.eventId === 'rollback' && e.severityLevel === 'high',
        ).length,
      ).toBeGreaterThanOrEqual(2);
      expect(h.notifications).toEqual([
        expect.objectContaining({
          recipients: {
            type: 'entity',
            entityRef: ['component:default/cart', 'group:default/release-eu'],
          },
          payload: expect.objectContaining({
            severity: 'high',
            scope: `gitops-action-${done.body.id}`,
          }),
        }),
      ]);
    });

    it('an emergency rollback stops at a freeze window unless the window allows emergencies', async () => {
      const frozen = POLICY_PIPELINE.replace(
        '        approverGroup: group:default/release-eu\n',
        '        approverGroup: group:default/release-eu\n        freezeWindows:\n          - days: [mon, tue, wed, thu, fri, sat, sun]\n            reason: year-end freeze\n',
      );
      await start(frozen, () => {
        h.bump('cart', ['prod-eu'], 'v2');
      });
      const body = {
        environment: 'prod-eu',
        reason: 'checkout errors',
        emergency: true,
      };
      const refused = await h.as('carol').rollback(body, 'freeze-emerg-01');
      expect(refused.status).toBe(409);
      expect(refused.body.error.message).toMatch(
        /prod-eu is frozen \(year-end freeze\): emergency rollbacks need allowEmergency/,
      );
      h.repo.write(
        'gitops-pipeline.yaml',
        frozen.replace(
          '            reason: year-end freeze\n',
          '            reason: year-end freeze\n            allowEmergency: true\n',
        ),
      );
      h.repo.commit('allow emergency rollbacks during the freeze');
      await h.refresh();
      const allowed = await h.as('carol').rollback(body, 'freeze-emerg-02');
      expect(allowed.status).toBe(201);
      expect(allowed.body.state).toBe('merged');
    });
  });

  describe('a broken pipeline never loosens policy (finding 2)', () => {
    it("an error in an environment's entry blocks writes to it instead of dropping its approvals", async () => {
      await start(POLICY_PIPELINE, () => {
        h.bump('cart', ['dev', 'staging'], 'v2');
      });
      h.repo.write(
        'gitops-pipeline.yaml',
        POLICY_PIPELINE.replace(
          '    prod-eu:\n      cluster: prod-eu-cluster\n',
          '    prod-eu:\n      cluster: prod-eu-cluster\n      colour: red\n',
        ),
      );
      h.repo.commit('a typo in prod-eu');
      await h.refresh();
      const res = await h
        .as('alice')
        .promote(
          { sourceEnvironment: 'staging', environments: ['prod-eu'] },
          'broken-env-001',
        );
      expect(res.status).toBe(409);
      expect(res.body.error.message).toMatch(
        /environment prod-eu has an error in the pipeline file \(gitops-pipeline\.yaml:\d+: .*colour.*\); writes to it are blocked/,
      );
      // The other environments keep working.
      h.bump('cart', ['dev'], 'v3');
      await h.refresh();
      const staging = await h
        .as('alice')
        .promote({ sourceEnvironment: 'dev' }, 'broken-env-002');
      expect(staging.status).toBe(201);
      expect(h.versionOnMain('cart', 'staging')).toBe('v3');
      expect(h.versionOnMain('cart', 'prod-eu')).toBe('v1');
    });

    it('a pipeline file broken at the head blocks every write, although reads keep the last good one', async () => {
      await start(POLICY_PIPELINE, () => {
        h.bump('cart', ['dev'], 'v2');
      });
      h.repo.write('gitops-pipeline.yaml', `${POLICY_PIPELINE}\n  oops: [\n`);
      h.repo.commit('break the pipeline file');
      await h.refresh();
      const status = await h
        .as('alice')
        .get('/v1/entities/default/component/cart/status');
      expect(status.status).toBe(200);
      const res = await h
        .as('alice')
        .promote({ sourceEnvironment: 'dev' }, 'broken-file-01');
      expect(res.status).toBe(409);
      expect(res.body.error.message).toMatch(
        /the pipeline file is broken at [0-9a-f]{12} \(gitops-pipeline\.yaml:\d+: .*\); writes to repository demo are blocked/,
      );
      expect(h.versionOnMain('cart', 'staging')).toBe('v1');
    });
  });

  describe('gates are evaluated when the write happens (finding 3)', () => {
    it('a freeze window that starts after the request stops the approval and the merge', async () => {
      await start(POLICY_PIPELINE, () => {
        h.bump('cart', ['dev', 'staging'], 'v2');
        h.bump('ledger', ['dev', 'staging'], 'v2');
      });
      // The window starts a little after the requests below are made (25 s:
      // they take several seconds on a loaded 2-core machine).
      const from = new Date(Date.now() + 25_000).toISOString();
      const to = new Date(Date.now() + 3600_000).toISOString();
      h.repo.write(
        'gitops-pipeline.yaml',
        POLICY_PIPELINE.replace(
          '        approverGroup: group:default/release-us\n',
          `        approverGroup: group:default/release-us\n        freezeWindows:\n          - from: "${from}"\n            to: "${to}"\n            reason: launch day\n`,
        ),
      );
      h.repo.commit('freeze prod-us for the launch');
      await h.refresh();
      h.groups.set('bob', ['group:default/release-us']);
      const body = { sourceEnvironment: 'staging', environments: ['prod-us'] };
      const early = await h
        .as('alice')
        .promote(body, 'freeze-late-01', 'ledger');
      expect(early.body.state).toBe('awaiting-approval');
      const opened = await h.as('bob').approve(early.body.id);
      expect(opened.body.state).toBe('pull-request-open');
      const late = await h.as('alice').promote(body, 'freeze-late-02');
      expect(late.status).toBe(201);
      expect(late.body.state).toBe('awaiting-approval');

      await new Promise(r =>
        setTimeout(r, Date.parse(from) - Date.now() + 200),
      );
      const approval = await h.as('bob').approve(late.body.id);
      expect(approval.status).toBe(409);
      expect(approval.body.error.message).toMatch(
        /prod-us is frozen \(launch day\)/,
      );
      const after = await h.as('alice').actions();
      expect(
        after.body.items.find((a: any) => a.id === late.body.id),
      ).toMatchObject({
        state: 'awaiting-approval',
        approvals: [],
      });
      const merge = await h.as('alice').merge(early.body.id);
      expect(merge.status).toBe(409);
      expect(merge.body.error.message).toMatch(/prod-us is frozen/);
      expect(h.versionOnMain('ledger', 'prod-us')).toBe('v1');
      expect(h.versionOnMain('cart', 'prod-us')).toBe('v1');
    });

    it('a hold created after the request stops the approval', async () => {
      await start(POLICY_PIPELINE, () => {
        h.bump('cart', ['dev', 'staging'], 'v2');
      });
      h.groups.set('bob', ['group:default/release-us']);
      const requested = await h
        .as('alice')
        .promote(
          { sourceEnvironment: 'staging', environments: ['prod-us'] },
          'hold-late-001',
        );
      expect(requested.body.state).toBe('awaiting-approval');
      // Meanwhile v2 reached prod-us by hand, went bad and was rolled back.
      h.bump('cart', ['prod-us'], 'v2', 'hotfix: cart v2 straight to prod-us');
      await h.refresh();
      const rollback = await h.as('carol').rollback(
        {
          environment: 'prod-us',
          reason: 'v2 breaks checkout',
          emergency: true,
        },
        'hold-late-002',
      );
      expect(rollback.body.state).toBe('merged');
      expect(h.versionOnMain('cart', 'prod-us')).toBe('v1');

      const approval = await h.as('bob').approve(requested.body.id);
      expect(approval.status).toBe(409);
      expect(approval.body.error.message).toMatch(
        /hold \(prod-us\): v2 was rolled back from prod-us by user:default\/carol/,
      );
      expect(h.versionOnMain('cart', 'prod-us')).toBe('v1');
      expect(h.repo.git('branch', '--list', 'gitops/*')).toBe('');
    });

    it('approvers must belong to the approver group of every target environment', async () => {
      await start(POLICY_PIPELINE, () => {
        h.bump('cart', ['dev', 'staging'], 'v2');
      });
      h.groups.set('dave', ['group:default/release-us']);
      h.groups.set('erin', [
        'group:default/release-us',
        'group:default/release-eu',
      ]);
      const requested = await h
        .as('alice')
        .promote({ sourceEnvironment: 'staging' }, 'groups-multi-01');
      expect(requested.body.environments).toEqual(['prod-us', 'prod-eu']);
      const dave = await h.as('dave').approve(requested.body.id);
      expect(dave.status).toBe(403);
      expect(dave.body.error.message).toMatch(
        /approvers must belong to group:default\/release-eu/,
      );
      const erin = await h.as('erin').approve(requested.body.id);
      expect(erin.status).toBe(200);
      expect(erin.body.state).toBe('pull-request-open');
      expect(
        (await h.audit())
          .filter(a => a.action === 'approve')
          .map(a => a.result),
      ).toEqual(['denied', 'succeeded']);
    });

    it('the approval that makes a direct write needs the write permission at that moment; a merge needs the merger’s', async () => {
      const direct = POLICY_PIPELINE.replace(
        '    prod-us:\n      cluster: prod-us-cluster\n      promotion:\n',
        '    prod-us:\n      cluster: prod-us-cluster\n      promotion:\n        mode: direct\n',
      );
      await start(direct, () => {
        h.bump('cart', ['dev', 'staging'], 'v2');
        h.bump('ledger', ['dev', 'staging'], 'v2');
      });
      h.groups.set('bob', [
        'group:default/release-us',
        'group:default/release-eu',
      ]);
      // bob approves but may not promote himself.
      h.policy = (user, permission) =>
        !(user === 'bob' && WRITE.test(permission)) &&
        !/emergency/.test(permission);
      const requested = await h
        .as('alice')
        .promote(
          { sourceEnvironment: 'staging', environments: ['prod-us'] },
          'direct-approve-1',
        );
      const approval = await h.as('bob').approve(requested.body.id);
      expect(approval.status).toBe(403);
      expect(approval.body.error.message).toMatch(
        /gitops\.promote denied for prod-us .*the last approval of a direct write makes the write/,
      );
      expect(h.versionOnMain('cart', 'prod-us')).toBe('v1');

      // Through a pull request: the approval writes a branch; the merge is
      // the write, and the requester who lost permission cannot make it.
      const pr = await h
        .as('alice')
        .promote(
          { sourceEnvironment: 'staging', environments: ['prod-eu'] },
          'direct-approve-2',
          'ledger',
        );
      expect((await h.as('bob').approve(pr.body.id)).body.state).toBe(
        'pull-request-open',
      );
      h.policy = (user, permission) =>
        !(['bob', 'alice'].includes(user) && WRITE.test(permission)) &&
        !/emergency/.test(permission);
      const merge = await h.as('alice').merge(pr.body.id);
      expect(merge.status).toBe(403);
      expect(h.versionOnMain('ledger', 'prod-eu')).toBe('v1');
    });
  });

  describe('idempotency (finding 5)', () => {
    it('an idempotency key belongs to its caller: the same key from someone else is their own request', async () => {
      await start(POLICY_PIPELINE, () => {
        h.bump('cart', ['dev', 'staging'], 'v2');
      });
      const body = { sourceEnvironment: 'staging', environments: ['prod-us'] };
      const a = await h.as('alice').promote(body, 'shared-key-0001');
      const b = await h.as('bob').promote(body, 'shared-key-0001');
      expect(a.status).toBe(201);
      expect(b.status).toBe(201);
      expect(b.body.id).not.toBe(a.body.id);
      expect(b.body.requestedBy).toBe('user:default/bob');
    });

    it('the key covers the whole body: another reason is 422, the same body is the first answer', async () => {
      await start(POLICY_PIPELINE, () => {
        h.bump('cart', ['dev', 'staging'], 'v2');
      });
      const body = {
        sourceEnvironment: 'staging',
        environments: ['prod-us'],
        reason: 'release 2',
      };
      const first = await h.as('alice').promote(body, 'whole-body-001');
      const again = await h.as('alice').promote(body, 'whole-body-001');
      expect(again.status).toBe(200);
      expect(again.body.id).toBe(first.body.id);
      const other = await h
        .as('alice')
        .promote({ ...body, reason: 'release 3' }, 'whole-body-001');
      expect(other.status).toBe(422);
    });

    it('a retried "roll back to the previous version" returns the first result', async () => {
      await start(POLICY_PIPELINE, () => {
        h.bump('cart', ['prod-eu'], 'v2');
      });
      const body = {
        environment: 'prod-eu',
        reason: 'errors',
        emergency: true,
      };
      const first = await h.as('carol').rollback(body, 'retry-prev-0001');
      expect(first.status).toBe(201);
      expect(first.body.version).toBe('v1');
      const retry = await h.as('carol').rollback(body, 'retry-prev-0001');
      expect(retry.status).toBe(200);
      expect(retry.body.id).toBe(first.body.id);
      expect(h.versionOnMain('cart', 'prod-eu')).toBe('v1');
      const withEmergencyOff = await h
        .as('carol')
        .rollback({ ...body, emergency: false }, 'retry-prev-0001');
      expect(withEmergencyOff.status).toBe(422);
    });
  });

  describe('reads honour catalog visibility (finding 6)', () => {
    it('the approval inbox and cross-service answers leave out services the caller cannot see', async () => {
      await start(POLICY_PIPELINE, () => {
        h.bump('ledger', ['dev', 'staging'], 'v2');
        h.bump('cart', ['dev', 'staging'], 'v2');
      });
      h.hidden.set('bob', ['ledger']);
      const ledger = await h
        .as('alice')
        .promote(
          { sourceEnvironment: 'staging', environments: ['prod-us'] },
          'visible-001',
          'ledger',
        );
      const cart = await h
        .as('alice')
        .promote(
          { sourceEnvironment: 'staging', environments: ['prod-us'] },
          'visible-002',
        );
      const inbox = (who: string) =>
        h
          .as(who)
          .get('/v1/actions')
          .then(r => r.body.items.map((a: any) => a.id));
      expect(await inbox('bob')).toEqual([cart.body.id]);
      expect((await inbox('carol')).sort()).toEqual(
        [cart.body.id, ledger.body.id].sort(),
      );

      const rollouts = await h.as('bob').get('/v1/rollouts?limit=100');
      expect(rollouts.status).toBe(200);
      expect(new Set(rollouts.body.items.map((r: any) => r.service))).toEqual(
        new Set(['cart']),
      );
      const ledgerRollout = (
        await h.as('carol').get('/v1/rollouts?limit=100')
      ).body.items.find((r: any) => r.service === 'ledger');
      expect(
        (await h.as('bob').get(`/v1/rollouts/${ledgerRollout.id}/change-set`))
          .status,
      ).toBe(404);
      const metrics = await h.as('bob').get('/v1/metrics');
      expect(metrics.status).toBe(200);
      expect(metrics.body.items.every((i: any) => i.service !== 'ledger')).toBe(
        true,
      );
    });
  });
});
