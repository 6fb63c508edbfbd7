import { Document, isScalar, YAMLMap } from 'yaml';
import { SourceError } from '@gitops2/plugin-gitops-common';
import type { VersionLocatorRegistry } from '../locators/VersionLocatorRegistry';
import {
  lineOf,
  mapEntries,
  MapEntry,
  mapGet,
  YamlFile,
} from '../locators/yamlSupport';
import { parseSteps, StepTypeCatalog } from './parseSteps';

export const NAME_RULE =
  'must be 1-63 letters, digits, ".", "_" or "-", starting and ending with a letter or digit';

/** A problem that makes the whole file unusable. */
export class FileProblem extends Error {
  constructor(readonly sourceError: SourceError) {
    super(sourceError.message);
  }
}

/**
 * What every part of the pipeline parser shares: the file being parsed, its
 * YAML document, and the helpers that turn a node into a located error.
 */
export class PipelineContext {
  yaml!: YamlFile;
  doc!: Document.Parsed;

  constructor(
    readonly file: string,
    readonly registry: VersionLocatorRegistry,
    readonly stepTypes: StepTypeCatalog,
  ) {}

  /** Steps of `node` (`spec.steps` or an environment's), or their first error. */
  steps(node: unknown, where: string) {
    return parseSteps(this.doc, node, where, this.stepTypes, (m, n) =>
      this.error(m, n),
    );
  }

  error(message: string, node?: unknown): SourceError {
    return { message, file: this.file, line: lineOf(this.yaml, node as any) };
  }

  fail(message: string, node?: unknown): never {
    throw new FileProblem(this.error(message, node));
  }

  get(map: YAMLMap, key: string): MapEntry | undefined {
    return mapGet(this.doc, map, key);
  }

  /** The first key of `map` not in `allowed`, as a message, or undefined. */
  unknownKey(
    map: YAMLMap,
    allowed: string[],
    where: string,
  ): SourceError | undefined {
    for (const entry of mapEntries(this.doc, map)) {
      const key = String(isScalar(entry.key) ? entry.key.value : '');
      if (!allowed.includes(key)) {
        return this.error(
          `unknown key "${key}" ${where} (expected: ${allowed.join(', ')})`,
          entry.key,
        );
      }
    }
    return undefined;
  }

  /** Node to point at for an entry: its value, or its key when the value is empty. */
  at(entry: MapEntry): unknown {
    return entry.value && (entry.value as any).range ? entry.value : entry.key;
  }
}
