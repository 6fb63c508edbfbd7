import { isMap, isSeq, YAMLMap } from 'yaml';
import { NAME_PATTERN } from '@gitops2/plugin-gitops-common';
import {
  describeNode,
  lineOf,
  MapEntry,
  resolveAlias,
  stringValue,
} from '../locators/yamlSupport';
import { FileProblem, NAME_RULE, PipelineContext } from './pipelineContext';

const STAGE_KEYS = ['name', 'environments'];

/** One listing of an environment in a stage. */
export interface Occurrence {
  stage: string;
  stageIndex: number;
  node: unknown;
}

/**
 * Parses `spec.stages`: the stages in order, and where each environment is
 * listed. Any problem here breaks the whole file.
 */
export function parseStages(ctx: PipelineContext, specEntry: MapEntry) {
  const entry = ctx.get(specEntry.value as YAMLMap, 'stages');
  if (!entry)
    ctx.fail(
      'spec.stages is missing: list the promotion stages in order',
      specEntry.key,
    );
  const list = entry.value;
  if (!isSeq(list))
    ctx.fail(
      `spec.stages must be a list (found ${describeNode(list)})`,
      ctx.at(entry),
    );
  if (list.items.length === 0)
    ctx.fail('spec.stages is empty: a pipeline needs at least one stage', list);

  const stages: { name: string; node: unknown }[] = [];
  const occurrences = new Map<string, Occurrence[]>();
  list.items.forEach((item, index) => {
    const stage = resolveAlias(ctx.doc, item);
    if (!isMap(stage)) {
      ctx.fail(
        `spec.stages[${index}] must be a map with name and environments (found ${describeNode(
          stage,
        )})`,
        item,
      );
    }
    const unknown = ctx.unknownKey(
      stage,
      STAGE_KEYS,
      `in spec.stages[${index}]`,
    );
    if (unknown) throw new FileProblem(unknown);
    const nameEntry = ctx.get(stage, 'name');
    if (!nameEntry) ctx.fail(`spec.stages[${index}] has no name`, stage);
    const name = stringValue(nameEntry.value);
    if (name === undefined || !NAME_PATTERN.test(name)) {
      ctx.fail(
        `stage name ${
          name === undefined
            ? `(${describeNode(nameEntry.value)})`
            : JSON.stringify(name)
        } ${NAME_RULE}`,
        ctx.at(nameEntry),
      );
    }
    const previous = stages.find(s => s.name === name);
    if (previous) {
      ctx.fail(
        `stage "${name}" is defined twice (first at line ${lineOf(
          ctx.yaml,
          previous.node as any,
        )})`,
        nameEntry.value,
      );
    }
    stages.push({ name, node: nameEntry.value });

    const envsEntry = ctx.get(stage, 'environments');
    if (!envsEntry)
      ctx.fail(
        `stage "${name}" has no environments: a stage needs at least one`,
        stage,
      );
    const envs = envsEntry.value;
    if (!isSeq(envs)) {
      ctx.fail(
        `environments of stage "${name}" must be a list (found ${describeNode(
          envs,
        )})`,
        ctx.at(envsEntry),
      );
    }
    if (envs.items.length === 0)
      ctx.fail(
        `stage "${name}" has no environments: a stage needs at least one`,
        envs,
      );
    for (const envItem of envs.items) {
      const envNode = resolveAlias(ctx.doc, envItem);
      const env = stringValue(envNode);
      if (env === undefined || !NAME_PATTERN.test(env)) {
        ctx.fail(
          `environment name ${
            env === undefined
              ? `(${describeNode(envNode)})`
              : JSON.stringify(env)
          } in stage "${name}" ${NAME_RULE}`,
          envItem,
        );
      }
      const list2 = occurrences.get(env) ?? [];
      list2.push({ stage: name, stageIndex: index, node: envItem });
      occurrences.set(env, list2);
    }
  });
  return { stages, occurrences };
}
