import type { LoggerService } from '@backstage/backend-plugin-api';
import type { NotificationService } from '@backstage/plugin-notifications-node';
import type {
  ChecksSummary,
  EnvironmentDefinition,
  GitopsAction,
} from '@gitops2/plugin-gitops-common';
import type { ObservedSource } from '../../promotion/gates/SourceHealthGate';
import type { PromotionService } from '../../promotion/PromotionService';
import type { OutboundRequest, OutboundResponse, StepType } from '../types';
import { StepRunner } from './StepRunner';
import type { StepRunStore } from './StepRunStore';

/**
 * Wires the steps' engine: what a step may use (outbound HTTP through the
 * allowlist, secrets from app-config, cluster observation, CI checks,
 * notifications) and where a finished phase goes (the write path).
 */
export function createStepRunner(options: {
  store: StepRunStore;
  stepTypes: { get(type: string): StepType | undefined };
  promotions: PromotionService;
  environmentOf(
    action: GitopsAction,
    environment: string,
  ): Promise<EnvironmentDefinition>;
  observed(
    repositoryId: string,
    service: string,
    environment: string,
  ): Promise<ObservedSource | undefined>;
  checksOf(
    action: GitopsAction,
    environment: string,
  ): Promise<ChecksSummary | undefined>;
  notifications: NotificationService;
  fetch(
    request: OutboundRequest,
    options: { signal?: AbortSignal; environmentUrls: string[] },
  ): Promise<OutboundResponse>;
  secrets: Record<string, string>;
  logger: LoggerService;
  owner: string;
  /** Claims on steps lapse after this long without renewal (a crashed replica's). */
  leaseTtlMs?: number;
}): StepRunner {
  const { promotions, notifications } = options;
  return new StepRunner({
    store: options.store,
    stepTypes: options.stepTypes,
    getAction: id => promotions.getAction(id),
    environmentOf: options.environmentOf,
    contextFor: base => ({
      ...base,
      // A step may reach its own environment's URL (allowEnvironmentUrls).
      fetch: request =>
        options.fetch(request, {
          signal: base.signal,
          environmentUrls: base.environment.url ? [base.environment.url] : [],
        }),
      secret: name => options.secrets[name],
      observed: () =>
        options.observed(
          base.action.repositoryId,
          base.action.service,
          base.environment.name,
        ),
      checks: () => options.checksOf(base.action, base.environment.name),
      notify: async notification => {
        const entityRef = [
          base.action.entityRef,
          base.action.requestedBy,
        ].filter(
          (r): r is string => Boolean(r) && /^(user|group|component):/.test(r!),
        );
        if (entityRef.length === 0) return;
        await notifications.send({
          recipients: { type: 'entity', entityRef },
          payload: {
            ...notification,
            topic: 'gitops-steps',
            scope: `gitops-action-${base.action.id}-${base.environment.name}`,
          },
        });
      },
    }),
    onPhaseFinished: result => promotions.onStepPhaseFinished(result),
    logger: options.logger,
    owner: options.owner,
    leaseTtlMs: options.leaseTtlMs,
  });
}
