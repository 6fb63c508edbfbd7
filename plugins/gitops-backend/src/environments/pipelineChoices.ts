import type { PipelineChoices } from '@gitops2/plugin-gitops-common';
import type { VersionLocatorRegistry } from '../locators/VersionLocatorRegistry';
import type { StepTypeCatalog } from '../pipeline/parseSteps';
import { WritablePipeline } from '../promotion/planning/WritablePipeline';
import type { PromotionRepository } from '../promotion/types';

/**
 * What the forms of the environment templates offer, read from the pipeline
 * file at the head of the repository exactly as a write would read it (a
 * broken file is refused with where it is broken, rather than offering
 * choices a write would then refuse): stages, environments, the clusters a
 * new environment may name (the same set `validateEnvironmentRequest`
 * accepts), services and locator types.
 */
export async function pipelineChoices(
  repo: PromotionRepository,
  options: {
    locators: VersionLocatorRegistry;
    stepTypes?: StepTypeCatalog;
    configuredClusters: string[];
  },
): Promise<PipelineChoices> {
  const headSha = await repo.source.headCommit();
  const pipeline = await WritablePipeline.at(
    repo,
    headSha,
    options.locators,
    options.stepTypes,
  );
  const environments = pipeline.stages.flatMap(stage =>
    stage.environments.map(name => {
      const env = soundEnvironment(pipeline, name);
      return {
        name,
        stage: stage.name,
        ...(env?.cluster ? { cluster: env.cluster } : {}),
        ...(env?.namespace ? { namespace: env.namespace } : {}),
        ...(env?.url ? { url: env.url } : {}),
      };
    }),
  );
  const clusters = new Map<
    string,
    { name: string; configured: boolean; environments: string[] }
  >();
  for (const name of options.configuredClusters)
    clusters.set(name, { name, configured: true, environments: [] });
  for (const env of environments) {
    if (!env.cluster) continue;
    const entry = clusters.get(env.cluster) ?? {
      name: env.cluster,
      configured: false,
      environments: [],
    };
    entry.environments.push(env.name);
    clusters.set(env.cluster, entry);
  }
  return {
    repositoryId: repo.id,
    headSha,
    stages: pipeline.stages.map(s => ({
      name: s.name,
      environments: [...s.environments],
    })),
    environments,
    clusters: [...clusters.values()].sort((a, b) =>
      a.name.localeCompare(b.name),
    ),
    services: Object.keys(pipeline.parsedFile.services).sort(),
    locatorTypes: options.locators.types().sort(),
  };
}

function soundEnvironment(pipeline: WritablePipeline, name: string) {
  try {
    return pipeline.environment(name);
  } catch {
    return undefined; // a broken entry offers no cluster
  }
}
