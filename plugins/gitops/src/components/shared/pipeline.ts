import type {
  EnvironmentStatus,
  PipelineDefinition,
} from '@gitops2/plugin-gitops-common';

/** One column of the pipeline view. */
export interface StageView {
  name: string;
  index: number;
  environments: EnvironmentStatus[];
}

/**
 * Groups the environments of a service by stage, in promotion order. The
 * order of stages (and of environments inside a stage) is the pipeline's when
 * it is known, else the `stageIndex` of each environment. Stages without an
 * environment of this service are left out.
 */
export function groupByStage(status: {
  pipeline: PipelineDefinition | null;
  environments: EnvironmentStatus[];
}): StageView[] {
  const stages = new Map<string, StageView>();
  status.pipeline?.stages.forEach((stage, index) => {
    stages.set(stage.name, { name: stage.name, index, environments: [] });
  });
  for (const env of status.environments) {
    const { stage: name, stageIndex } = env.environment;
    let stage = stages.get(name);
    if (!stage) {
      stage = { name, index: stageIndex, environments: [] };
      stages.set(name, stage);
    }
    stage.environments.push(env);
  }
  for (const stage of stages.values()) {
    const order =
      status.pipeline?.stages.find(s => s.name === stage.name)?.environments ??
      [];
    const rank = (env: EnvironmentStatus) => {
      const i = order.indexOf(env.environment.name);
      return i === -1 ? order.length : i;
    };
    stage.environments.sort((a, b) => rank(a) - rank(b));
  }
  return [...stages.values()]
    .filter(stage => stage.environments.length > 0)
    .sort((a, b) => a.index - b.index);
}
