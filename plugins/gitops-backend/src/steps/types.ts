import type { LoggerService } from '@backstage/backend-plugin-api';
import type {
  ChecksSummary,
  EnvironmentDefinition,
  GitopsAction,
} from '@gitops2/plugin-gitops-common';
import type { ObservedSource } from '../promotion/gates/SourceHealthGate';
import type { JsonObject } from '@backstage/types';

/**
 * Deployment steps (issue #9, docs/pipeline.md "Steps"): small units in a
 * registry, like the version locators and the gates. `before` steps must
 * pass before a promotion writes; `after` steps verify it once merged.
 */
export type StepPhase = 'before' | 'after';

/** When a step runs, relative to the steps before it (Kargo-like). */
export type StepWhen = 'onSuccess' | 'onFailure' | 'always';

/** One step as the pipeline file defines it, validated. */
export interface StepDefinition {
  /** Registry type, e.g. `http`, `prometheus`, `wait-healthy`. */
  type: string;
  /** Unique within its phase; defaults to the type (and an index). */
  name: string;
  when: StepWhen;
  /** Longest the step may take in all (its attempts included). */
  timeoutSeconds: number;
  /** The type's own options, validated by `StepType.validateOptions`. */
  options: JsonObject;
}

/** What one attempt found. */
export interface StepAttemptResult {
  /**
   * `running`: not decided yet (polling, count/interval not done); the
   * engine calls `run` again after `retryAfterMs` with the state it returned.
   */
  status: 'passed' | 'failed' | 'running';
  /** One line for people (timeline, audit): what was checked, what came back. */
  message: string;
  /** Small, JSON, secret-free facts for the timeline (HTTP status, value, link). */
  output?: JsonObject;
  retryAfterMs?: number;
  /** The step's own progress, stored by the engine and given back next time. */
  state?: JsonObject;
}

/** A decision about an outbound URL (allowlist, private ranges, redirects). */
export interface OutboundRequest {
  method: string;
  url: string;
  headers?: Record<string, string>;
  body?: string;
  timeoutMs: number;
  /** Bytes of the response body kept (the rest is dropped). */
  maxBodyBytes: number;
}

export interface OutboundResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** True when the body was longer than `maxBodyBytes`. */
  truncated: boolean;
}

/** What a step may use; nothing else (no raw network, no database). */
export interface StepContext {
  action: GitopsAction;
  environment: EnvironmentDefinition;
  phase: StepPhase;
  /** 1 on the first call of this step, then 2, 3 … */
  attempt: number;
  /** When the step first started (ms), for its own timeout and intervals. */
  startedAtMs: number;
  /** The state the previous attempt returned. */
  state: JsonObject;
  signal: AbortSignal;
  logger: LoggerService;
  /** Outbound HTTP through the allowlist (docs: gitops.steps.allowedTargets). */
  fetch(request: OutboundRequest): Promise<OutboundResponse>;
  /** A secret from app-config (gitops.steps.secrets.<name>); never logged. */
  secret(name: string): string | undefined;
  /**
   * What cluster observation knows of the action's service in this
   * environment (wait-healthy); undefined where no cluster covers it.
   */
  observed(): Promise<ObservedSource | undefined>;
  /** CI checks of the version's source commit, as correlation collected them. */
  checks(): Promise<ChecksSummary | undefined>;
  /** A Backstage notification to the service's owners and the requester. */
  notify(notification: {
    title: string;
    description?: string;
    severity: 'critical' | 'high' | 'normal' | 'low';
    link?: string;
  }): Promise<void>;
}

/** One step type: a small unit with one job. */
export interface StepType {
  readonly type: string;
  /** A message naming the bad option, or undefined when the options are valid. */
  validateOptions(options: unknown): string | undefined;
  /** One attempt; never throws for an expected failure (returns `failed`). */
  run(step: StepDefinition, ctx: StepContext): Promise<StepAttemptResult>;
}
