import { defaultStepCatalog } from '../steps/defaultStepCatalog';
import { mergeSteps, StepTypeCatalog } from './parseSteps';
import {
  EnvironmentDefinition,
  SourceError,
  StageDefinition,
} from '@gitops2/plugin-gitops-common';
import type { VersionLocatorRegistry } from '../locators/VersionLocatorRegistry';
import { quoteList } from '../locators/yamlSupport';
import { FileProblem, PipelineContext } from './pipelineContext';
import { parseStages } from './parseStages';
import { parseEnvironmentEntries } from './parseEnvironments';
import { parseServices } from './parseServices';
import { parseHeader } from './pipelineHeader';
import type { ParsedPipeline } from './types';

export { checkManifestPath } from './manifestPath';
export { PIPELINE_API_VERSION, PIPELINE_KIND } from './pipelineHeader';

/** Parses the whole file; throws FileProblem when it is unusable. */
function parseFile(ctx: PipelineContext, content: string): ParsedPipeline {
  const { name, spec, specMap } = parseHeader(ctx, content);

  const { stages, occurrences } = parseStages(ctx, spec);
  const entries = parseEnvironmentEntries(ctx, spec);
  // spec.steps: the defaults of every environment; broken, it breaks all.
  const defaultsEntry = ctx.get(specMap, 'steps');
  const defaults = defaultsEntry
    ? ctx.steps(defaultsEntry.value, 'in spec.steps')
    : {};
  if ('error' in defaults) throw new FileProblem(defaults.error);

  // Join stages and entries: every environment in exactly one stage, with an entry.
  const environmentErrors: Record<string, SourceError> = {};
  const environments: EnvironmentDefinition[] = [];
  const stagesOut: StageDefinition[] = stages.map(s => ({
    name: s.name,
    environments: [],
  }));
  for (const [env, occ] of occurrences) {
    const first = occ[0];
    stagesOut[first.stageIndex].environments.push(env);
    const def: EnvironmentDefinition = {
      name: env,
      stage: first.stage,
      stageIndex: first.stageIndex,
    };
    const entry = entries.get(env);
    if (occ.length > 1) {
      const second = occ[1];
      environmentErrors[env] =
        second.stageIndex === first.stageIndex
          ? ctx.error(
              `environment "${env}" is listed twice in stage "${first.stage}"`,
              second.node,
            )
          : ctx.error(
              `environment "${env}" is in more than one stage (${quoteList(
                occ.map(o => o.stage),
              )}); an environment belongs to exactly one stage`,
              second.node,
            );
    } else if (!entry) {
      environmentErrors[env] = ctx.error(
        `environment "${env}" (stage "${first.stage}") has no entry under spec.environments`,
        first.node,
      );
    } else if (!entry.ok) {
      environmentErrors[env] = entry.error;
    } else {
      if (entry.cluster !== undefined) def.cluster = entry.cluster;
      if (entry.namespace !== undefined) def.namespace = entry.namespace;
      if (entry.url !== undefined) def.url = entry.url;
      if (entry.promotion !== undefined) def.promotion = entry.promotion;
      const steps = mergeSteps(defaults, entry.steps ?? {});
      if (steps) def.steps = steps;
    }
    // Listed even when broken, so that the UI can show the error in place.
    environments.push(def);
  }
  for (const [env, entry] of entries) {
    if (occurrences.has(env)) continue;
    environmentErrors[env] = entry.ok
      ? ctx.error(
          `environment "${env}" is in no stage: add it to one of spec.stages`,
          entry.key,
        )
      : entry.error;
  }

  // Services are resolved for every environment of a stage, broken or not:
  // an environment error (bad url, missing entry) says nothing about where
  // the manifests are, and ingestion drops the state of any service and
  // environment missing here, which would lose its history.
  const staged = environments.map(e => e.name);
  const known = new Set([...occurrences.keys(), ...entries.keys()]);
  const services = parseServices(ctx, specMap, staged, known);

  return {
    definition: { name, stages: stagesOut, environments },
    services,
    environmentErrors,
    fileError: null,
  };
}

/**
 * Parses and validates a pipeline file (docs/pipeline.md). Never throws:
 * whole-file problems become `fileError` (with `definition: null`),
 * problems of one environment `environmentErrors[env]`, problems of one
 * service in one environment `services[svc][env] = { error }`.
 */
export function parsePipeline(
  content: string,
  file: string,
  registry: VersionLocatorRegistry,
  stepTypes: StepTypeCatalog = defaultStepCatalog(),
): ParsedPipeline {
  try {
    return parseFile(new PipelineContext(file, registry, stepTypes), content);
  } catch (e) {
    const fileError: SourceError =
      e instanceof FileProblem
        ? e.sourceError
        : // A parser bug must not stop the ingestion of the repository: show it on the file.
          {
            message: `internal error while parsing the pipeline file: ${
              e instanceof Error ? e.message : String(e)
            }`,
            file,
          };
    return { definition: null, services: {}, environmentErrors: {}, fileError };
  }
}
