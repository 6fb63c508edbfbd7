export type {
  OutboundRequest,
  OutboundResponse,
  StepAttemptResult,
  StepContext,
  StepDefinition,
  StepPhase,
  StepType,
  StepWhen,
} from './types';
export { StepRegistry, createDefaultStepRegistry } from './StepRegistry';
export type { DefaultStepRegistryOptions } from './StepRegistry';
export { WaitHealthyStep } from './WaitHealthyStep';
export { HttpStep } from './HttpStep';
export { PrometheusStep } from './PrometheusStep';
export type { PrometheusServer } from './PrometheusStep';
export { ChecksStep } from './ChecksStep';
export { NotifyStep } from './NotifyStep';
export { WebhookStep, webhookSignature, backoffMs } from './WebhookStep';
export { createOutboundFetch } from './outbound/createOutboundFetch';
export type {
  OutboundConfig,
  OutboundFetch,
  OutboundFetchOptions,
} from './outbound/createOutboundFetch';
export { TargetRefusedError } from './outbound/TargetRefusedError';
export { TargetPolicy, targetEntryProblem } from './outbound/TargetPolicy';
export { compileExpression, ExpressionError } from './support/expression';
