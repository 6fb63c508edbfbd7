import type {
  EnvironmentSteps,
  PipelineStep,
  SourceError,
} from '@gitops2/plugin-gitops-common';
import { Document, isMap, isScalar, isSeq, YAMLMap } from 'yaml';
import { describeNode, mapEntries, toPlain } from '../locators/yamlSupport';
import { parseDurationSeconds } from './promotionPolicy';

/** What the parser needs to know of the step types (the StepRegistry). */
export interface StepTypeCatalog {
  get(
    type: string,
  ): { validateOptions(options: unknown): string | undefined } | undefined;
  types(): string[];
}

const PHASES = ['before', 'after'] as const;
const STEP_KEYS = ['type', 'name', 'when', 'timeout', 'options'];
const WHEN = ['onSuccess', 'onFailure', 'always'];
const NAME = /^[a-z0-9]([a-z0-9._-]{0,61}[a-z0-9])?$/i;
const DEFAULT_TIMEOUT_SECONDS = 600;
const MAX_STEPS_PER_PHASE = 20;

type Fail = (message: string, node: unknown) => SourceError;

/**
 * Parses a `steps:` map (`spec.steps`, the defaults, or an environment's
 * own) into its phases, or the first error with its line. A step type the
 * registry does not know, bad options, a bad duration or a duplicate name
 * is an error: verification is never skipped silently.
 */
export function parseSteps(
  doc: Document.Parsed,
  node: unknown,
  where: string,
  catalog: StepTypeCatalog,
  error: Fail,
): Partial<EnvironmentSteps> | { error: SourceError } {
  if (isScalar(node) && node.value === null) return {};
  if (!isMap(node))
    return {
      error: error(
        `${where} must be a map with before and/or after (found ${describeNode(
          node,
        )})`,
        node,
      ),
    };
  const out: Partial<EnvironmentSteps> = {};
  for (const entry of mapEntries(doc, node as YAMLMap)) {
    const phase = String(isScalar(entry.key) ? entry.key.value : '');
    if (!(PHASES as readonly string[]).includes(phase))
      return {
        error: error(
          `unknown key ${JSON.stringify(
            phase,
          )} ${where} (known: before, after)`,
          entry.key,
        ),
      };
    const parsed = parsePhase(
      doc,
      entry.value,
      `${where}.${phase}`,
      catalog,
      error,
    );
    if ('error' in parsed) return parsed;
    out[phase as 'before' | 'after'] = parsed.steps;
  }
  return out;
}

function parsePhase(
  doc: Document.Parsed,
  node: unknown,
  where: string,
  catalog: StepTypeCatalog,
  error: Fail,
): { steps: PipelineStep[] } | { error: SourceError } {
  if (isScalar(node) && node.value === null) return { steps: [] };
  if (!isSeq(node))
    return {
      error: error(
        `${where} must be a list of steps (found ${describeNode(node)})`,
        node,
      ),
    };
  if (node.items.length > MAX_STEPS_PER_PHASE)
    return {
      error: error(
        `${where} has ${node.items.length} steps; at most ${MAX_STEPS_PER_PHASE}`,
        node,
      ),
    };
  const steps: PipelineStep[] = [];
  const names = new Set<string>();
  for (const [index, item] of node.items.entries()) {
    const at = `${where}[${index}]`;
    const step = parseStep(doc, item, at, index, catalog, error);
    if ('error' in step) return step;
    if (names.has(step.name))
      return {
        error: error(
          `${at}: step name ${JSON.stringify(
            step.name,
          )} is used twice in ${where}; give one a name`,
          item,
        ),
      };
    names.add(step.name);
    steps.push(step);
  }
  return { steps };
}

function parseStep(
  doc: Document.Parsed,
  item: unknown,
  at: string,
  index: number,
  catalog: StepTypeCatalog,
  error: Fail,
): PipelineStep | { error: SourceError } {
  if (!isMap(item))
    return {
      error: error(
        `${at} must be a map with type and options (found ${describeNode(
          item,
        )})`,
        item,
      ),
    };
  const raw = toPlain(doc, item) as Record<string, unknown>;
  const unknown = Object.keys(raw).find(k => !STEP_KEYS.includes(k));
  if (unknown)
    return {
      error: error(
        `${at}: unknown key ${JSON.stringify(unknown)} (known: ${STEP_KEYS.join(
          ', ',
        )}; the type's own settings go under options)`,
        item,
      ),
    };
  const type = raw.type;
  if (typeof type !== 'string' || !type)
    return { error: error(`${at}: type is missing`, item) };
  const stepType = catalog.get(type);
  if (!stepType)
    return {
      error: error(
        `${at}: unknown step type ${JSON.stringify(type)} (known: ${catalog
          .types()
          .join(', ')})`,
        item,
      ),
    };
  let name = raw.name;
  if (name === undefined) name = index ? `${type}-${index + 1}` : type;
  if (typeof name !== 'string' || !NAME.test(name))
    return {
      error: error(
        `${at}: name must be 1-63 letters, digits, ".", "_" or "-"`,
        item,
      ),
    };
  const when = raw.when ?? 'onSuccess';
  if (typeof when !== 'string' || !WHEN.includes(when))
    return {
      error: error(`${at}: when must be one of ${WHEN.join(', ')}`, item),
    };
  let timeoutSeconds = DEFAULT_TIMEOUT_SECONDS;
  if (raw.timeout !== undefined) {
    const parsed =
      typeof raw.timeout === 'string'
        ? parseDurationSeconds(raw.timeout)
        : undefined;
    if (!parsed)
      return {
        error: error(
          `${at}: timeout must be a duration like 90s, 10m or 2h`,
          item,
        ),
      };
    timeoutSeconds = parsed;
  }
  const options = (raw.options ?? {}) as Record<string, unknown>;
  if (typeof options !== 'object' || Array.isArray(options))
    return { error: error(`${at}: options must be a map`, item) };
  let invalid: string | undefined;
  try {
    invalid = stepType.validateOptions(options);
  } catch (e) {
    invalid = `validation failed: ${(e as Error).message}`;
  }
  if (invalid)
    return { error: error(`${at} (${type} ${name}): ${invalid}`, item) };
  return {
    type,
    name,
    when: when as PipelineStep['when'],
    timeoutSeconds,
    options: options as PipelineStep['options'],
  };
}

/** An environment's steps: its own phases, else the file's defaults. */
export function mergeSteps(
  defaults: Partial<EnvironmentSteps>,
  own: Partial<EnvironmentSteps>,
): EnvironmentSteps | undefined {
  const merged: EnvironmentSteps = {
    before: own.before ?? defaults.before ?? [],
    after: own.after ?? defaults.after ?? [],
  };
  return merged.before.length || merged.after.length ? merged : undefined;
}
