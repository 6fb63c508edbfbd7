import { randomUUID } from 'node:crypto';
import os from 'node:os';
import type {
  AuditorService,
  LoggerService,
  PermissionsService,
  UserInfoService,
} from '@backstage/backend-plugin-api';
import type {
  ActionPreview,
  GitopsAction,
  Hold,
  PromotionRequest,
  RollbackRequest,
  StepRun,
} from '@gitops2/plugin-gitops-common';
import { LedgerStore } from '../database/LedgerStore';
import { VersionLocatorRegistry } from '../locators/VersionLocatorRegistry';
import type { StepTypeCatalog } from '../pipeline/parseSteps';
import { WriteAudit } from './audit/WriteAudit';
import { WriteGuard } from './checks/WriteGuard';
import type { ActionNotifier, PromotionEngine } from './engine';
import { ActionExecutor } from './execution/ActionExecutor';
import { ActionMerger } from './execution/ActionMerger';
import { GateRegistry } from './gates/GateRegistry';
import { ActionPlanner } from './planning/ActionPlanner';
import {
  ActionReconciler,
  ReconcileReport,
} from './reconciliation/ActionReconciler';
import { OutcomeFollower } from './reconciliation/OutcomeFollower';
import { AutomaticRollback } from './steps/AutomaticRollback';
import { StepPhaseHandler } from './steps/StepPhaseHandler';
import type { PhaseResult } from '../steps/engine/StepRunner';
import { StepRunStore } from '../steps/engine/StepRunStore';
import { ActionDecisions } from './requests/ActionDecisions';
import { ActionRequests } from './requests/ActionRequests';
import type { ActionRequest } from './requests/requestHash';
import type { PromotionStores } from './store';
import { autoRollbackCaller } from './types';
import type { Caller, Plan, PromotionRepository } from './types';

export { IdempotencyKeyReusedError } from './requests/IdempotencyKeyReusedError';
export type { ActionRequest } from './requests/requestHash';
export type { Caller, PromotionRepository } from './types';

export interface PromotionServiceOptions {
  ledger: LedgerStore;
  stores: PromotionStores;
  repositories: Map<string, PromotionRepository>;
  locators: VersionLocatorRegistry;
  /** Step types the pipeline file may use (default: the built-in ones). */
  stepTypes?: StepTypeCatalog;
  gates: GateRegistry;
  permissions: PermissionsService;
  userInfo?: UserInfoService;
  auditor?: AuditorService;
  logger: LoggerService;
  /** How long a replica's lease on an action lasts without renewal (default 30 s). */
  leaseTtlMs?: number;
  /** Lease owner name of this replica (default: host, pid and a random id). */
  owner?: string;
  afterMerge?: (repositoryId: string) => Promise<void>;
  recordPortalCommit?: (
    repositoryId: string,
    sha: string,
    actionId: string,
  ) => Promise<void>;
  notifier?: ActionNotifier;
  /** Steps were planned: start them now (the steps' engine's tick). */
  stepsPlanned?: () => void;
}

/**
 * Promotion and rollback through Git (docs/promotion.md). A facade over the
 * write path's parts: planning (planning/), the gates at every step
 * (checks/, gates/), requests and decisions (requests/), execution under a
 * lease (execution/) and reconciliation (reconciliation/). Never touches a
 * cluster.
 */
export class PromotionService {
  private readonly engine: PromotionEngine;
  private readonly requests: ActionRequests;
  private readonly decisions: ActionDecisions;
  private readonly executor: ActionExecutor;
  private readonly merger: ActionMerger;
  private readonly reconciler: ActionReconciler;
  private readonly outcomes: OutcomeFollower;
  private readonly stepPhases: StepPhaseHandler;

  constructor(options: PromotionServiceOptions) {
    const { stores, ledger } = options;
    const planner = new ActionPlanner({
      ledger,
      repositories: options.repositories,
      locators: options.locators,
      stepTypes: options.stepTypes,
    });
    this.engine = {
      planner,
      guard: new WriteGuard({
        gates: options.gates,
        holds: stores.holds,
        ledger,
        sourceSince: async (repositoryId, service, environment, version) =>
          (
            await planner.sourceHistory(
              repositoryId,
              service,
              environment,
              version,
            )
          ).sourceSince,
      }),
      actions: stores.actions,
      leases: stores.leases,
      locks: stores.locks,
      holds: stores.holds,
      audit: new WriteAudit(stores.auditLog, options.auditor, options.logger),
      logger: options.logger,
      owner:
        options.owner ??
        `${os.hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`,
      leaseTtlMs: options.leaseTtlMs ?? 30_000,
      recordPortalCommit: options.recordPortalCommit,
      recordPortalMergeIntent: (repositoryId, intent, actionId) =>
        ledger.recordPortalMergeIntent(repositoryId, intent, actionId),
      portalCommitActionOf: (repositoryId, sha) =>
        ledger.portalCommitActionOf(repositoryId, sha),
      portalCommitsOf: (repositoryId, commits) =>
        ledger.portalCommitsOf(repositoryId, commits),
      portalMergeAskedFor: (repositoryId, actionId) =>
        ledger.portalMergeAskedFor(repositoryId, actionId),
      portalCommitsOfAction: (repositoryId, actionId) =>
        ledger.portalCommitsOfAction(repositoryId, actionId),
      afterMerge: options.afterMerge,
      notifier: options.notifier,
      steps: stores.steps,
      stepsPlanned: () => options.stepsPlanned?.(),
    };
    this.executor = new ActionExecutor(this.engine);
    this.merger = new ActionMerger(this.engine);
    this.requests = new ActionRequests(this.engine, this.executor);
    this.decisions = new ActionDecisions(
      this.engine,
      this.executor,
      options.permissions,
      options.userInfo,
    );
    this.reconciler = new ActionReconciler(this.engine, this.executor);
    this.outcomes = new OutcomeFollower(
      stores.actions,
      ledger,
      async actionId =>
        (await stores.steps.ofAction(actionId, 'after')).length > 0,
    );
    this.stepPhases = new StepPhaseHandler(
      this.engine,
      this.executor,
      stores.steps,
      ledger,
      new AutomaticRollback(this.engine, ledger, (request, key) =>
        this.requests.request(request, autoRollbackCaller, key),
      ),
    );
  }

  planPromotion(
    repositoryId: string,
    service: string,
    request: PromotionRequest,
  ): Promise<Plan> {
    return this.engine.planner.planPromotion(repositoryId, service, request);
  }

  planRollback(
    repositoryId: string,
    service: string,
    request: RollbackRequest,
  ): Promise<Plan> {
    return this.engine.planner.planRollback(repositoryId, service, request);
  }

  preview(request: ActionRequest, caller: Caller): Promise<ActionPreview> {
    return this.requests.preview(request, caller);
  }

  /**
   * Records and (when no approval is needed) writes a promotion or
   * rollback. The same caller, key and request return the same action; the
   * same key with a different request is refused (422).
   */
  request(
    request: ActionRequest,
    caller: Caller,
    idempotencyKey: string,
  ): Promise<{ action: GitopsAction; created: boolean }> {
    return this.requests.request(request, caller, idempotencyKey);
  }

  getAction(id: string): Promise<GitopsAction | undefined> {
    return this.engine.actions.get(id);
  }

  getHold(id: string): Promise<Hold | undefined> {
    return this.engine.holds.get(id);
  }

  /** An attempt refused before it reached the engine (a door's own checks). */
  auditRefusal(caller: Caller, what: string, error: Error): Promise<void> {
    return this.engine.audit.record(caller, {
      action: what,
      result: error.name === 'NotAllowedError' ? 'denied' : 'refused',
      message: error.message,
    });
  }

  /** The action a caller recorded under an idempotency key, if any. */
  async actionByKey(
    initiator: string,
    idempotencyKey: string,
  ): Promise<GitopsAction | undefined> {
    return (await this.engine.actions.findByKey(initiator, idempotencyKey))
      ?.action;
  }

  execute(actionId: string, caller: Caller): Promise<GitopsAction> {
    return this.executor.execute(actionId, caller);
  }

  approve(
    actionId: string,
    caller: Caller,
    comment?: string,
  ): Promise<GitopsAction> {
    return this.decisions.approve(actionId, caller, comment);
  }

  merge(actionId: string, caller: Caller): Promise<GitopsAction> {
    return this.merger.merge(actionId, caller);
  }

  cancel(actionId: string, caller: Caller): Promise<GitopsAction> {
    return this.decisions.cancel(actionId, caller);
  }

  liftHold(holdId: string, caller: Caller, reason: string): Promise<Hold> {
    return this.decisions.liftHold(holdId, caller, reason);
  }

  /** Finishes or undoes what crashes and the Git host left (ActionReconciler). */
  reconcile(now?: number): Promise<ReconcileReport> {
    return this.reconciler.run(now);
  }

  /** Reconciles one action with its pull request now (a webhook said it changed). */
  reconcileAction(
    actionId: string,
  ): Promise<'merged' | 'cancelled' | 'moved' | 'failed' | undefined> {
    return this.reconciler.reconcileOne(actionId);
  }

  /** A phase of deployment steps finished (the steps' engine calls this). */
  onStepPhaseFinished(result: PhaseResult): Promise<void> {
    return this.stepPhases.finished(result);
  }

  /** The deployment steps of an action, for the timeline. */
  async stepsOf(actionId: string): Promise<StepRun[]> {
    return (await this.engine.steps!.ofAction(actionId)).map(
      StepRunStore.toView,
    );
  }

  /** Moves merged actions on as the clusters report. */
  followOutcomes(): Promise<number> {
    return this.outcomes.run();
  }
}
