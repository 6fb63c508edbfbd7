import type { StepTypeCatalog } from '../pipeline/parseSteps';

/**
 * The step types the pipeline parser accepts when no registry is given.
 * (The step registry replaces this as the default once it lands.)
 */
export function defaultStepCatalog(): StepTypeCatalog {
  return { get: () => undefined, types: () => [] };
}
