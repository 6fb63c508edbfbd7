import { ConflictError, InputError } from '@backstage/errors';
import type { EnvironmentCreateRequest } from '@gitops2/plugin-gitops-common';
import { parsePromotionPolicy } from '../pipeline/promotionPolicy';
import type { WritablePipeline } from '../promotion/planning/WritablePipeline';

/**
 * The checks of a new environment against the pipeline at the head and the
 * clusters the backend knows; each refusal says what to change. The shape
 * (DNS labels, URL) was checked by the request schema.
 */
export function validateEnvironmentRequest(
  request: EnvironmentCreateRequest,
  pipeline: WritablePipeline,
  knownClusters: ReadonlySet<string>,
): void {
  const { name } = request;
  const environments = pipeline.stages.flatMap(s => s.environments);
  if (environments.includes(name) || pipeline.hasEnvironmentEntry(name)) {
    throw new ConflictError(
      `environment "${name}" already exists in the pipeline; choose another name`,
    );
  }
  const stageNames = pipeline.stages.map(s => s.name);
  if (request.placement.kind === 'after-stage') {
    if (!stageNames.includes(request.placement.after))
      throw new InputError(
        `unknown stage "${request.placement.after}" (stages: ${stageNames.join(
          ', ',
        )})`,
      );
    if (stageNames.includes(name))
      throw new ConflictError(
        `a stage is already named "${name}"; the new stage takes the environment's name`,
      );
  } else if (!stageNames.includes(request.placement.stage)) {
    throw new InputError(
      `unknown stage "${request.placement.stage}" (stages: ${stageNames.join(
        ', ',
      )})`,
    );
  }
  if (!environments.includes(request.sourceEnvironment))
    throw new InputError(
      `unknown source environment "${
        request.sourceEnvironment
      }" (environments: ${environments.join(', ')})`,
    );
  // Its entry must be sound: a broken one throws with where it is broken.
  pipeline.environment(request.sourceEnvironment);
  if (!knownClusters.has(request.cluster)) {
    throw new InputError(
      `unknown cluster "${
        request.cluster
      }": it is neither configured (gitops.clusters) nor used by an environment of the pipeline (known: ${
        [...knownClusters].sort().join(', ') || 'none'
      })`,
    );
  }
  if (request.promotion) {
    const policy = parsePromotionPolicy(request.promotion);
    if (typeof policy === 'string')
      throw new InputError(`promotion policy: ${policy}`);
  }
}
