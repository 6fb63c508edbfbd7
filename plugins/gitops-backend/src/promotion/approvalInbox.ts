import type { GitopsAction } from '@gitops2/plugin-gitops-common';
import type { VisibleServices } from '../service/CatalogVisibility';
import type { ActionStore } from './store';

/** An action is visible when its entity (or else its service) is. */
export const canSeeAction = (visible: VisibleServices, a: GitopsAction) =>
  a.entityRef
    ? visible.hasEntity(a.entityRef)
    : visible.has(a.repositoryId, a.service);

/**
 * The approval inbox (GET /v1/actions, the `list-approvals` action): what
 * others asked for and still needs an approval, and open pull requests
 * waiting for a merge, on services the caller may see; newest first.
 */
export async function approvalInbox(
  actions: Pick<ActionStore, 'list'>,
  visible: VisibleServices,
  initiator: string,
): Promise<GitopsAction[]> {
  const waiting = await actions.list({
    states: ['awaiting-approval', 'pull-request-open'],
    limit: 100,
  });
  return waiting.filter(
    a =>
      canSeeAction(visible, a) &&
      (a.requestedBy !== initiator || a.state === 'pull-request-open'),
  );
}
