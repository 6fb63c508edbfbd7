import { ConflictError, InputError } from '@backstage/errors';
import type { EnvironmentCreateRequest } from '@gitops2/plugin-gitops-common';
import { isMap, isScalar, isSeq, parseDocument, YAMLMap } from 'yaml';
import type { ParsedPipeline } from '../pipeline/types';
import {
  appendToMap,
  appendToSeq,
  applySplices,
  insertAfterSeqItem,
  Splice,
} from './yamlSplice';
import { replaceEnvironmentToken } from './rewriteManifest';

/**
 * The pipeline file with a new environment: its stage (a new one after a
 * given stage, or a place in an existing stage), its entry under
 * `spec.environments`, and per service the override that keeps it where the
 * source environment has it (enabled or not, the same path and locator
 * overrides with the environment's name replaced). Lines are inserted at
 * the positions the `yaml` Document API gives: nothing else of the file
 * changes, comments and blank lines included.
 */
export function editPipelineFile(options: {
  text: string;
  file: string;
  parsed: ParsedPipeline;
  request: EnvironmentCreateRequest;
}): string {
  const { text, file, parsed, request } = options;
  const { name, sourceEnvironment: source } = request;
  const doc = parseDocument(text, { keepSourceTokens: true });
  const spec = doc.get('spec');
  if (!isMap(spec))
    throw new ConflictError(`${file}: spec is not a map; cannot add ${name}`);
  const splices: Splice[] = [];
  const fail = (what: string): never => {
    throw new ConflictError(
      `${file}: ${what}; edit the file by hand or rewrite that part in block style`,
    );
  };

  // 1. The stage.
  const stages = spec.get('stages');
  if (!isSeq(stages)) return fail('spec.stages is not a sequence');
  const stageIndex = (stageName: string) =>
    stages.items.findIndex(
      s => isMap(s) && String((s as YAMLMap).get('name')) === stageName,
    );
  if (request.placement.kind === 'after-stage') {
    const i = stageIndex(request.placement.after);
    if (i < 0)
      throw new InputError(`unknown stage "${request.placement.after}"`);
    if (stages.flow) fail('spec.stages is written in flow style ([...])');
    splices.push(
      insertAfterSeqItem(text, stages, i, {
        name,
        environments: [name],
      }),
    );
  } else {
    const i = stageIndex(request.placement.stage);
    if (i < 0)
      throw new InputError(`unknown stage "${request.placement.stage}"`);
    const envs = (stages.items[i] as YAMLMap).get('environments');
    if (!isSeq(envs))
      fail(`stage "${request.placement.stage}" has no environments list`);
    splices.push(appendToSeq(text, envs as any, name));
  }

  // 2. The environment's entry.
  const environments = spec.get('environments');
  if (!isMap(environments)) return fail('spec.environments is not a map');
  splices.push(
    appendToMap(text, environments, name, {
      cluster: request.cluster,
      namespace: request.namespace,
      ...(request.url ? { url: request.url } : {}),
      ...(request.promotion && Object.keys(request.promotion).length
        ? { promotion: request.promotion }
        : {}),
    }),
  );

  // 3. Per service: where the source environment has it, the new one too.
  const services = spec.get('services');
  if (isMap(services)) {
    for (const pair of services.items) {
      const service = String((pair.key as any)?.value ?? pair.key);
      const svc = pair.value;
      if (!isMap(svc)) continue; // a broken entry: refused by the planner
      const inSource = parsed.services[service]?.[source];
      const enabledInSource = Boolean(inSource && !('error' in inSource));
      const enabledNode = svc.get('enabled', true);
      const enabledByDefault = !(
        isScalar(enabledNode) && enabledNode.value === false
      );
      const overridesNode = svc.get('environments', true);
      const sourceOverride = isMap(overridesNode)
        ? overridesNode.get(source, true)
        : undefined;
      let override: Record<string, unknown> | undefined;
      if (enabledInSource) {
        if (isMap(sourceOverride) && sourceOverride.items.length > 0) {
          override = replaceEnvironmentToken(
            sourceOverride.toJSON(),
            source,
            name,
          ) as Record<string, unknown>;
          const sourcePath = (sourceOverride.toJSON() as any).path;
          if (sourcePath !== undefined && override.path === sourcePath) {
            throw new InputError(
              `service "${service}" has its own path for ${source} (${sourcePath}), which does not contain the environment's name: give ${name} a path by hand`,
            );
          }
        } else if (!enabledByDefault) {
          override = { enabled: true };
        }
      } else if (enabledByDefault) {
        override = { enabled: false };
      }
      if (!override) continue;
      if (isMap(overridesNode)) {
        splices.push(appendToMap(text, overridesNode, name, override));
      } else if (overridesNode === undefined || overridesNode === null) {
        splices.push(
          appendToMap(text, svc, 'environments', { [name]: override }),
        );
      } else if (isScalar(overridesNode) && overridesNode.value === null) {
        fail(`service "${service}" has an empty environments key`);
      } else {
        fail(`environments of service "${service}" is not a map`);
      }
    }
  }
  return applySplices(text, splices);
}
