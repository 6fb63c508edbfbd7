import { isMap, isScalar, YAMLMap } from 'yaml';
import {
  describeNode,
  docLine,
  MapEntry,
  nonEmptyDocs,
  parseYamlFile,
  stringValue,
} from '../locators/yamlSupport';
import { FileProblem, PipelineContext } from './pipelineContext';

export const PIPELINE_API_VERSION = 'gitops2.io/v1alpha1';
export const PIPELINE_KIND = 'Pipeline';

const TOP_KEYS = ['apiVersion', 'kind', 'metadata', 'spec'];
const SPEC_KEYS = ['stages', 'environments', 'services', 'steps'];

/** What the rest of the file is parsed from: the pipeline name and its spec. */
export interface PipelineHeader {
  name: string;
  spec: MapEntry;
  specMap: YAMLMap;
}

/**
 * Loads the single YAML document of the file into `ctx` and checks its
 * top level: apiVersion, kind, metadata.name and spec. Throws FileProblem.
 */
export function parseHeader(
  ctx: PipelineContext,
  content: string,
): PipelineHeader {
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
  return { name: name!, spec, specMap: spec.value };
}

function expectConstant(
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
