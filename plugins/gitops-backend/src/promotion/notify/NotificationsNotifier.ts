import type { LoggerService } from '@backstage/backend-plugin-api';
import type { NotificationService } from '@backstage/plugin-notifications-node';
import type { GitopsAction } from '@gitops2/plugin-gitops-common';
import type { ActionNotifier } from '../engine';

/**
 * Notifies through Backstage's notifications service (and so through its
 * processors: e-mail, Slack … as the portal configures them): the owners
 * of the service's entity and the environment's approver groups. One
 * notification per action (`scope`), updated in place if sent again.
 */
export class NotificationsNotifier implements ActionNotifier {
  constructor(
    private readonly notifications: NotificationService,
    private readonly logger: LoggerService,
    private readonly portalUrl?: string,
  ) {}

  async emergencyRollback(
    action: GitopsAction,
    context: { approverGroups: string[] },
  ): Promise<void> {
    const entityRef = [action.entityRef, ...context.approverGroups].filter(
      (r): r is string => Boolean(r),
    );
    if (entityRef.length === 0) {
      this.logger.warn(
        `emergency rollback #${action.id}: no entity or approver group to notify`,
      );
      return;
    }
    await this.notifications.send({
      recipients: { type: 'entity', entityRef },
      payload: {
        title: `Emergency rollback of ${
          action.service
        } in ${action.environments.join(', ')} to ${action.version}`,
        description: `${
          action.requestedBy
        } rolled back directly, without a pull request: ${
          action.reason ?? 'no reason given'
        }`,
        severity: 'high',
        topic: 'gitops-emergency-rollback',
        scope: `gitops-action-${action.id}`,
        ...(this.portalUrl && action.entityRef
          ? { link: this.entityLink(action.entityRef) }
          : {}),
      },
    });
  }

  async verificationFailed(
    action: GitopsAction,
    context: {
      environment: string;
      step: string;
      message: string;
      outcome: string;
    },
  ): Promise<void> {
    const entityRef = [action.entityRef, action.requestedBy].filter(
      (r): r is string => Boolean(r) && /^(user|group|component):/.test(r!),
    );
    if (entityRef.length === 0) return;
    await this.notifications.send({
      recipients: { type: 'entity', entityRef },
      payload: {
        title: `${action.service} ${action.version} failed verification in ${context.environment}`,
        description: `${context.step}: ${context.message}. ${context.outcome}.`,
        severity: 'high',
        topic: 'gitops-verification',
        scope: `gitops-action-${action.id}-verification`,
        ...(this.portalUrl && action.entityRef
          ? { link: this.entityLink(action.entityRef) }
          : {}),
      },
    });
  }

  private entityLink(entityRef: string): string {
    const [kind, rest] = entityRef.split(':');
    const [namespace, name] = rest.split('/');
    return `${this.portalUrl}/catalog/${namespace}/${kind}/${name}/gitops`;
  }
}
