import type { GitopsAction } from '@gitops2/plugin-gitops-common';

/**
 * Who requests the rollbacks of a failed verification
 * (`onFailedVerification: rollback`), as the backend records them.
 */
export const AUTO_ROLLBACK_INITIATOR = 'policy:auto-rollback';

/** A rollback the verification policy requested, not a person. */
export function isAutomaticRollback(action: GitopsAction): boolean {
  return (
    action.kind === 'rollback' && action.requestedBy === AUTO_ROLLBACK_INITIATOR
  );
}

/**
 * The automatic rollbacks that undo `action`. The backend names the failed
 * action in the rollback's reason ("automatic rollback: the verification of
 * 1.4.3 (action #31) failed"); no other field links them.
 */
export function automaticRollbacksOf(
  action: GitopsAction,
  actions: GitopsAction[] | undefined,
): GitopsAction[] {
  if (!actions || action.kind === 'rollback') return [];
  const marker = `(action #${action.id})`;
  return actions.filter(
    a => isAutomaticRollback(a) && (a.reason ?? '').includes(marker),
  );
}
