import type {
  ApprovalRequirement,
  EnvironmentDefinition,
} from '@gitops2/plugin-gitops-common';

/** What each target's policy asks of approvers (none for a plain rollback). */
export function approvalRequirementsOf(
  targets: EnvironmentDefinition[],
  gateKind: 'promotion' | 'rollback',
): ApprovalRequirement[] {
  if (gateKind === 'rollback') return [];
  return targets
    .map(t => ({
      environment: t.name,
      approvals: t.promotion?.approvals ?? 0,
      ...(t.promotion?.approverGroup
        ? { group: t.promotion.approverGroup }
        : {}),
    }))
    .filter(r => r.approvals > 0);
}

/** Pull request when any target asks for one (the default), else direct. */
export function writeModeOf(
  targets: EnvironmentDefinition[],
): 'pull-request' | 'direct' {
  return targets.some(t => (t.promotion?.mode ?? 'pull-request') !== 'direct')
    ? 'pull-request'
    : 'direct';
}
