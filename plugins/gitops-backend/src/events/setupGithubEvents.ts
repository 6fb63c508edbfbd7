import type {
  LoggerService,
  SchedulerService,
} from '@backstage/backend-plugin-api';
import type { EventsService } from '@backstage/plugin-events-node';
import type { Knex } from 'knex';
import type { RepositoryConfig } from '../config';
import type { PushedCommits } from '../git/PushedRevisions';
import { CoalescingTrigger } from './CoalescingTrigger';
import { DeliveryLog } from './DeliveryLog';
import { GithubEventSubscriber } from './GithubEventSubscriber';
import { GithubRepositoryIndex } from './githubRepositories';
import { createCiResultHandler } from './handleCiResult';
import { createPullRequestHandler } from './handlePullRequest';
import { createPushHandler } from './handlePush';

/** GitHub redelivers for 3 days; a delivery id is kept a little longer. */
export const DELIVERY_RETENTION_MS = 4 * 24 * 60 * 60_000;
/** Pushes to one repository closer than this make one ingestion run … */
export const PUSH_QUIET_MS = 300;
/** … started at the latest this long after the first push of a burst. */
export const PUSH_MAX_WAIT_MS = 2_000;

/**
 * GitHub webhooks in (docs/configuration.md#webhooks): the events backend's
 * GitHub module checks the signature and publishes `github.<event>`; this
 * subscribes to the topics the plugin acts on.
 */
export async function setupGithubEvents(options: {
  events: EventsService;
  db: Knex;
  scheduler?: SchedulerService;
  repositories: RepositoryConfig[];
  ingest: (repositoryId: string) => Promise<unknown>;
  reconcileAction: (actionId: string) => Promise<unknown>;
  refreshCommit: (sourceRepository: string, sha: string) => Promise<number>;
  /** A `push` to a source repository (Correlator.sourcePushed). */
  sourcePushed?: (sourceRepository: string, push: PushedCommits) => number;
  logger: LoggerService;
  /** For tests. */
  timing?: { quietMs: number; maxWaitMs: number };
}): Promise<{ subscriber: GithubEventSubscriber; pushes: CoalescingTrigger }> {
  const { logger } = options;
  const repositories = new GithubRepositoryIndex(options.repositories);
  const deliveries = new DeliveryLog(options.db, DELIVERY_RETENTION_MS);
  const pushes = new CoalescingTrigger(
    id => {
      logger.info(`push: ingesting repository ${id}`);
      return options.ingest(id);
    },
    {
      quietMs: options.timing?.quietMs ?? PUSH_QUIET_MS,
      maxWaitMs: options.timing?.maxWaitMs ?? PUSH_MAX_WAIT_MS,
      logger,
    },
  );
  const onPush = createPushHandler({
    repositories,
    ingest: id => pushes.trigger(id),
    sourcePushed: options.sourcePushed,
    logger,
  });
  const onPullRequest = createPullRequestHandler({
    repositories,
    reconcile: options.reconcileAction,
    logger,
  });
  const onCi = createCiResultHandler({
    refresh: options.refreshCommit,
    logger,
  });
  const subscriber = new GithubEventSubscriber({
    events: options.events,
    deliveries,
    logger,
    handlers: {
      'github.push': onPush,
      'github.pull_request': onPullRequest,
      'github.check_run': onCi,
      'github.check_suite': onCi,
      'github.status': onCi,
    },
  });
  await subscriber.subscribe();
  await options.scheduler?.scheduleTask({
    id: 'gitops-webhook-deliveries-prune',
    frequency: { hours: 6 },
    timeout: { minutes: 5 },
    initialDelay: { minutes: 1 },
    scope: 'global',
    fn: async () => {
      await deliveries.prune();
    },
  });
  return { subscriber, pushes };
}
