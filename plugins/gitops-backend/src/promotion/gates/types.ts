import type { BackstageCredentials } from '@backstage/backend-plugin-api';
import type {
  ActionKind,
  EnvironmentDefinition,
  GateResult,
  Hold,
} from '@gitops2/plugin-gitops-common';

/** Everything a gate may look at; gates never write. */
export interface GateContext {
  kind: ActionKind;
  repositoryId: string;
  service: string;
  version: string;
  sourceEnvironment?: string;
  targets: EnvironmentDefinition[];
  /** Null for automatic promotions (the policy is the initiator). */
  credentials: BackstageCredentials | null;
  initiator: string;
  /** Active holds of the service's target environments. */
  holds: Hold[];
  /** When the source environment got the version (ISO), if known. */
  sourceSince?: string;
  now: Date;
}

/**
 * One gate: a small unit with one question. New gates are registered, the
 * engine never changes (docs/promotion.md).
 */
export interface Gate {
  readonly name: string;
  /** Which actions it applies to. */
  readonly appliesTo: ActionKind[];
  evaluate(ctx: GateContext): Promise<GateResult[]>;
}
