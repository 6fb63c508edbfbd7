import { TestDatabases } from '@backstage/backend-test-utils';
import { APP_BASE_URL, DemoPortal } from './__testUtils__/DemoPortal';
import { humanDuration } from './readActions';

jest.setTimeout(180_000);

const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });

const UI = '/v1/entities/default/component/guestbook-ui';
const TAB = `${APP_BASE_URL}/catalog/default/component/guestbook-ui/gitops`;
const READ_ACTIONS = [
  'lookup-feature',
  'get-service-status',
  'list-deployments',
  'get-change-set',
  'get-delivery-metrics',
  'list-approvals',
];

const DAY = 86_400_000;

/**
 * The product's questions as actions (issue #14), against the demo: each
 * answer is what the HTTP API (the pages) answers for the same question and
 * the same user; what a user may not read is refused or does not exist.
 */
describe.each(databases.eachSupportedId())(
  'read actions on the demo, %p',
  databaseId => {
    const portal = new DemoPortal();
    beforeAll(() => portal.start(databases, databaseId));
    afterAll(() => portal.cleanup());
    const guest = portal.http('guest');
    /** Midnight UTC of the demo's anchor day ("yesterday" is the day before). */
    const today = () => Date.parse(`${portal.summary.anchorDay}T00:00:00Z`);

    it('registers the read actions beside the writes, read-only, non-destructive and idempotent', async () => {
      const { actions } = await portal.actionsRegistry.list();
      const byName = new Map(actions.map(a => [a.name, a]));
      for (const name of READ_ACTIONS) {
        expect(byName.get(name)?.attributes).toEqual({
          readOnly: true,
          destructive: false,
          idempotent: true,
        });
        expect(byName.get(name)?.description.length).toBeGreaterThan(150);
      }
      for (const name of ['promote', 'rollback', 'approve', 'cancel'])
        expect(byName.get(name)?.attributes.readOnly).toBe(false);
      expect(
        (byName.get('lookup-feature')?.schema.input as any).required,
      ).toEqual(['query']);
    });

    it('lookup-feature: SAAS-1543 is where the feature tracker says, with its dwell times and the rollback that removed it', async () => {
      const http = (await guest.get('/v1/features?q=SAAS-1543')).body;
      const out = await portal.invoke('lookup-feature', 'guest', {
        query: 'SAAS-1543',
      });
      expect(out.kind).toBe('issue');
      expect(out.link).toBe(`${APP_BASE_URL}/gitops/features?q=SAAS-1543`);
      expect(out.services.map((s: any) => s.service)).toEqual(
        http.services.map((s: any) => s.service),
      );
      const [ui] = out.services;
      const [page] = http.services;
      expect(ui.environments).toEqual(page.environments);
      expect(ui.dwell).toEqual(
        page.dwell.map((d: any) => ({
          ...d,
          duration: humanDuration(d.seconds),
        })),
      );
      expect(ui.commitCount).toBe(page.commits.length);
      expect(ui.commits.map((c: any) => c.sha)).toEqual(
        page.commits.slice(0, 5).map((c: any) => c.sha),
      );
      expect(ui.entityRef).toBe('component:default/guestbook-ui');
      expect(ui.link).toBe(TAB);
      // The demo's story: in prod-us, taken out of prod-eu by a rollback.
      const expected = portal.summary.issues['SAAS-1543'].environments;
      const eu = ui.environments.find((e: any) => e.environment === 'prod-eu');
      expect(eu).toMatchObject({
        present: false,
        removedAt: new Date(expected['prod-eu'].removedAt).toISOString(),
        removedByKind: 'rollback',
      });
      expect(ui.summary).toBe(
        `guestbook-ui: present in dev, qa, staging, prod-us; removed from prod-eu by rollback #${eu.removedByRolloutId} at ${eu.removedAt}`,
      );
      // A pull request and a commit answer the same way as the page.
      const byPr = await portal.invoke('lookup-feature', 'guest', {
        query: '#150',
      });
      const httpPr = (await guest.get('/v1/features?q=%23150')).body;
      expect(byPr.services[0].environments).toEqual(
        httpPr.services[0].environments,
      );
      const sha = page.commits[0].sha.slice(0, 10);
      const byCommit = await portal.invoke('lookup-feature', 'guest', {
        query: sha,
      });
      expect(byCommit.kind).toBe('commit');
      expect(byCommit.services[0].commits.map((c: any) => c.sha)).toEqual([
        page.commits[0].sha,
      ]);
    });

    it('lookup-feature: a bare number answers with the candidates; anything else names the three forms', async () => {
      await expect(
        portal.invoke('lookup-feature', 'guest', { query: '1543' }),
      ).rejects.toThrow(
        /"1543" is ambiguous.*Candidates: SAAS-1543 \(guestbook-ui\)/,
      );
      await expect(
        portal.invoke('lookup-feature', 'guest', { query: 'dark mode' }),
      ).rejects.toThrow(/neither an issue key.*pull request.*commit sha/);
      // The candidates never name a service the caller may not see.
      await expect(
        portal.invoke('lookup-feature', 'outsider', { query: '1543' }),
      ).rejects.toThrow(/matches no issue key/);
    });

    it('get-service-status: the versions, health and pending changes of the tab', async () => {
      const out = await portal.invoke('get-service-status', 'guest', {
        entityRef: 'guestbook-ui',
      });
      const status = (await guest.get(`${UI}/status`)).body;
      const live = (await guest.get(`${UI}/live`)).body;
      expect(out.entityRef).toBe('component:default/guestbook-ui');
      expect(out.link).toBe(TAB);
      expect(
        out.environments.map((e: any) => [e.environment, e.version, e.health]),
      ).toEqual(
        status.environments.map((e: any) => [
          e.environment.name,
          e.desired?.version ?? null,
          live.environments.find(
            (l: any) => l.environment === e.environment.name,
          ).health,
        ]),
      );
      expect(out.stages.map((s: any) => s.name)).toEqual(
        status.pipeline.stages.map((s: any) => s.name),
      );
      // Every pair along the pipeline, as the tab's pending changes say.
      expect(out.pending.map((p: any) => `${p.from}→${p.to}`)).toEqual([
        'dev→qa',
        'qa→staging',
        'staging→prod-us',
        'staging→prod-eu',
      ]);
      for (const p of out.pending) {
        const http = (
          await guest.get(`${UI}/pending?from=${p.from}&to=${p.to}`)
        ).body;
        const cs = http.changeSet;
        expect(p).toMatchObject({
          fromVersion: http.fromVersion,
          toVersion: http.toVersion,
          status: cs.status,
          commits: cs.added.length,
          commitsOnlyInTarget: cs.removed.length,
        });
        expect(p.issueKeys.sort()).toEqual(
          [...new Set(cs.added.flatMap((c: any) => c.issueKeys))].sort(),
        );
        expect(p.pullRequests.sort()).toEqual(
          [...new Set(cs.added.flatMap((c: any) => c.pullRequests))].sort(),
        );
      }
      // staging → prod-eu brings dark mode back (the rollback took it out).
      const eu = out.pending.find((p: any) => p.to === 'prod-eu');
      expect(eu.issueKeys).toContain('SAAS-1543');
    });

    it('list-deployments: yesterday, one kind, one service, paged, as GET /v1/rollouts answers', async () => {
      const since = new Date(today() - DAY).toISOString();
      const until = new Date(today()).toISOString();
      const out = await portal.invoke('list-deployments', 'guest', {
        since,
        until,
        limit: 50,
      });
      const http = (
        await guest.get(`/v1/rollouts?since=${since}&until=${until}&limit=50`)
      ).body;
      expect(out.items.length).toBeGreaterThan(0);
      expect(out.items.map((r: any) => r.rolloutId)).toEqual(
        http.items.map((r: any) => r.id),
      );
      expect(out.totalCount).toBe(http.totalCount);
      expect(out.items[0]).toEqual({
        rolloutId: http.items[0].id,
        service: http.items[0].service,
        environment: http.items[0].environment,
        fromVersion: http.items[0].fromVersion,
        toVersion: http.items[0].toVersion,
        kind: http.items[0].kind,
        outcome: http.items[0].outcome,
        desiredAt: http.items[0].desiredAt,
        initiator: http.items[0].initiator,
        commitSha: http.items[0].commit.sha,
        subject: http.items[0].commit.subject,
      });

      const rollbacks = await portal.invoke('list-deployments', 'guest', {
        kind: 'rollback',
        entityRef: 'component:default/guestbook-ui',
      });
      const httpRollbacks = (
        await guest.get(`${UI}/rollouts?kind=rollback&limit=10`)
      ).body;
      expect(rollbacks.items.map((r: any) => r.rolloutId)).toEqual(
        httpRollbacks.items.map((r: any) => r.id),
      );
      expect(rollbacks.items.every((r: any) => r.kind === 'rollback')).toBe(
        true,
      );
      expect(rollbacks.link).toBe(TAB);

      // Small pages, chained by the cursor, give the same rollouts.
      const first = await portal.invoke('list-deployments', 'guest', {
        environment: 'prod-eu',
        limit: 2,
      });
      const second = await portal.invoke('list-deployments', 'guest', {
        environment: 'prod-eu',
        limit: 2,
        cursor: first.nextCursor,
      });
      const four = (await guest.get('/v1/rollouts?environment=prod-eu&limit=4'))
        .body;
      expect(
        [...first.items, ...second.items].map((r: any) => r.rolloutId),
      ).toEqual(four.items.map((r: any) => r.id));

      // Relative windows are computed on the server's clock.
      const recent = await portal.invoke('list-deployments', 'guest', {
        lastHours: 24 * 7,
        limit: 1,
      });
      expect(Date.parse(recent.since)).toBeCloseTo(
        Date.parse(recent.generatedAt) - 7 * DAY,
        -3,
      );
      await expect(
        portal.invoke('list-deployments', 'guest', { since: 'yesterday' }),
      ).rejects.toThrow(/invalid query: since/);
    });

    it('get-change-set: of the prod-eu rollback (what it took away) and of the pending staging → prod-eu promotion', async () => {
      const feature = await portal.invoke('lookup-feature', 'guest', {
        query: 'SAAS-1543',
      });
      const rollbackId = feature.services[0].environments.find(
        (e: any) => e.environment === 'prod-eu',
      ).removedByRolloutId;
      const out = await portal.invoke('get-change-set', 'guest', {
        rolloutId: rollbackId,
        limit: 100,
      });
      const http = (await guest.get(`/v1/rollouts/${rollbackId}/change-set`))
        .body;
      expect(out).toMatchObject({
        rolloutId: rollbackId,
        service: 'guestbook-ui',
        environment: 'prod-eu',
        kind: 'rollback',
        status: http.status,
        link: TAB,
      });
      expect(out.removed.map((c: any) => c.sha)).toEqual(
        http.removed.map((c: any) => c.sha),
      );
      expect(out.added).toEqual([]);
      expect(out.pullRequests.map((p: any) => p.number)).toEqual(
        http.pullRequests.map((p: any) => p.number),
      );
      expect(out.issueKeys).toEqual(http.issueKeys);
      expect(out.authors).toEqual(http.authors);
      expect(out.issueKeys).toContainEqual({
        key: 'SAAS-1543',
        url: 'https://jira.acme.example/browse/SAAS-1543',
      });

      const pending = await portal.invoke('get-change-set', 'guest', {
        entityRef: 'guestbook-ui',
        from: 'staging',
        to: 'prod-eu',
        limit: 3,
      });
      const httpPending = (
        await guest.get(`${UI}/pending?from=staging&to=prod-eu`)
      ).body;
      expect(pending).toMatchObject({
        service: 'guestbook-ui',
        from: 'staging',
        to: 'prod-eu',
        fromVersion: httpPending.fromVersion,
        toVersion: httpPending.toVersion,
        status: httpPending.changeSet.status,
        counts: {
          added: httpPending.changeSet.added.length,
          removed: httpPending.changeSet.removed.length,
          pullRequests: httpPending.changeSet.pullRequests.length,
          issueKeys: httpPending.changeSet.issueKeys.length,
        },
      });
      // Paged: the cursor walks the added commits in the page's order.
      const shas: string[] = pending.added.map((c: any) => c.sha);
      let cursor = pending.nextCursor;
      while (cursor) {
        const next = await portal.invoke('get-change-set', 'guest', {
          entityRef: 'guestbook-ui',
          from: 'staging',
          to: 'prod-eu',
          limit: 3,
          cursor,
        });
        shas.push(...next.added.map((c: any) => c.sha));
        cursor = next.nextCursor;
      }
      expect(shas).toEqual(httpPending.changeSet.added.map((c: any) => c.sha));

      await expect(
        portal.invoke('get-change-set', 'guest', {
          rolloutId: rollbackId,
          from: 'staging',
        }),
      ).rejects.toThrow(/either rolloutId, or entityRef with from and to/);
    });

    it('get-delivery-metrics: the metrics endpoint of the service, per environment', async () => {
      const until = new Date(today() + DAY).toISOString();
      const since = new Date(today() - 29 * DAY).toISOString();
      const out = await portal.invoke('get-delivery-metrics', 'guest', {
        entityRef: 'guestbook-ui',
        since,
        until,
        includeDaily: true,
      });
      const http = (
        await guest.get(`${UI}/metrics?since=${since}&until=${until}`)
      ).body;
      expect(out).toMatchObject({ since, until, link: TAB });
      expect(out.items).toEqual(
        http.items.map((m: any) => ({
          environment: m.environment,
          deployments: m.deployments,
          leadTime: m.leadTime,
          changeFailure: m.changeFailure,
          timeToRestore: m.timeToRestore,
        })),
      );
      const eu = out.items.find((m: any) => m.environment === 'prod-eu');
      expect(eu.changeFailure.rollbacks).toBeGreaterThan(0);
      const compact = await portal.invoke('get-delivery-metrics', 'guest', {
        entityRef: 'guestbook-ui',
        environment: 'prod-eu',
        since,
        until,
      });
      expect(compact.items).toHaveLength(1);
      expect(compact.items[0].deployments.daily).toBeUndefined();
    });

    it('list-approvals: the inbox of each user, as GET /v1/actions answers it', async () => {
      const requested = await guest.post(
        `${UI}/promotions`,
        { sourceEnvironment: 'staging', environments: ['prod-us'] },
        'mcp-read-actions-0001',
      );
      expect(requested.body.state).toBe('awaiting-approval');
      const rita = await portal.invoke('list-approvals', 'rita', {});
      const httpRita = (await portal.http('rita').get('/v1/actions')).body;
      expect(rita.items.map((a: any) => a.actionId)).toEqual(
        httpRita.items.map((a: any) => a.id),
      );
      expect(rita.items[0]).toMatchObject({
        actionId: requested.body.id,
        kind: 'promotion',
        waitingFor: 'approval',
        service: 'guestbook-ui',
        sourceEnvironment: 'staging',
        environments: ['prod-us'],
        version: requested.body.version,
        requestedBy: 'user:default/guest',
        approvals: [],
        requiredApprovals: 1,
        link: TAB,
      });
      expect(rita.link).toBe(`${APP_BASE_URL}/gitops/approvals`);
      // The requester's own request is not in their inbox; a user who may
      // not see the service does not learn of it.
      for (const user of ['guest', 'outsider']) {
        const out = await portal.invoke('list-approvals', user, {});
        const http = (await portal.http(user).get('/v1/actions')).body;
        expect(out.items).toEqual([]);
        expect(http.items).toEqual([]);
      }
    });

    it('refuses a caller without gitops.read, or whose permission cannot be asked, on every read action', async () => {
      const inputs: Record<string, object> = {
        'lookup-feature': { query: 'SAAS-1543' },
        'get-service-status': { entityRef: 'guestbook-ui' },
        'list-deployments': {},
        'get-change-set': { rolloutId: '1' },
        'get-delivery-metrics': { entityRef: 'guestbook-ui' },
        'list-approvals': {},
      };
      for (const name of READ_ACTIONS) {
        await expect(
          portal.invoke(name, 'mallory', inputs[name]),
        ).rejects.toMatchObject({
          name: 'NotAllowedError',
          message: 'not allowed: gitops.read',
        });
        await expect(
          portal.invoke(name, 'broken', inputs[name]),
        ).rejects.toMatchObject({
          name: 'NotAllowedError',
          message: expect.stringMatching(
            /^denied: the permission backend could not be asked/,
          ),
        });
      }
      expect((await guest.get('/v1/features?q=SAAS-1543')).status).toBe(200);
      expect(
        (await portal.http('mallory').get('/v1/features?q=SAAS-1543')).status,
      ).toBe(403);
    });

    it('answers a service the caller may not see in the catalog like one that does not exist, naming the closest visible services', async () => {
      const notFound = {
        name: 'NotFoundError',
        message: expect.stringMatching(
          /no service "guestbook-ui" .* closest GitOps services: component:default\/guestbook-api, component:default\/guestbook-worker$/,
        ),
      };
      for (const name of [
        'get-service-status',
        'get-delivery-metrics',
        'list-deployments',
        'list-approvals',
      ]) {
        await expect(
          portal.invoke(name, 'outsider', { entityRef: 'guestbook-ui' }),
        ).rejects.toMatchObject(notFound);
      }
      await expect(
        portal.invoke('get-change-set', 'outsider', {
          entityRef: 'guestbook-ui',
          from: 'staging',
          to: 'prod-eu',
        }),
      ).rejects.toMatchObject(notFound);
      // A typo: the nearest names first.
      await expect(
        portal.invoke('get-service-status', 'guest', {
          entityRef: 'guestbok-api',
        }),
      ).rejects.toThrow(
        /closest GitOps services: component:default\/guestbook-api, /,
      );
      // The feature and the rollouts of a hidden service are not named.
      const feature = await portal.invoke('lookup-feature', 'outsider', {
        query: 'SAAS-1543',
      });
      expect(feature.services).toEqual([]);
      expect(
        (await portal.http('outsider').get('/v1/features?q=SAAS-1543')).body
          .services,
      ).toEqual([]);
      const rollouts = await portal.invoke('list-deployments', 'outsider', {
        limit: 50,
      });
      expect(
        rollouts.items.some((r: any) => r.service === 'guestbook-ui'),
      ).toBe(false);
      const uiRollout = (await guest.get(`${UI}/rollouts?limit=1`)).body
        .items[0].id;
      await expect(
        portal.invoke('get-change-set', 'outsider', { rolloutId: uiRollout }),
      ).rejects.toMatchObject({
        name: 'NotFoundError',
        message: `rollout ${uiRollout} not found`,
      });
      // The same hidden service through a write action: not found too.
      await expect(
        portal.invoke('promote', 'outsider', {
          entityRef: 'guestbook-ui',
          sourceEnvironment: 'staging',
        }),
      ).rejects.toMatchObject(notFound);
    });
  },
);
