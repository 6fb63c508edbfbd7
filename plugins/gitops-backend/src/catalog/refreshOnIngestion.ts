import type { EventsService } from '@backstage/plugin-events-node';

/**
 * Published by the gitops plugin after an ingestion run that read new
 * commits of a repository (payload `{ repositoryId, head }`): the catalog
 * module refreshes the environment entities at once instead of waiting for
 * its schedule (an environment merged from the portal is in the catalog
 * seconds later).
 */
export const GITOPS_INGESTED_TOPIC = 'gitops.ingested';

/**
 * Subscribes `refresh` to GITOPS_INGESTED_TOPIC, coalesced: events that
 * arrive while a refresh runs lead to one more refresh after it, never to
 * refreshes running side by side. A failed refresh is the provider's to log.
 */
export async function refreshOnIngestion(
  events: EventsService,
  refresh: () => Promise<void>,
): Promise<{ idle(): Promise<void> }> {
  let running: Promise<void> | undefined;
  let again = false;
  const run = (): Promise<void> => {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      do {
        again = false;
        await refresh().catch(() => undefined);
      } while (again);
    })().finally(() => {
      running = undefined;
    });
    return running;
  };
  await events.subscribe({
    id: 'gitops-environments',
    topics: [GITOPS_INGESTED_TOPIC],
    onEvent: async () => {
      await run();
    },
  });
  return { idle: async () => running };
}
