import type { NotificationSendOptions } from '@backstage/plugin-notifications-node';
import type { GitopsAction } from '@gitops2/plugin-gitops-common';

type NotificationSeverity = NonNullable<
  NotificationSendOptions['payload']['severity']
>;

/** High when a production environment (the pipeline's last stage) is concerned. */
export function severityOf(
  environments: string[],
  production: string[],
): NotificationSeverity {
  return environments.some(e => production.includes(e)) ? 'high' : 'normal';
}

/** Users only: the requester may be a policy (`policy:auto-rollback`). */
export function isUserRef(ref: string | undefined): ref is string {
  return Boolean(ref && /^user:[^/\s]+\/[^/\s]+$/.test(ref));
}

/** The service's GitOps tab, opened on the action. */
export function actionLink(
  portalUrl: string | undefined,
  action: Pick<GitopsAction, 'id' | 'entityRef'>,
): string | undefined {
  if (!portalUrl || !action.entityRef) return undefined;
  return `${entityTabLink(
    portalUrl,
    action.entityRef,
  )}?action=${encodeURIComponent(action.id)}`;
}

/** The GitOps tab of an entity. */
export function entityTabLink(portalUrl: string, entityRef: string): string {
  const [kind, rest] = entityRef.split(':');
  const [namespace, name] = rest.split('/');
  return `${portalUrl}/catalog/${namespace}/${kind}/${name}/gitops`;
}
