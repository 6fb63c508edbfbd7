/*
 * Wiring of Argo CD and Flux events for plugin.ts (docs/cd-events.md): the
 * ingresses are registered by gitopsCdEventsModule (a module of the events
 * plugin); this subscribes the gitops plugin to their topics.
 */
import type { LoggerService } from '@backstage/backend-plugin-api';
import type { EventsService } from '@backstage/plugin-events-node';
import type {
  ClusterObserver,
  LiveChange,
} from '../../cluster/ClusterObserver';
import type { LiveStore } from '../../cluster/LiveStore';
import type { CdEventStatusStore } from './CdEventStatusStore';
import { CdEventSubscriber } from './CdEventSubscriber';

export async function setupCdEvents(options: {
  events: EventsService;
  store: CdEventStatusStore;
  liveStore: Pick<LiveStore, 'repositories'>;
  watchedClusters: string[];
  observer?: Pick<ClusterObserver, 'recheck'>;
  onChange?: (change: LiveChange) => void;
  logger: LoggerService;
}): Promise<CdEventSubscriber> {
  const { logger, store } = options;
  const subscriber = new CdEventSubscriber({
    events: options.events,
    store,
    repositories: () => options.liveStore.repositories(),
    watchedClusters: new Set(options.watchedClusters),
    recheck: async cluster => {
      const done = await options.observer?.recheck(cluster);
      if (!done) {
        logger.debug(
          `cluster ${cluster} is not watched by this replica: the one that watches it re-checks`,
        );
      }
    },
    onChange: options.onChange,
    logger,
  });
  await subscriber.subscribe();
  return subscriber;
}
