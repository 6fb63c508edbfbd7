import type {
  Approval,
  ApprovalRequirement,
  EnvironmentDefinition,
  GateResult,
  GitopsAction,
} from '@gitops2/plugin-gitops-common';
import { LedgerStore } from '../../database/LedgerStore';
import { GateRegistry } from '../gates/GateRegistry';
import type { WriteStep } from '../gates/types';
import { approvalRequirementsOf } from '../planning/approvalRequirements';
import type { WritablePipeline } from '../planning/WritablePipeline';
import type { HoldStore } from '../store/HoldStore';
import type { Caller, Plan } from '../types';
import { approvalResults } from './approvals';

/** What the gates judge: a plan, or a recorded action re-read at a write. */
export interface GuardSubject {
  kind: Plan['kind'];
  gateKind: Plan['gateKind'];
  emergency: boolean;
  repositoryId: string;
  service: string;
  version: string;
  sourceEnvironment?: string;
  targets: EnvironmentDefinition[];
  approvalRequirements: ApprovalRequirement[];
  approvals: Approval[];
  requestedBy: string;
  actionId?: string;
  ranBeforeUntil?: string;
}

/** The verdict: blocking failures, approvals still pending, every result. */
export interface Verdict {
  results: GateResult[];
  denied: GateResult[];
  failed: GateResult[];
  pending: GateResult[];
}

export const describeResults = (results: GateResult[]) =>
  results
    .map(
      g =>
        `${g.gate}${g.environment ? ` (${g.environment})` : ''}: ${g.message}`,
    )
    .join('; ');

/**
 * Evaluates every gate and the approvals, at every step of a write (request,
 * approval, branch, direct write, merge), from what is true now: the
 * pipeline file at the head being written on, the holds, the ledger, the
 * clock and the caller's permissions. Nothing decided at request time is
 * trusted at write time.
 */
export class WriteGuard {
  constructor(
    private readonly options: {
      gates: GateRegistry;
      holds: HoldStore;
      ledger: LedgerStore;
      sourceSince: (
        repositoryId: string,
        service: string,
        environment: string,
        version: string,
      ) => Promise<string | undefined>;
    },
  ) {}

  forPlan(plan: Plan, caller: Caller): GuardSubject {
    return {
      ...plan,
      approvals: [],
      requestedBy: caller.initiator,
    };
  }

  /**
   * A recorded action as the current pipeline defines it: its targets'
   * policies, approval requirements and rollback history re-read now.
   * Throws (ConflictError) when the pipeline is broken for any of them.
   */
  async forAction(
    action: GitopsAction,
    pipeline: WritablePipeline,
  ): Promise<GuardSubject> {
    const targets = action.environments.map(e => pipeline.environment(e));
    if (action.sourceEnvironment)
      pipeline.environment(action.sourceEnvironment);
    let ranBeforeUntil: string | undefined;
    if (action.kind === 'rollback') {
      ranBeforeUntil = (
        await this.options.ledger.versionsRanIn(
          action.repositoryId,
          action.service,
          action.environments[0],
        )
      ).find(v => v.version === action.version)?.lastSetAt;
    }
    const gateKind =
      action.kind === 'rollback' && ranBeforeUntil ? 'rollback' : 'promotion';
    return {
      kind: action.kind,
      gateKind,
      emergency: action.emergency === true,
      repositoryId: action.repositoryId,
      service: action.service,
      version: action.version,
      sourceEnvironment: action.sourceEnvironment,
      targets,
      approvalRequirements: action.emergency
        ? []
        : approvalRequirementsOf(targets, gateKind),
      approvals: action.approvals,
      requestedBy: action.requestedBy,
      actionId: action.id,
      ranBeforeUntil,
    };
  }

  async evaluate(
    subject: GuardSubject,
    caller: Caller,
    step: WriteStep,
    now = new Date(),
  ): Promise<Verdict> {
    const holds = await this.options.holds.active(
      subject.repositoryId,
      subject.service,
    );
    const sourceSince = subject.sourceEnvironment
      ? await this.options.sourceSince(
          subject.repositoryId,
          subject.service,
          subject.sourceEnvironment,
          subject.version,
        )
      : undefined;
    const results = await this.options.gates.evaluate({
      kind: subject.kind,
      gateKind: subject.gateKind,
      emergency: subject.emergency,
      step,
      repositoryId: subject.repositoryId,
      service: subject.service,
      version: subject.version,
      sourceEnvironment: subject.sourceEnvironment,
      targets: subject.targets,
      credentials: caller.credentials,
      initiator: caller.initiator,
      door: caller.door,
      actionId: subject.actionId,
      holds,
      sourceSince,
      ranBeforeUntil: subject.ranBeforeUntil,
      now,
    });
    results.push(
      ...approvalResults(
        subject.approvalRequirements,
        subject.approvals,
        subject.requestedBy,
      ),
    );
    return {
      results,
      denied: results.filter(
        g => g.gate === 'permission' && g.status === 'failed',
      ),
      failed: results.filter(g => g.status === 'failed'),
      pending: results.filter(g => g.status === 'pending'),
    };
  }
}
