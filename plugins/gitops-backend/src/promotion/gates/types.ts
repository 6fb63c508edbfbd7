import type { BackstageCredentials } from '@backstage/backend-plugin-api';
import type {
  ActionKind,
  EnvironmentDefinition,
  GateResult,
  Hold,
} from '@gitops2/plugin-gitops-common';
import type { Door } from '../types';

/**
 * The moment a gate is evaluated: when the change is requested, approved,
 * written to the branch clusters follow (direct), written to a pull request
 * branch, or merged. Every one re-evaluates every gate.
 */
export type WriteStep = 'request' | 'approve' | 'branch' | 'write' | 'merge';

/** Everything a gate may look at; gates never write. */
export interface GateContext {
  kind: ActionKind;
  /** The rules it passes: a rollback to a never-run version passes the promotion's. */
  gateKind: ActionKind;
  emergency: boolean;
  step: WriteStep;
  repositoryId: string;
  service: string;
  version: string;
  sourceEnvironment?: string;
  /** The target environments as the pipeline file defines them now. */
  targets: EnvironmentDefinition[];
  /** The caller's credentials; null for the system doors. */
  credentials: BackstageCredentials | null;
  initiator: string;
  door: Door;
  /** The action being moved on, once recorded. */
  actionId?: string;
  /** Active holds of the service. */
  holds: Hold[];
  /** When the source environment got the version (ISO), if known. */
  sourceSince?: string;
  /** Rollbacks: when the target last ran the version (ISO), if it ever did. */
  ranBeforeUntil?: string;
  now: Date;
}

/**
 * One gate: a small unit with one question. New gates are registered, the
 * engine never changes (docs/promotion.md). A gate that cannot evaluate
 * must fail, never pass.
 */
export interface Gate {
  readonly name: string;
  /** Which gate kinds it applies to (Plan.gateKind). */
  readonly appliesTo: ActionKind[];
  evaluate(ctx: GateContext): Promise<GateResult[]>;
}
