import type { StepType } from './types';

/** The step types a deployment accepts, by type name. */
export interface StepTypes {
  get(type: string): StepType | undefined;
  types(): string[];
}

/**
 * The step types the pipeline parser and the steps' engine use when none
 * are given. (The step registry with the built-in types replaces this as
 * the default once it lands.)
 */
export function defaultStepCatalog(): StepTypes {
  return { get: () => undefined, types: () => [] };
}
