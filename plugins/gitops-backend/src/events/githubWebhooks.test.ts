/*
 * GitHub webhooks in (issue #11), through Backstage's events backend and
 * its GitHub module (the real HTTP ingress and signature validator), into
 * the plugin's subscriber on a real database.
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
import { LedgerStore } from '../database/LedgerStore';
import type { RepositoryConfig } from '../config';
import { setupGithubEvents } from './setupGithubEvents';
import type { CoalescingTrigger } from './CoalescingTrigger';
import { GithubEventSubscriber } from './GithubEventSubscriber';
import { DeliveryLog } from './DeliveryLog';
import {
  deliver,
  githubEventsModules,
  sharedEventsService,
  pullRequestPayload,
  pushPayload,
} from './__testUtils__/githubWebhook';

jest.setTimeout(60_000);

const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });
const SECRET = 'webhook-secret-for-tests';
const SLUG = 'acme/gitops';
const SHA = 'a'.repeat(40);

const repositories = [
  {
    id: 'demo',
    provider: 'github',
    url: `https://github.com/${SLUG}`,
    branch: 'main',
  },
  {
    // A local clone of a hosted repository, named by its web address.
    id: 'mirror',
    provider: 'local',
    url: '/srv/gitops-mirror',
    webUrl: 'https://git.acme.example/acme/mirror',
    branch: 'main',
  },
] as RepositoryConfig[];

describe.each(databases.eachSupportedId())(
  'GitHub webhooks through the events backend on %p',
  databaseId => {
    let knex: Knex;
    let server: Server;
    let pushes: CoalescingTrigger;
    let subscriber: GithubEventSubscriber;
    const ingested: string[] = [];
    const reconciled: string[] = [];
    const refreshed: string[] = [];
    let ingestMs = 0;
    let failReconciles = 0;

    beforeAll(async () => {
      knex = await databases.init(databaseId);
      await LedgerStore.fromKnex(knex);
      const receiver = createBackendPlugin({
        pluginId: 'gitops',
        register(env) {
          env.registerInit({
            deps: { events: eventsServiceRef },
            async init({ events }) {
              ({ pushes, subscriber } = await setupGithubEvents({
                events,
                db: knex,
                repositories,
                ingest: async id => {
                  ingested.push(id);
                  await new Promise(r => setTimeout(r, ingestMs));
                },
                reconcileAction: async id => {
                  reconciled.push(id);
                  if (failReconciles > 0) {
                    failReconciles--;
                    throw new Error('database unavailable');
                  }
                },
                refreshCommit: async (source, sha) => {
                  refreshed.push(`${source}@${sha}`);
                  return 1;
                },
                logger: mockServices.logger.mock(),
              }));
            },
          });
        },
      });
      ({ server } = await startTestBackend({
        features: [
          eventsPlugin,
          ...githubEventsModules(),
          sharedEventsService(),
          receiver,
          mockServices.rootConfig.factory({
            data: {
              events: { modules: { github: { webhookSecret: SECRET } } },
            },
          }),
        ],
      }));
    });

    beforeEach(async () => {
      ingested.length = 0;
      reconciled.length = 0;
      refreshed.length = 0;
      ingestMs = 0;
      failReconciles = 0;
      await knex('gitops_webhook_deliveries').delete();
    });

    it('a validly signed push to the followed branch makes one ingestion of that repository', async () => {
      const res = await deliver(server, {
        event: 'push',
        payload: pushPayload(SLUG, 'main', SHA),
        secret: SECRET,
      });
      expect(res.status).toBe(202);
      await settled();
      expect(ingested).toEqual(['demo']);
    });

    it('a signed push naming the webUrl of a local repository ingests that repository', async () => {
      const payload = pushPayload('acme/mirror', 'main', SHA);
      payload.repository.html_url = 'https://git.acme.example/acme/mirror';
      const res = await deliver(server, {
        event: 'push',
        payload,
        secret: SECRET,
      });
      expect(res.status).toBe(202);
      await settled();
      expect(ingested).toEqual(['mirror']);
    });

    it('the same delivery sent twice is handled once', async () => {
      for (let i = 0; i < 2; i++) {
        const res = await deliver(server, {
          event: 'push',
          payload: pushPayload(SLUG, 'main', SHA),
          secret: SECRET,
          delivery: '72d3162e-cc78-11e3-81ab-4c9367dc0958',
        });
        expect(res.status).toBe(202);
        await settled();
      }
      expect(ingested).toEqual(['demo']);
      expect(
        Number((await knex('gitops_webhook_deliveries').count('* as n'))[0].n),
      ).toBe(1);
    });

    it('a bad signature is refused with 403 and nothing is processed or recorded', async () => {
      const forged = await deliver(server, {
        event: 'push',
        payload: pushPayload(SLUG, 'main', SHA),
        secret: 'not-the-secret',
      });
      const unsigned = await deliver(server, {
        event: 'push',
        payload: pushPayload(SLUG, 'main', SHA),
        secret: SECRET,
        signature: '',
      });
      expect([forged.status, unsigned.status]).toEqual([403, 403]);
      await settled();
      expect(ingested).toEqual([]);
      expect(await knex('gitops_webhook_deliveries')).toEqual([]);
    });

    it('a burst of 20 pushes within a second costs at most 2 ingestion runs', async () => {
      ingestMs = 150;
      const started = Date.now();
      for (let i = 0; i < 20; i++) {
        const res = await deliver(server, {
          event: 'push',
          payload: pushPayload(SLUG, 'main', i.toString(16).padStart(40, 'b')),
          secret: SECRET,
        });
        expect(res.status).toBe(202);
        const due = started + ((i + 1) * 1000) / 20;
        await new Promise(r => setTimeout(r, Math.max(0, due - Date.now())));
      }
      await settled();
      expect(ingested.length).toBeGreaterThanOrEqual(1);
      expect(ingested.length).toBeLessThanOrEqual(2);
      expect(new Set(ingested)).toEqual(new Set(['demo']));
    });

    it('pushes to other branches and to unknown repositories are ignored', async () => {
      await deliver(server, {
        event: 'push',
        payload: pushPayload(SLUG, 'gitops/promotion-7', SHA),
        secret: SECRET,
      });
      await deliver(server, {
        event: 'push',
        payload: pushPayload('someone/else', 'main', SHA),
        secret: SECRET,
      });
      await settled();
      expect(ingested).toEqual([]);
    });

    it('a pull request closed on a portal branch reconciles that action; other branches and events do not', async () => {
      const closed = (headRef: string, action: any = 'closed') =>
        deliver(server, {
          event: 'pull_request',
          payload: pullRequestPayload({
            slug: SLUG,
            action,
            number: 3,
            headRef,
            headSha: SHA,
            merged: false,
          }),
          secret: SECRET,
        });
      await closed('gitops/promotion-42');
      await closed('gitops/rollback-43', 'synchronize');
      await closed('feature/x');
      await closed('gitops/promotion-44', 'opened');
      await settled();
      expect(reconciled).toEqual(['42', '43']);
    });

    it('a delivery whose handling failed is handled again when GitHub redelivers it (it is not kept as seen)', async () => {
      const send = () =>
        deliver(server, {
          event: 'pull_request',
          payload: pullRequestPayload({
            slug: SLUG,
            action: 'closed',
            number: 3,
            headRef: 'gitops/promotion-52',
            headSha: SHA,
            merged: true,
          }),
          secret: SECRET,
          delivery: '0b2c2a7e-0000-11f1-8000-000000000052',
        });
      failReconciles = 1;
      expect((await send()).status).toBe(202);
      await settled();
      expect(reconciled).toEqual(['52']);
      expect((await send()).status).toBe(202);
      await settled();
      expect(reconciled).toEqual(['52', '52']);
      // Handled now: a third copy is dropped.
      expect((await send()).status).toBe(202);
      await settled();
      expect(reconciled).toEqual(['52', '52']);
    });

    it('CI results (check run, check suite, status) refresh the change sets of that commit', async () => {
      const repository = pushPayload('acme/cart', 'main', SHA).repository;
      await deliver(server, {
        event: 'check_run',
        payload: {
          action: 'completed',
          check_run: { head_sha: SHA },
          repository,
        },
        secret: SECRET,
      });
      await deliver(server, {
        event: 'check_suite',
        payload: {
          action: 'completed',
          check_suite: { head_sha: SHA },
          repository,
        },
        secret: SECRET,
      });
      await deliver(server, {
        event: 'status',
        payload: { sha: SHA, state: 'success', repository },
        secret: SECRET,
      });
      // The same repository name on a GitHub Enterprise Server host is
      // another source repository.
      await deliver(server, {
        event: 'status',
        payload: {
          sha: SHA,
          state: 'success',
          repository: {
            ...repository,
            html_url: 'https://ghe.example.com/acme/cart',
          },
        },
        secret: SECRET,
      });
      await settled();
      expect(refreshed).toEqual([
        `github:acme/cart@${SHA}`,
        `github:acme/cart@${SHA}`,
        `github:acme/cart@${SHA}`,
        `github:ghe.example.com/acme/cart@${SHA}`,
      ]);
    });

    it('two replicas receiving the same delivery handle it once (the database decides)', async () => {
      const handled: string[] = [];
      const replica = (name: string) =>
        new GithubEventSubscriber({
          events: mockServices.events(),
          deliveries: new DeliveryLog(knex, 60_000),
          logger: mockServices.logger.mock(),
          handlers: {
            'github.push': async () => {
              handled.push(name);
            },
          } as any,
        });
      const event = {
        topic: 'github.push',
        eventPayload: pushPayload(SLUG, 'main', SHA),
        metadata: { 'x-github-delivery': 'same-delivery-on-two-replicas' },
      };
      await Promise.all([
        replica('a').onEvent(event),
        replica('b').onEvent(event),
        subscriber.onEvent(event),
      ]);
      await settled();
      expect(handled.length + ingested.length).toBe(1);
    });

    it('delivery ids are kept for the retention, then pruned', async () => {
      let now = 1_000_000;
      const log = new DeliveryLog(knex, 60_000, () => now);
      expect(await log.firstSeen('d-1', 'github.push')).toBe(true);
      now += 30_000;
      expect(await log.firstSeen('d-2', 'github.push')).toBe(true);
      now += 40_000;
      expect(await log.prune()).toBe(1);
      expect(await log.firstSeen('d-1', 'github.push')).toBe(true);
      expect(await log.firstSeen('d-2', 'github.push')).toBe(false);
    });

    /** Waits until the events were handed on and the push runs finished. */
    async function settled() {
      await new Promise(r => setTimeout(r, 100));
      await pushes.idle();
    }
  },
);
