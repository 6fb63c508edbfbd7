import type { LoggerService } from '@backstage/backend-plugin-api';
import type { NotificationService } from '@backstage/plugin-notifications-node';
import type { LiveChange } from '../../cluster/ClusterObserver';
import { NOTIFICATION_TOPICS } from './ActionChangeNotifier';
import { entityTabLink } from './notificationParts';

/**
 * Tells a service's owners (its catalog entity) when a rollout turns out
 * degraded in production (an environment of the pipeline's last stage):
 * one high-severity notification per rollout.
 */
export class DegradedRolloutNotifier {
  constructor(
    private readonly options: {
      notifications: NotificationService;
      productionEnvironments: (repositoryId: string) => Promise<string[]>;
      /** The catalog entity of a service, as the correlation knows it. */
      entityOf: (
        repositoryId: string,
        service: string,
      ) => Promise<string | undefined>;
      logger: LoggerService;
      portalUrl?: string;
    },
  ) {}

  async notify(change: LiveChange): Promise<void> {
    if (change.kind !== 'outcome' || change.outcome !== 'degraded') return;
    try {
      const production = await this.options.productionEnvironments(
        change.repositoryId,
      );
      if (!production.includes(change.environment)) return;
      const entityRef = await this.options.entityOf(
        change.repositoryId,
        change.service,
      );
      if (!entityRef) {
        this.options.logger.debug(
          `degraded rollout ${change.rolloutId}: no catalog entity for ${change.service}, nobody notified`,
        );
        return;
      }
      await this.options.notifications.send({
        recipients: { type: 'entity', entityRef },
        payload: {
          title: `${change.service} ${change.toVersion} is degraded in ${change.environment}`,
          description:
            'The cluster reports the new version degraded after the rollout. Consider a rollback.',
          severity: 'high',
          topic: NOTIFICATION_TOPICS.degraded,
          scope: `gitops-rollout-${change.rolloutId}`,
          ...(this.options.portalUrl
            ? { link: entityTabLink(this.options.portalUrl, entityRef) }
            : {}),
        },
      });
    } catch (e) {
      this.options.logger.warn(
        `notifying about degraded rollout ${change.rolloutId} failed: ${
          e instanceof Error ? e.message : String(e)
        }`,
      );
    }
  }
}
