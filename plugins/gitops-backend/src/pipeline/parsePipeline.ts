import { defaultStepCatalog } from '../steps/defaultStepCatalog';
import { mergeSteps, StepTypeCatalog } from './parseSteps';
import { isMap, isScalar, YAMLMap } from 'yaml';
import {
  EnvironmentDefinition,
  SourceError,
  StageDefinition,
} from '@gitops2/plugin-gitops-common';
import type { VersionLocatorRegistry } from '../locators/VersionLocatorRegistry';
import {
  describeNode,
  docLine,
  nonEmptyDocs,
  parseYamlFile,
  quoteList,
  stringValue,
} from '../locators/yamlSupport';
import { FileProblem, PipelineContext } from './pipelineContext';
import { parseStages } from './parseStages';
import { parseEnvironmentEntries } from './parseEnvironments';
import { parseServices } from './parseServices';
import type { ParsedPipeline } from './types';

export { checkManifestPath } from './manifestPath';

export const PIPELINE_API_VERSION = 'gitops2.io/v1alpha1';
export const PIPELINE_KIND = 'Pipeline';

const TOP_KEYS = ['apiVersion', 'kind', 'metadata', 'spec'];
const SPEC_KEYS = ['stages', 'environments', 'services', 'steps'];

/** Parses the whole file; throws FileProblem when it is unusable. */
function parseFile(ctx: PipelineContext, content: string): ParsedPipeline {
  const parsed = parseYamlFile(content, ctx.file);
  if (!parsed.ok) throw new FileProblem(parsed.error);
  ctx.yaml = parsed.value;

  const docs = nonEmptyDocs(ctx.yaml);
  if (docs.length === 0) {
    ctx.fail(
      `the pipeline file is empty (expected apiVersion: ${PIPELINE_API_VERSION}, kind: ${PIPELINE_KIND})`,
    );
  }
  if (docs.length > 1) {
    throw new FileProblem({
      message: `the pipeline file holds ${docs.length} YAML documents; expected exactly one`,
      file: ctx.file,
      line: docLine(ctx.yaml, docs[1]),
    });
  }
  ctx.doc = docs[0];
  const root = ctx.doc.contents;
  if (!isMap(root)) {
    ctx.fail(
      `the pipeline file must be a map with apiVersion, kind, metadata and spec (found ${describeNode(
        root,
      )})`,
      root,
    );
  }
  const topUnknown = ctx.unknownKey(root, TOP_KEYS, 'at the top level');
  if (topUnknown) throw new FileProblem(topUnknown);

  expectConstant(ctx, root, 'apiVersion', PIPELINE_API_VERSION);
  expectConstant(ctx, root, 'kind', PIPELINE_KIND);

  const metadata = ctx.get(root, 'metadata');
  if (!metadata)
    ctx.fail(
      'metadata is missing (metadata.name is the pipeline name shown in the UI)',
      root,
    );
  if (!isMap(metadata.value)) {
    ctx.fail(
      `metadata must be a map (found ${describeNode(metadata.value)})`,
      ctx.at(metadata),
    );
  }
  const nameEntry = ctx.get(metadata.value, 'name');
  const name = nameEntry ? stringValue(nameEntry.value)?.trim() : undefined;
  if (!nameEntry)
    ctx.fail(
      'metadata.name is missing (the pipeline name shown in the UI)',
      metadata.key,
    );
  if (!name) {
    ctx.fail(
      `metadata.name must be a non-empty string (found ${describeNode(
        nameEntry.value,
      )})`,
      ctx.at(nameEntry),
    );
  }

  const spec = ctx.get(root, 'spec');
  if (!spec)
    ctx.fail(
      'spec is missing (it holds stages, environments and services)',
      root,
    );
  if (!isMap(spec.value))
    ctx.fail(
      `spec must be a map (found ${describeNode(spec.value)})`,
      ctx.at(spec),
    );
  const specUnknown = ctx.unknownKey(spec.value, SPEC_KEYS, 'in spec');
  if (specUnknown) throw new FileProblem(specUnknown);

  const { stages, occurrences } = parseStages(ctx, spec);
  const entries = parseEnvironmentEntries(ctx, spec);
  // spec.steps: the defaults of every environment; broken, it breaks all.
  const defaultsEntry = ctx.get(spec.value as YAMLMap, 'steps');
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
  const services = parseServices(ctx, spec.value, staged, known);

  return {
    definition: { name: name!, stages: stagesOut, environments },
    services,
    environmentErrors,
    fileError: null,
  };
}

export function expectConstant(
  ctx: PipelineContext,
  root: YAMLMap,
  key: string,
  expected: string,
): void {
  const entry = ctx.get(root, key);
  if (!entry)
    ctx.fail(`${key} is missing (expected ${JSON.stringify(expected)})`, root);
  const value = stringValue(entry.value);
  if (value !== expected) {
    const found =
      isScalar(entry.value) && entry.value.value !== null
        ? JSON.stringify(String(entry.value.value))
        : describeNode(entry.value);
    ctx.fail(
      `${key} must be ${JSON.stringify(expected)} (found: ${found})`,
      ctx.at(entry),
    );
  }
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
