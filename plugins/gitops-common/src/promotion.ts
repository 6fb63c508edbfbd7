import { z } from 'zod';
import { nameSchema } from './api';

/**
 * Promotion and rollback through Git: requests, their lifecycle, gates,
 * approvals and holds. Executed by the backend as commits (direct) or as
 * pull requests on the GitOps repository; never as cluster edits.
 */

/** @public */
export type ActionKind = 'promotion' | 'rollback';

/**
 * Lifecycle of a promotion or rollback.
 * requested → awaiting-approval → pull-request-open → merged → syncing →
 * succeeded | failed, or cancelled / refused.
 * @public
 */
export type ActionState =
  | 'requested'
  | 'awaiting-approval'
  | 'pull-request-open'
  | 'merged'
  | 'syncing'
  | 'succeeded'
  | 'failed'
  | 'cancelled'
  | 'refused';

/** @public */
export type GateStatus = 'passed' | 'failed' | 'pending' | 'skipped';

/** The verdict of one gate on one request. @public */
export interface GateResult {
  /** e.g. `permission`, `hold`, `approvals`, `freeze-window`, `soak-time`. */
  gate: string;
  status: GateStatus;
  message: string;
  environment?: string;
}

/** One manifest change a promotion or rollback writes. @public */
export interface ManifestChange {
  environment: string;
  file: string;
  fromVersion: string | null;
  toVersion: string;
  /** Unified diff of the file (only the version line changes). */
  diff: string;
}

/** What one target environment asks of approvers. @public */
export interface ApprovalRequirement {
  environment: string;
  approvals: number;
  /** Approvers must belong to this group (entity ref). */
  group?: string;
}

/** @public */
export interface Approval {
  approver: string;
  comment?: string;
  at: string;
  /** The approver groups the approver was found to belong to. */
  groups?: string[];
}

/** A hold: an environment must not receive a version again until lifted. @public */
export interface Hold {
  id: string;
  repositoryId: string;
  service: string;
  environment: string;
  /** The version that was rolled back; promotions of it are refused. */
  version: string;
  reason: string;
  createdBy: string;
  createdAt: string;
  liftedBy?: string;
  liftedAt?: string;
}

/** A promotion or rollback record. @public */
export interface GitopsAction {
  id: string;
  kind: ActionKind;
  state: ActionState;
  repositoryId: string;
  service: string;
  sourceEnvironment?: string;
  environments: string[];
  version: string;
  mode: 'pull-request' | 'direct';
  requestedBy: string;
  reason?: string;
  createdAt: string;
  updatedAt: string;
  changes: ManifestChange[];
  gates: GateResult[];
  approvals: Approval[];
  /** The most approvals any target environment asks for. */
  requiredApprovals: number;
  /**
   * What each target environment asks of approvers (the pipeline file at
   * request time; checked again when the change is written).
   */
  approvalRequirements?: ApprovalRequirement[];
  /** A rollback written straight to the branch (`gitops.rollback.emergency`). */
  emergency?: boolean;
  /** Catalog entity of the service. */
  entityRef?: string;
  /** Branch of the pull request (local demo: a branch merged from the portal). */
  branch?: string;
  pullRequestUrl?: string;
  commitSha?: string;
  error?: string;
}

/** A version string that is safe to write into YAML: one token, one line. @public */
export const versionSchema = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._+@:/-]{0,127}$/,
    'must be one token of letters, digits, ".", "_", "+", "@", ":" or "-" (no spaces, newlines or YAML syntax)',
  );

/** Body of POST …/promotions and …/promotions/preview. @public */
export const promotionRequestSchema = z
  .object({
    /** Defaults to the environments of the stage after `sourceEnvironment`. */
    environments: z.array(nameSchema).min(1).max(20).optional(),
    /** Where the version comes from. */
    sourceEnvironment: nameSchema.optional(),
    /** An explicit version instead of the source environment's. */
    version: versionSchema.optional(),
    reason: z.string().max(1000).optional(),
  })
  .strict()
  .refine(r => r.sourceEnvironment || r.version, {
    message: 'give sourceEnvironment or version',
  })
  .refine(r => r.sourceEnvironment || r.environments, {
    message: 'give environments when promoting an explicit version',
  });

/** @public */
export type PromotionRequest = z.infer<typeof promotionRequestSchema>;

/** Body of POST …/rollbacks. @public */
export const rollbackRequestSchema = z
  .object({
    environment: nameSchema,
    /** Defaults to the version before the current one in this environment. */
    version: versionSchema.optional(),
    reason: z.string().min(1).max(1000),
    /** Write straight to the branch instead of opening a pull request. */
    emergency: z.boolean().optional(),
  })
  .strict();

/** @public */
export type RollbackRequest = z.infer<typeof rollbackRequestSchema>;

/** Body of POST /v1/actions/:id/approve. @public */
export const approvalRequestSchema = z
  .object({ comment: z.string().max(1000).optional() })
  .strict();

/** Idempotency keys: header `Idempotency-Key`. @public */
export const idempotencyKeySchema = z
  .string()
  .regex(
    /^[A-Za-z0-9._:-]{8,128}$/,
    'must be 8-128 letters, digits, ".", "_", ":" or "-"',
  );

/** Preview of a promotion or rollback: what it would write and which gates hold. @public */
export interface ActionPreview {
  kind: ActionKind;
  service: string;
  version: string;
  sourceEnvironment?: string;
  environments: string[];
  changes: ManifestChange[];
  gates: GateResult[];
  /** True when no gate failed (pending approvals may remain). */
  allowed: boolean;
}

/** Lists of actions and holds. @public */
export interface ActionsResponse {
  items: GitopsAction[];
}

/** @public */
export interface HoldsResponse {
  items: Hold[];
}

/** Entity reference parts (same as EntityRefParts in api.ts). @public */
export interface ActionEntityRef {
  kind: string;
  namespace: string;
  name: string;
}

/**
 * Promotion, rollback, approval and hold endpoints. Every call is
 * permission-checked per environment (deny by default) and audited.
 * @public
 */
export interface GitopsPromotionApi {
  previewPromotion(
    entity: ActionEntityRef,
    request: PromotionRequest,
  ): Promise<ActionPreview>;
  /** `idempotencyKey`: the same key and body return the same action. */
  promote(
    entity: ActionEntityRef,
    request: PromotionRequest,
    idempotencyKey: string,
  ): Promise<GitopsAction>;
  previewRollback(
    entity: ActionEntityRef,
    request: RollbackRequest,
  ): Promise<ActionPreview>;
  rollback(
    entity: ActionEntityRef,
    request: RollbackRequest,
    idempotencyKey: string,
  ): Promise<GitopsAction>;
  getActions(entity: ActionEntityRef): Promise<ActionsResponse>;
  getHolds(entity: ActionEntityRef): Promise<HoldsResponse>;
  /** Actions awaiting the caller's approval, across services. */
  getApprovalInbox(): Promise<ActionsResponse>;
  approve(actionId: string, comment?: string): Promise<GitopsAction>;
  /** Merges the action's pull request (local repositories: its branch). */
  merge(actionId: string): Promise<GitopsAction>;
  cancel(actionId: string): Promise<GitopsAction>;
  liftHold(holdId: string, reason: string): Promise<Hold>;
  /** The deployment steps of an action (before and after), for its timeline. */
  getActionSteps(actionId: string): Promise<StepRunsResponse>;
}

/**
 * An environment's promotion policy, from the pipeline file
 * (`spec.environments.<env>.promotion`). Defaults: pull request, no
 * approvals, no soak time, no freeze window, no automatic promotion.
 * @public
 */
export interface PromotionPolicy {
  mode: 'pull-request' | 'direct';
  /** Number of distinct approvers (never the requester). */
  approvals: number;
  /** Approvers must belong to this group (entity ref), when set. */
  approverGroup?: string;
  /** The version must have run this long in the source environment. */
  soakTimeSeconds?: number;
  /**
   * No write during these windows (UTC): promotions never; rollbacks only
   * where `allowRollback`, emergency rollbacks only where `allowEmergency`.
   */
  freezeWindows?: Array<{
    days?: string[];
    from?: string;
    to?: string;
    reason?: string;
    allowRollback?: boolean;
    allowEmergency?: boolean;
  }>;
  /** Promote automatically from the previous stage once it has soaked this long. */
  autoPromoteAfterSeconds?: number;
  /**
   * What a failed `after` step does: roll the environment back through Git
   * to the version it ran before (with a hold), hold the version only, or
   * nothing but the record. Default `none`.
   */
  onFailedVerification?: 'rollback' | 'hold' | 'none';
  /** Automatic rollback only this long after the rollout (default 1 h). */
  verificationWindowSeconds?: number;
}

/** The state of one deployment step of an action. @public */
export type StepRunState =
  | 'pending'
  | 'running'
  | 'passed'
  | 'failed'
  | 'skipped'
  | 'cancelled';

/** One deployment step of an action, for the timeline. @public */
export interface StepRun {
  id: string;
  actionId: string;
  environment: string;
  phase: 'before' | 'after';
  position: number;
  name: string;
  type: string;
  state: StepRunState;
  attempt: number;
  startedAt?: string;
  finishedAt?: string;
  /** One line: what was checked, what came back. */
  message?: string;
  /** Small, secret-free facts (HTTP status, value, link). */
  output?: { [key: string]: unknown };
}

/** GET /v1/actions/:id/steps. @public */
export interface StepRunsResponse {
  items: StepRun[];
}
