import type { LoggerService } from '@backstage/backend-plugin-api';
import type { GitopsAction } from '@gitops2/plugin-gitops-common';
import type { WriteAudit } from './audit/WriteAudit';
import type { WriteGuard } from './checks/WriteGuard';
import type { ActionPlanner } from './planning/ActionPlanner';
import type { ActionLeases } from './store/ActionLeases';
import type { ActionStore } from './store/ActionStore';
import type { EnvironmentLocks } from './store/EnvironmentLocks';
import type { HoldStore } from './store/HoldStore';
import type { StepRunStore } from '../steps/engine/StepRunStore';
import type { MergeIntent } from '../git/mergeIntent';

/** Tells people about what they must know now (emergency rollbacks …). */
export interface ActionNotifier {
  /** A deployment step failed after a write (and what the policy did). */
  verificationFailed(
    action: GitopsAction,
    context: {
      environment: string;
      step: string;
      message: string;
      outcome: string;
    },
  ): Promise<void>;
  /** An emergency rollback was recorded: tell the service's owners and the environment's approvers. */
  emergencyRollback(
    action: GitopsAction,
    context: { approverGroups: string[] },
  ): Promise<void>;
}

/** What the parts of the write path share (built once in PromotionService). */
export interface PromotionEngine {
  planner: ActionPlanner;
  guard: WriteGuard;
  actions: ActionStore;
  leases: ActionLeases;
  locks: EnvironmentLocks;
  holds: HoldStore;
  audit: WriteAudit;
  logger: LoggerService;
  /** This replica, as lease owner. */
  owner: string;
  leaseTtlMs: number;
  /** Records a commit the portal wrote (its trailers are trusted by ingestion). */
  recordPortalCommit?(
    repositoryId: string,
    sha: string,
    actionId: string,
  ): Promise<void>;
  /**
   * Records a merge about to be asked of a Git host that makes the merge
   * commit itself (GitHub), before it is asked: ingestion trusts the merge
   * commit that matches it even if recording its sha fails afterwards.
   */
  recordPortalMergeIntent?(
    repositoryId: string,
    intent: MergeIntent,
    actionId: string,
  ): Promise<void>;
  /** The action the portal wrote a commit for (undefined: not the portal's). */
  portalCommitActionOf?(
    repositoryId: string,
    sha: string,
  ): Promise<string | null | undefined>;
  /** The commits the portal wrote for an action (each attempt). */
  portalCommitsOfAction?(
    repositoryId: string,
    actionId: string,
  ): Promise<string[]>;
  /** Which of `commits` are the portal's (recorded, or its exact merges). */
  portalCommitsOf?(
    repositoryId: string,
    commits: Array<{
      sha: string;
      parents: string[];
      message: string;
      treeSha?: string;
    }>,
  ): Promise<Set<string>>;
  /** Whether the portal asked the Git host to merge for an action. */
  portalMergeAskedFor?(
    repositoryId: string,
    actionId: string,
  ): Promise<boolean>;
  /** Called after a write landed on the branch clusters follow. */
  afterMerge?(repositoryId: string): Promise<void>;
  notifier?: ActionNotifier;
  /** Deployment steps of actions (before / after phases). */
  steps?: StepRunStore;
  /** Steps were planned: start them now rather than at the next tick. */
  stepsPlanned?(): void;
}
