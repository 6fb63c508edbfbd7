/*
 * Argo CD and Flux notifications in (issue #11), through Backstage's events
 * backend (its real HTTP ingress, with this plugin's validators) into the
 * subscriber on a real database, with recorded payloads
 * (src/events/__fixtures__).
 */
import {
  mockServices,
  startTestBackend,
  TestDatabases,
} from '@backstage/backend-test-utils';
import { createBackendPlugin } from '@backstage/backend-plugin-api';
import eventsPlugin from '@backstage/plugin-events-backend';
import { eventsServiceRef } from '@backstage/plugin-events-node';
import type { Server } from 'node:http';
import type { Knex } from 'knex';
import { LedgerStore } from '../../database/LedgerStore';
import { LiveService } from '../../cluster/LiveService';
import { LiveStore } from '../../cluster/LiveStore';
import { waitFor } from '../../cluster/__testUtils__/waitFor';
import { sharedEventsService } from '../__testUtils__/githubWebhook';
import {
  fixture,
  HEAD,
  postArgoCd,
  postFlux,
  seedShop,
} from '../__testUtils__/cdEvents';
import { gitopsCdEventsModule } from './cdEventsModule';
import { CdEventStatusStore } from './CdEventStatusStore';
import { setupCdEvents } from './setupCdEvents';
import { CdEventSubscriber } from './CdEventSubscriber';
import type { LiveChange } from '../../cluster/ClusterObserver';
import { MAX_CD_EVENT_BYTES } from './types';

jest.setTimeout(60_000);

const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });
const ARGO_SECRET = 'argo-shared-secret-for-tests';
const FLUX_KEY = 'flux-hmac-key-for-tests';

describe.each(databases.eachSupportedId())(
  'Argo CD and Flux events through the events backend on %p',
  databaseId => {
    let knex: Knex;
    let server: Server;
    let store: CdEventStatusStore;
    const logger = mockServices.logger.mock();
    const rechecked: string[] = [];
    const changes: LiveChange[] = [];

    beforeAll(async () => {
      knex = await databases.init(databaseId);
      await LedgerStore.fromKnex(knex);
      store = new CdEventStatusStore(knex);
      const receiver = createBackendPlugin({
        pluginId: 'gitops',
        register(env) {
          env.registerInit({
            deps: { events: eventsServiceRef },
            async init({ events }) {
              await setupCdEvents({
                events,
                store,
                liveStore: new LiveStore(knex),
                watchedClusters: ['staging'],
                observer: {
                  recheck: async cluster => {
                    rechecked.push(cluster);
                    return true;
                  },
                },
                onChange: change => changes.push(change),
                logger,
              });
            },
          });
        },
      });
      ({ server } = await startTestBackend({
        features: [
          eventsPlugin,
          gitopsCdEventsModule,
          sharedEventsService(),
          receiver,
          mockServices.rootConfig.factory({
            data: {
              gitops: {
                events: {
                  argocd: { secret: ARGO_SECRET },
                  flux: { secret: FLUX_KEY },
                },
              },
            },
          }),
        ],
      }));
    });

    beforeEach(async () => {
      rechecked.length = 0;
      changes.length = 0;
      jest.clearAllMocks();
      for (const table of [
        'gitops_cd_event_status',
        'gitops_rollouts',
        'gitops_desired_states',
        'gitops_repositories',
      ]) {
        await knex(table).delete();
      }
      await seedShop(knex);
    });

    const live = () =>
      new LiveService(new LiveStore(knex), ['staging'], ['shop'], store);
    const envLive = async (environment: string) =>
      (await live().getServiceLive('shop', 'guestbook-ui')).environments.find(
        e => e.environment === environment,
      )!;
    const outcomeOf = async (environment: string) =>
      (
        await knex('gitops_rollouts')
          .where({ service: 'guestbook-ui', environment })
          .first()
      ).outcome;
    const stored = async () =>
      Number((await knex('gitops_cd_event_status').count('* as n'))[0].n);
    /** Lets a refused or ignored event reach the subscriber, if it would. */
    const settle = () => new Promise(r => setTimeout(r, 200));

    it('a validly signed Argo CD on-deployed event is the live status of an environment without cluster credentials, and its rollout succeeds', async () => {
      const res = await postArgoCd(
        server,
        fixture('argocd-on-deployed'),
        ARGO_SECRET,
      );
      expect(res.status).toBe(202);
      const status = await waitFor(async () => {
        const s = await envLive('prod-eu');
        return s.source === 'events' ? s : undefined;
      }, 'events status');
      expect(status).toMatchObject({
        environment: 'prod-eu',
        cluster: 'prod-eu',
        health: 'Healthy',
        sync: 'Synced',
        appliedRevision: HEAD,
        observedVersions: ['1.5.0'],
        source: 'events',
        events: {
          tool: 'argocd',
          app: 'argocd/guestbook-eu',
          operationPhase: 'Succeeded',
          at: '2026-11-30T21:14:07.000Z',
        },
      });
      expect(status.drift).toBeUndefined();
      expect(await outcomeOf('prod-eu')).toBe('succeeded');
      // Live updates and notifications hear of both, as from the cluster observer.
      expect(changes).toEqual([
        {
          kind: 'status',
          repositoryId: 'shop',
          service: 'guestbook-ui',
          environment: 'prod-eu',
        },
        expect.objectContaining({
          kind: 'outcome',
          environment: 'prod-eu',
          toVersion: '1.5.0',
          outcome: 'succeeded',
        }),
      ]);
      // Only prod-eu was reported on.
      expect((await envLive('prod-us')).source).toBeUndefined();
      expect(await outcomeOf('prod-us')).toBe('pending');
    });

    it('Argo CD on-health-degraded marks the environment and its rollout degraded', async () => {
      await postArgoCd(
        server,
        fixture('argocd-on-health-degraded'),
        ARGO_SECRET,
      );
      await waitFor(
        async () => (await outcomeOf('prod-eu')) === 'degraded',
        'degraded outcome',
      );
      expect(await envLive('prod-eu')).toMatchObject({
        health: 'Degraded',
        source: 'events',
      });
    });

    it('events-only mode: the dashboard, the pending rollouts and the source-healthy gate read the events', async () => {
      const dashboardOf = async () =>
        (await live().getDashboard('shop')).environments.find(
          e => e.name === 'prod-us',
        )!;
      // Before any event, no one will report on prod-us.
      expect((await dashboardOf()).recentRollouts[0].outcome).toBe(
        'not-observed',
      );
      expect(
        await live().observedSource('shop', 'guestbook-ui', 'prod-us'),
      ).toBeUndefined();
      // A Flux event about another service of prod-us: its rollouts can now be observed.
      const event = fixture('flux-kustomization-health-failed');
      event.involvedObject.name = 'guestbook-api-prod-us';
      await postFlux(server, event, FLUX_KEY);
      await waitFor(async () => (await stored()) === 1, 'stored event');
      const env = await dashboardOf();
      expect(env.recentRollouts[0]).toMatchObject({
        service: 'guestbook-ui',
        outcome: 'pending',
      });
      expect(env.status).toBe('ERROR');
      expect(env.counts.degraded).toBe(1);
      // The source-healthy gate sees guestbook-api Degraded in prod-us.
      expect(
        await live().observedSource('shop', 'guestbook-api', 'prod-us'),
      ).toEqual({
        status: {
          health: 'Degraded',
          sync: 'Synced',
          observedVersions: ['2.3.1'],
        },
      });
    });

    it('Argo CD on-sync-failed shows OutOfSync and the old version (drift); the rollout stays pending', async () => {
      await postArgoCd(server, fixture('argocd-on-sync-failed'), ARGO_SECRET);
      const status = await waitFor(async () => {
        const s = await envLive('prod-eu');
        return s.source === 'events' ? s : undefined;
      }, 'events status');
      expect(status).toMatchObject({
        sync: 'OutOfSync',
        observedVersions: ['1.4.2'],
        events: { operationPhase: 'Failed' },
      });
      expect(status.drift?.desired).toBe('1.5.0');
      expect(await outcomeOf('prod-eu')).toBe('pending');
    });

    it('an older event never overwrites a newer one (degraded at 21:19, then deployed of 21:14 arriving late)', async () => {
      await postArgoCd(
        server,
        fixture('argocd-on-health-degraded'),
        ARGO_SECRET,
      );
      await waitFor(
        async () => (await envLive('prod-eu')).health === 'Degraded',
        'degraded',
      );
      await postArgoCd(server, fixture('argocd-on-deployed'), ARGO_SECRET);
      await settle();
      expect((await envLive('prod-eu')).health).toBe('Degraded');
      expect(await outcomeOf('prod-eu')).toBe('degraded');
    });

    it('two replicas handling an older and a newer event at once keep the newer (the database decides)', async () => {
      const replica = () =>
        new CdEventSubscriber({
          events: mockServices.events(),
          store: new CdEventStatusStore(knex),
          repositories: () => new LiveStore(knex).repositories(),
          watchedClusters: new Set(['staging']),
          recheck: async () => undefined,
          logger: mockServices.logger.mock(),
        });
      const event = (name: string) => ({
        topic: 'gitops.argocd',
        eventPayload: fixture(name),
      });
      await Promise.all([
        replica().onEvent(event('argocd-on-health-degraded')),
        replica().onEvent(event('argocd-on-deployed')),
      ]);
      const status = await envLive('prod-eu');
      expect(status.health).toBe('Degraded');
      expect(status.events?.at).toBe('2026-11-30T21:19:42.000Z');
    });

    it('a validly signed Flux Kustomization event: health from its reason, version from the revision it applied, rollout succeeded', async () => {
      const res = await postFlux(
        server,
        fixture('flux-kustomization-reconciled'),
        FLUX_KEY,
      );
      expect(res.status).toBe(202);
      const status = await waitFor(async () => {
        const s = await envLive('prod-us');
        return s.source === 'events' ? s : undefined;
      }, 'events status');
      expect(status).toMatchObject({
        health: 'Healthy',
        sync: 'Synced',
        appliedRevision: HEAD,
        observedVersions: ['1.5.0'],
        events: {
          tool: 'flux',
          app: 'flux-system/guestbook-ui-prod-us',
          reason: 'ReconciliationSucceeded',
        },
      });
      expect(await outcomeOf('prod-us')).toBe('succeeded');
    });

    it('a Flux HealthCheckFailed event makes the environment and its rollout degraded', async () => {
      await postFlux(
        server,
        fixture('flux-kustomization-health-failed'),
        FLUX_KEY,
      );
      await waitFor(
        async () => (await outcomeOf('prod-us')) === 'degraded',
        'degraded outcome',
      );
      expect((await envLive('prod-us')).health).toBe('Degraded');
    });

    it('a Flux source event (GitRepository) says nothing of what runs and is ignored', async () => {
      const res = await postFlux(
        server,
        fixture('flux-gitrepository-artifact'),
        FLUX_KEY,
      );
      expect(res.status).toBe(202);
      await settle();
      expect(await stored()).toBe(0);
    });

    it('a wrong or missing Argo CD secret is refused with 403 and nothing is processed', async () => {
      const wrong = await postArgoCd(
        server,
        fixture('argocd-on-deployed'),
        'not-the-secret',
      );
      const missing = await postArgoCd(
        server,
        fixture('argocd-on-deployed'),
        undefined,
      );
      expect([wrong.status, missing.status]).toEqual([403, 403]);
      await settle();
      expect(await stored()).toBe(0);
      expect(await outcomeOf('prod-eu')).toBe('pending');
    });

    it('a bad, missing or other-body Flux signature is refused with 403 and nothing is processed', async () => {
      const body = fixture('flux-kustomization-reconciled');
      const results = await Promise.all([
        postFlux(server, body, 'not-the-key'),
        postFlux(server, body, undefined),
        postFlux(server, body, FLUX_KEY, {
          signedBody: JSON.stringify(
            fixture('flux-kustomization-health-failed'),
          ),
        }),
      ]);
      expect(results.map(r => r.status)).toEqual([403, 403, 403]);
      await settle();
      expect(await stored()).toBe(0);
      expect(await outcomeOf('prod-us')).toBe('pending');
    });

    it('an event for an environment on a watched cluster re-checks that cluster and stores nothing', async () => {
      const res = await postArgoCd(
        server,
        {
          ...fixture('argocd-on-deployed'),
          app: 'storefront',
          service: 'guestbook-ui',
          environment: 'staging',
        },
        ARGO_SECRET,
      );
      expect(res.status).toBe(202);
      await waitFor(() => rechecked.length > 0, 're-check');
      expect(rechecked).toEqual(['staging']);
      expect(await stored()).toBe(0);
    });

    it('an unknown application is ignored with a debug log naming it', async () => {
      await postArgoCd(
        server,
        { ...fixture('argocd-on-deployed'), app: 'billing-prod' },
        ARGO_SECRET,
      );
      await waitFor(
        () =>
          logger.debug.mock.calls.some(([m]) =>
            String(m).includes('Application argocd/billing-prod'),
          ),
        'debug log',
      );
      expect(await stored()).toBe(0);
      expect(rechecked).toEqual([]);
    });

    it('payload bounds: a body over 64 KiB is refused with 413; over-long names and too many images are refused unprocessed', async () => {
      const big = {
        ...fixture('argocd-on-deployed'),
        message: 'x'.repeat(MAX_CD_EVENT_BYTES),
      };
      expect((await postArgoCd(server, big, ARGO_SECRET)).status).toBe(413);
      expect((await postFlux(server, big, FLUX_KEY)).status).toBe(413);
      await postArgoCd(
        server,
        { ...fixture('argocd-on-deployed'), app: 'a'.repeat(254) },
        ARGO_SECRET,
      );
      await postArgoCd(
        server,
        {
          ...fixture('argocd-on-deployed'),
          images: Array.from({ length: 51 }, (_, i) => `ghcr.io/acme/x:${i}`),
        },
        ARGO_SECRET,
      );
      await waitFor(
        () => logger.warn.mock.calls.length >= 2,
        'two refusals logged',
      );
      expect(logger.warn.mock.calls.map(([m]) => m)).toEqual([
        'Argo CD event refused: app is longer than 253 characters',
        'Argo CD event refused: images must be a list of at most 50',
      ]);
      expect(await stored()).toBe(0);
    });
  },
);

describe('a CD tool without its secret', () => {
  it('has no ingress (404) while the other tool, with its secret, has one (the log line: cdEventsModule.test.ts)', async () => {
    const { server } = await startTestBackend({
      features: [
        eventsPlugin,
        gitopsCdEventsModule,
        sharedEventsService(),
        mockServices.rootConfig.factory({
          data: { gitops: { events: { flux: { secret: FLUX_KEY } } } },
        }),
      ],
    });
    const argo = await postArgoCd(
      server,
      fixture('argocd-on-deployed'),
      'anything',
    );
    expect(argo.status).toBe(404);
    const flux = await postFlux(
      server,
      fixture('flux-kustomization-reconciled'),
      FLUX_KEY,
    );
    expect(flux.status).toBe(202);
  });
});
