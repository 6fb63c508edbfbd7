import type { LoggerService } from '@backstage/backend-plugin-api';
import type { EventParams, EventsService } from '@backstage/plugin-events-node';
import type { DeliveryLog } from './DeliveryLog';
import { MAX_DELIVERY_ID_LENGTH } from './DeliveryLog';

/** The topics the GitHub module publishes that the plugin acts on. */
export const GITHUB_TOPICS = [
  'github.push',
  'github.pull_request',
  'github.check_run',
  'github.check_suite',
  'github.status',
] as const;

export type GithubTopic = (typeof GITHUB_TOPICS)[number];

export type GithubEventHandler = (
  payload: unknown,
  topic: GithubTopic,
) => Promise<void>;

/**
 * Receives the GitHub webhooks the events backend accepted (its GitHub
 * module checked the signature) and hands each delivery, once across
 * replicas, to the handler of its topic. A handler's failure is logged and
 * the delivery forgotten (a redelivery is handled); the scheduled ingestion
 * and reconciliation remain the fallback.
 */
export class GithubEventSubscriber {
  constructor(
    private readonly options: {
      events: EventsService;
      deliveries: DeliveryLog;
      handlers: Record<GithubTopic, GithubEventHandler>;
      logger: LoggerService;
    },
  ) {}

  async subscribe(): Promise<void> {
    await this.options.events.subscribe({
      id: 'gitops-github-webhooks',
      topics: [...GITHUB_TOPICS],
      onEvent: params => this.onEvent(params),
    });
  }

  async onEvent(params: EventParams): Promise<void> {
    const { logger, deliveries, handlers } = this.options;
    const topic = params.topic as GithubTopic;
    const handler = handlers[topic];
    if (!handler) return;
    const delivery = headerOf(params.metadata, 'x-github-delivery');
    if (!delivery || delivery.length > MAX_DELIVERY_ID_LENGTH) {
      logger.warn(`${topic} event without a valid X-GitHub-Delivery, ignored`);
      return;
    }
    if (!(await deliveries.firstSeen(delivery, topic))) {
      logger.debug(`${topic} delivery ${delivery} was handled before, ignored`);
      return;
    }
    try {
      await handler(params.eventPayload, topic);
      // One line per delivery handled, on the replica that handled it (the
      // two-replica test counts them).
      logger.info(`${topic} delivery ${delivery} handled`);
    } catch (e) {
      // Not handled: a redelivery (GitHub's, or a copy on another replica)
      // is handled again rather than dropped as seen.
      await deliveries.forget(delivery).catch(() => undefined);
      logger.warn(
        `${topic} delivery ${delivery} failed (a redelivery is handled again): ${
          e instanceof Error ? e.message : String(e)
        }`,
      );
    }
  }
}

function headerOf(
  metadata: EventParams['metadata'],
  name: string,
): string | undefined {
  const value = metadata?.[name];
  return Array.isArray(value) ? value[0] : value;
}
