import type {
  Approval,
  ApprovalRequirement,
  GateResult,
} from '@gitops2/plugin-gitops-common';

/** Entity refs compare case-insensitively. */
export const sameActor = (a: string, b: string) =>
  a.toLocaleLowerCase('en-US') === b.toLocaleLowerCase('en-US');

/**
 * The `approvals` gate: per target environment, enough distinct approvers
 * other than the requester, each checked (when approving) against that
 * environment's approver group. Pending until then.
 */
export function approvalResults(
  requirements: ApprovalRequirement[],
  approvals: Approval[],
  requester: string,
): GateResult[] {
  return requirements.map(req => {
    const seen = new Set<string>();
    const valid = approvals.filter(a => {
      const who = a.approver.toLocaleLowerCase('en-US');
      if (seen.has(who) || sameActor(a.approver, requester)) return false;
      const inGroup =
        !req.group ||
        (a.groups ?? []).some(
          g =>
            g.toLocaleLowerCase('en-US') ===
            req.group!.toLocaleLowerCase('en-US'),
        );
      if (inGroup) seen.add(who);
      return inGroup;
    });
    const enough = valid.length >= req.approvals;
    const group = req.group ? ` in ${req.group}` : '';
    return {
      gate: 'approvals',
      environment: req.environment,
      status: enough ? 'passed' : 'pending',
      message: enough
        ? `approved by ${valid.map(a => a.approver).join(', ')}`
        : `needs ${req.approvals} approval(s) by someone other than the requester${group} (${valid.length} given)`,
    };
  });
}

/** Lower-cased groups an approver must belong to: every target's group. */
export function approverGroupsOf(
  requirements: ApprovalRequirement[],
): string[] {
  return [
    ...new Set(
      requirements
        .map(r => r.group?.toLocaleLowerCase('en-US'))
        .filter((g): g is string => Boolean(g)),
    ),
  ];
}
