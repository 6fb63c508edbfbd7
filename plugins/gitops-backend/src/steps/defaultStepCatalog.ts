import type { StepType } from './types';

/** The step types a deployment accepts, by type name. */
export interface StepTypes {
  get(type: string): StepType | undefined;
  types(): string[];
}

/**
 * The step types the pipeline parser uses when its caller gives none: no
 * type at all, so every step is refused (an error of its environment, which
 * blocks writes there) rather than accepted unchecked. The plugin always
 * passes the registry of built-in types (createDefaultStepRegistry, with
 * `gitops.steps`) to ingestion and to the write path.
 */
export function defaultStepCatalog(): StepTypes {
  return { get: () => undefined, types: () => [] };
}
