import type { ExternalPipeline } from '../pipeline/pipelineLocation';
import type { BackstageCredentials } from '@backstage/backend-plugin-api';
import type {
  ActionKind,
  ApprovalRequirement,
  EnvironmentDefinition,
  ManifestChange,
} from '@gitops2/plugin-gitops-common';
import type { Request } from 'express';
import type { FileWrite, GitWriter } from '../git/GitWriter';
import type { GitSource } from '../git/types';

/**
 * Every way a write can be asked for. Each goes through the same planning,
 * gates and audit (docs/promotion.md, "Doors and gates").
 */
export type Door =
  | 'http'
  | 'scaffolder'
  | 'actions'
  | 'scheduler'
  | 'reconciliation';

/** Initiator of automatic promotions (the pipeline file's policy). */
export const AUTO_PROMOTE_INITIATOR = 'policy:auto-promote';
/** Initiator of what reconciliation finishes or undoes. */
export const RECONCILIATION_INITIATOR = 'system:reconciliation';
/** Initiator of the writes deployment steps continue (after `before` steps). */
export const STEPS_INITIATOR = 'system:deployment-steps';
/** Initiator of automatic rollbacks after a failed verification. */
export const AUTO_ROLLBACK_INITIATOR = 'policy:auto-rollback';

/** Who asks, through which door. */
export interface Caller {
  /**
   * The caller's own credentials (user or service). Null only for the
   * system doors: the automatic-promotion policy and reconciliation.
   */
  credentials: BackstageCredentials | null;
  /** User entity ref, `service:<subject>`, `policy:auto-promote` or `system:reconciliation`. */
  initiator: string;
  door: Door;
  /** The HTTP request, when there is one (Backstage's auditor reads it). */
  request?: Request;
}

export const reconciliationCaller: Caller = {
  credentials: null,
  initiator: RECONCILIATION_INITIATOR,
  door: 'reconciliation',
};

/** Continues an action once its `before` steps passed (authorized when requested). */
export const stepsCaller: Caller = {
  credentials: null,
  initiator: STEPS_INITIATOR,
  door: 'reconciliation',
};

export const autoRollbackCaller: Caller = {
  credentials: null,
  initiator: AUTO_ROLLBACK_INITIATOR,
  door: 'scheduler',
};

export const autoPromoteCaller: Caller = {
  credentials: null,
  initiator: AUTO_PROMOTE_INITIATOR,
  door: 'scheduler',
};

/** Per repository: where to read and where to write. */
export interface PromotionRepository {
  id: string;
  branch: string;
  /** Path of the pipeline file, parsed at the head of every write. */
  pipelineFile: string;
  /**
   * A pipeline defined outside the repository (app-config or another
   * repository): read from there for every write, and never edited.
   */
  externalPipeline?: ExternalPipeline;
  source: GitSource;
  writer: GitWriter;
}

/** A promotion or rollback, planned on one commit of the GitOps repository. */
export interface Plan {
  kind: ActionKind;
  /**
   * The gates it passes: a rollback to a version its environment never ran
   * is a promotion in disguise and passes the promotion's gates.
   */
  gateKind: ActionKind;
  repositoryId: string;
  service: string;
  version: string;
  emergency: boolean;
  sourceEnvironment?: string;
  sourceSince?: string;
  sourceCommit?: string;
  targets: EnvironmentDefinition[];
  changes: ManifestChange[];
  files: FileWrite[];
  baseSha: string;
  mode: 'pull-request' | 'direct';
  approvalRequirements: ApprovalRequirement[];
  /** For rollbacks: when the environment last ran the version (ISO), if it did. */
  ranBeforeUntil?: string;
}
