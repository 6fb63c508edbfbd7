/*
 * Two replicas behind an events bus that hands each event to one
 * subscriber per subscriber id (as `events.useEventBus` does): the event
 * may land on a replica that does not watch the cluster, yet the one that
 * watches re-checks it, and an events-only status is recorded once.
 */
import { mockServices } from '@backstage/backend-test-utils';
import type {
  EventParams,
  EventsService,
  EventsServiceSubscribeOptions,
} from '@backstage/plugin-events-node';
import { fixture, SHOP_PIPELINE } from '../__testUtils__/cdEvents';
import type { CdEventStatusStore } from './CdEventStatusStore';
import { CdEventSubscriber } from './CdEventSubscriber';

/** One subscriber per id gets each event: the first that subscribed with it. */
class FakeEventBus {
  private readonly byId = new Map<string, EventsServiceSubscribeOptions[]>();

  service(): EventsService {
    return {
      publish: async params => this.publish(params),
      subscribe: async options => {
        const list = this.byId.get(options.id) ?? [];
        list.push(options);
        this.byId.set(options.id, list);
      },
    };
  }

  async publish(params: EventParams) {
    for (const [, subscribers] of this.byId) {
      const s = subscribers.find(x => x.topics.includes(params.topic));
      await s?.onEvent(params);
    }
  }
}

describe('CD events on two replicas', () => {
  function replica(
    name: string,
    bus: FakeEventBus,
    watching: boolean,
    log: string[],
  ) {
    const store = {
      versionAtRevision: async () => undefined,
      record: async () => {
        log.push(`${name} recorded`);
        return true;
      },
      openRollout: async () => undefined,
    } as unknown as CdEventStatusStore;
    return new CdEventSubscriber({
      events: bus.service(),
      store,
      repositories: async () => [{ id: 'shop', pipeline: SHOP_PIPELINE }],
      watchedClusters: new Set(['staging']),
      recheck: async cluster => {
        if (watching) log.push(`${name} rechecked ${cluster}`);
      },
      logger: mockServices.logger.mock(),
      replicaId: name,
    });
  }

  it('the watching replica re-checks even when the shared subscription is the other one', async () => {
    const bus = new FakeEventBus();
    const log: string[] = [];
    // The follower subscribes first: the shared id hands it every event.
    await replica('follower', bus, false, log).subscribe();
    await replica('leader', bus, true, log).subscribe();
    await bus.publish({
      topic: 'gitops.argocd',
      eventPayload: {
        ...fixture('argocd-on-deployed'),
        service: 'guestbook-ui',
        environment: 'staging',
      },
    });
    expect(log).toEqual(['leader rechecked staging']);
  });

  it('an events-only status is recorded once, by the replica the shared subscription picked', async () => {
    const bus = new FakeEventBus();
    const log: string[] = [];
    await replica('follower', bus, false, log).subscribe();
    await replica('leader', bus, true, log).subscribe();
    await bus.publish({
      topic: 'gitops.argocd',
      eventPayload: fixture('argocd-on-deployed'),
    });
    expect(log).toEqual(['follower recorded']);
  });
});
