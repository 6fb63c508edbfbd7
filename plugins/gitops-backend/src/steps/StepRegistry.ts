import { ChecksStep } from './ChecksStep';
import { HttpStep } from './HttpStep';
import { NotifyStep } from './NotifyStep';
import { PrometheusServer, PrometheusStep } from './PrometheusStep';
import type { StepType } from './types';
import { WaitHealthyStep } from './WaitHealthyStep';
import { WebhookStep } from './WebhookStep';

/** The step types a pipeline file may name in `type`. */
export class StepRegistry {
  private readonly steps = new Map<string, StepType>();

  /** Adds a step type; a second one with the same type is a programming error. */
  register(step: StepType): this {
    if (this.steps.has(step.type)) {
      throw new Error(`a step of type "${step.type}" is already registered`);
    }
    this.steps.set(step.type, step);
    return this;
  }

  get(type: string): StepType | undefined {
    return this.steps.get(type);
  }

  /** Registered types, sorted (for "known: …" messages). */
  types(): string[] {
    return [...this.steps.keys()].sort();
  }

  /**
   * What is wrong with a step of the pipeline file, or undefined: an
   * unknown type, or the type's own message about its options.
   */
  validate(type: string, options: unknown): string | undefined {
    const step = this.steps.get(type);
    if (!step) {
      return `unknown step type "${type}" (known: ${this.types().join(', ')})`;
    }
    return step.validateOptions(options);
  }
}

/** What the built-in steps take from app-config. */
export interface DefaultStepRegistryOptions {
  /** `gitops.steps.prometheus`: the servers `prometheus` steps may name. */
  prometheus?: Record<string, PrometheusServer>;
  /** `gitops.steps.maxResponseBytes`: the most of a response a step reads. */
  maxResponseBytes?: number;
  /** `app.baseUrl`: links to the portal in webhook bodies. */
  portalUrl?: string;
}

/** A registry with the six built-in step types of docs/pipeline.md. */
export function createDefaultStepRegistry(
  options: DefaultStepRegistryOptions = {},
): StepRegistry {
  const limits = { maxResponseBytes: options.maxResponseBytes };
  return new StepRegistry()
    .register(new WaitHealthyStep())
    .register(new HttpStep(limits))
    .register(new PrometheusStep(options.prometheus ?? {}, limits))
    .register(new ChecksStep())
    .register(new NotifyStep())
    .register(new WebhookStep({ portalUrl: options.portalUrl }));
}
