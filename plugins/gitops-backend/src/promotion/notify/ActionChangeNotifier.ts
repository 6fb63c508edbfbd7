import type { LoggerService } from '@backstage/backend-plugin-api';
import type {
  NotificationService,
  NotificationSendOptions,
} from '@backstage/plugin-notifications-node';
import type { GitopsAction } from '@gitops2/plugin-gitops-common';
import type { ActionChange } from '../store/ActionStore';
import { AUTO_ROLLBACK_INITIATOR } from '../types';
import { actionLink, isUserRef, severityOf } from './notificationParts';

/** The topics people can mute in Backstage's notification settings. */
export const NOTIFICATION_TOPICS = {
  approval: 'gitops-approval',
  requester: 'gitops-action',
  rollback: 'gitops-rollback',
  degraded: 'gitops-degraded',
} as const;

/**
 * Tells people about the actions that concern them, from each change the
 * action store reports:
 * - the approver groups, when an action waits for their approval;
 * - the requester, when it is approved, merged, failed or cancelled;
 * - the service's owners (its entity), when a rollback is requested,
 *   automatic or not.
 * One notification per action and recipient (`scope`), updated in place;
 * high severity when a production environment is concerned.
 */
export class ActionChangeNotifier {
  constructor(
    private readonly options: {
      notifications: NotificationService;
      getAction: (id: string) => Promise<GitopsAction | undefined>;
      /** The environments of a repository's last pipeline stage. */
      productionEnvironments: (repositoryId: string) => Promise<string[]>;
      logger: LoggerService;
      portalUrl?: string;
    },
  ) {}

  /** Handles one change; failures are logged, never thrown. */
  async notify(change: ActionChange): Promise<void> {
    try {
      const action = await this.options.getAction(change.actionId);
      // Emergency rollbacks have their own notification (NotificationsNotifier),
      // under the same scope: nothing here may overwrite it.
      if (!action || action.emergency) return;
      for (const message of await this.messagesFor(action, change)) {
        await this.options.notifications.send(message);
      }
    } catch (e) {
      this.options.logger.warn(
        `notifying about action #${change.actionId} failed: ${
          e instanceof Error ? e.message : String(e)
        }`,
      );
    }
  }

  private async messagesFor(
    action: GitopsAction,
    change: ActionChange,
  ): Promise<NotificationSendOptions[]> {
    const production = await this.options.productionEnvironments(
      action.repositoryId,
    );
    const severity = severityOf(action.environments, production);
    const what = `${action.service} ${
      action.version
    } to ${action.environments.join(', ')}`;
    const kind = action.kind === 'rollback' ? 'Rollback' : 'Promotion';
    const link = actionLink(this.options.portalUrl, action);
    const base = {
      scope: `gitops-action-${action.id}`,
      severity,
      ...(link ? { link } : {}),
    };
    const out: NotificationSendOptions[] = [];
    const toRequester = (title: string, description: string) => {
      if (!isUserRef(action.requestedBy)) return;
      out.push({
        recipients: { type: 'entity', entityRef: action.requestedBy },
        payload: {
          ...base,
          title,
          description,
          topic: NOTIFICATION_TOPICS.requester,
        },
      });
    };

    if ('approvedBy' in change) {
      toRequester(
        `${kind} #${action.id} approved: ${what}`,
        `${change.approvedBy} approved it (${action.approvals.length} of ${action.requiredApprovals}).`,
      );
      return out;
    }
    const state = change.state;
    const waits =
      state === 'awaiting-approval' ||
      (state === 'pull-request-open' &&
        action.approvals.length < action.requiredApprovals);
    if (waits) {
      const groups = [
        ...new Set(
          (action.approvalRequirements ?? [])
            .map(r => r.group)
            .filter((g): g is string => Boolean(g)),
        ),
      ];
      if (groups.length) {
        out.push({
          recipients: { type: 'entity', entityRef: groups },
          payload: {
            ...base,
            title: `${kind} #${action.id} waits for your approval: ${what}`,
            description: `Requested by ${action.requestedBy}${
              action.reason ? `: ${action.reason}` : ''
            }.`,
            topic: NOTIFICATION_TOPICS.approval,
          },
        });
      }
    }
    if (state === 'merged')
      toRequester(
        `${kind} #${action.id} merged: ${what}`,
        'The change is on the branch the clusters follow.',
      );
    if (state === 'failed')
      toRequester(
        `${kind} #${action.id} failed: ${what}`,
        action.error ?? 'See the action for details.',
      );
    if (state === 'cancelled')
      toRequester(
        `${kind} #${action.id} cancelled: ${what}`,
        action.error ?? 'The action was cancelled.',
      );
    const requested =
      state === 'awaiting-approval' ||
      state === 'requested' ||
      (state === 'pull-request-open' && !waits);
    if (action.kind === 'rollback' && requested && action.entityRef) {
      const automatic = action.requestedBy === AUTO_ROLLBACK_INITIATOR;
      out.push({
        recipients: { type: 'entity', entityRef: action.entityRef },
        payload: {
          ...base,
          title: `${automatic ? 'Automatic rollback' : 'Rollback'} of ${what}`,
          description: automatic
            ? action.reason ?? 'A deployment step failed after the rollout.'
            : `Requested by ${action.requestedBy}${
                action.reason ? `: ${action.reason}` : ''
              }.`,
          severity: automatic ? 'high' : severity,
          topic: NOTIFICATION_TOPICS.rollback,
        },
      });
    }
    return out;
  }
}
