import { Alias, Document, isMap, isSeq, Scalar, YAMLMap } from 'yaml';
import type { LocatorOptions } from './types';
import {
  checkOptions,
  describeNode,
  Located,
  lineOf,
  mapGet,
  mapKeys,
  MapEntry,
  nonEmptyDocs,
  parseYamlFile,
  quoteList,
  resolveAlias,
  Result,
  scalarText,
  sourceError,
  stringValue,
  YamlFile,
} from './yamlSupport';
import { YamlVersionLocator } from './YamlVersionLocator';

const OPTIONS = {
  field: {
    required: false,
    describe:
      'what holds the version: targetRevision (default) or helm-parameter',
    values: ['targetRevision', 'helm-parameter'],
  },
  parameter: {
    required: false,
    describe:
      'the helm parameter name, e.g. image.tag (for field: helm-parameter)',
  },
  application: {
    required: false,
    describe: 'the Application metadata.name, for files with several documents',
  },
};

/**
 * `argocd-application`: `spec.source.targetRevision` or
 * `spec.source.helm.parameters[name=…].value` of an Argo CD Application;
 * for multi-source Applications, the first of `spec.sources[]`.
 */
export class ArgoCdApplicationLocator extends YamlVersionLocator {
  readonly type = 'argocd-application';

  validateOptions(options: LocatorOptions): string | undefined {
    const bad = checkOptions(options, OPTIONS);
    if (bad) return bad;
    const field = options.field ?? 'targetRevision';
    if (field === 'helm-parameter' && options.parameter === undefined) {
      return 'option "parameter" is required with field: helm-parameter (e.g. image.tag)';
    }
    if (field === 'targetRevision' && options.parameter !== undefined) {
      return 'option "parameter" is only used with field: helm-parameter';
    }
    return undefined;
  }

  protected locateValid(
    content: string,
    file: string,
    options: LocatorOptions,
  ): Result<{ yaml: YamlFile; located: Located }> {
    const field = (options.field as string | undefined) ?? 'targetRevision';
    const parameter = options.parameter as string | undefined;
    const wantName = options.application as string | undefined;

    const parsed = parseYamlFile(content, file);
    if (!parsed.ok) return parsed;
    const yaml = parsed.value;
    const fail = (message: string, node?: unknown) =>
      ({ ok: false, error: sourceError(yaml, message, node) } as const);

    // Find the Application document.
    const kinds: string[] = [];
    const names: string[] = [];
    let app: { doc: Document.Parsed; root: YAMLMap; name: string } | undefined;
    for (const doc of nonEmptyDocs(yaml)) {
      const root = doc.contents;
      if (!isMap(root)) continue;
      const kind = stringValue(mapGet(doc, root, 'kind')?.value);
      if (kind) kinds.push(kind);
      if (kind !== 'Application') continue;
      const metadata = mapGet(doc, root, 'metadata')?.value;
      const name =
        (isMap(metadata) &&
          stringValue(mapGet(doc, metadata, 'name')?.value)) ||
        '';
      names.push(name);
      if (wantName === undefined || name === wantName) {
        app = { doc, root, name };
        break;
      }
    }
    if (!app) {
      const first = nonEmptyDocs(yaml)[0]?.contents;
      if (names.length === 0) {
        return fail(
          `no Argo CD Application in the file (found kinds: ${quoteList(
            kinds,
          )})`,
          first,
        );
      }
      return fail(
        `no Application named "${wantName}" in the file (found: ${quoteList(
          names,
        )})`,
        first,
      );
    }
    const { doc, root } = app;
    const what = `Application "${app.name}"`;
    let shared: string | undefined;
    const note = (entry: MapEntry, path: string) => {
      if (!shared && (entry.viaMerge || entry.raw !== entry.value)) {
        shared = `${path} of ${what} is shared through an alias or merge key`;
      }
    };

    const spec = mapGet(doc, root, 'spec');
    if (!spec || !isMap(spec.value)) {
      return fail(
        spec
          ? `spec of ${what} is ${describeNode(spec.value)}, not a map`
          : `the ${what} has no spec`,
        spec?.value ?? root,
      );
    }
    note(spec, 'spec');

    // spec.source, or else the first of spec.sources[].
    let source: YAMLMap | undefined;
    let sourcePath = 'spec.source';
    const single = mapGet(doc, spec.value, 'source');
    if (single) {
      if (!isMap(single.value)) {
        return fail(
          `spec.source of ${what} is ${describeNode(single.value)}, not a map`,
          single.value ?? single.key,
        );
      }
      note(single, sourcePath);
      source = single.value;
    } else {
      const multi = mapGet(doc, spec.value, 'sources');
      if (!multi) {
        return fail(
          `the ${what} has neither spec.source nor spec.sources (found keys: ${quoteList(
            mapKeys(doc, spec.value),
          )})`,
          spec.value,
        );
      }
      sourcePath = 'spec.sources[0]';
      const first = isSeq(multi.value) ? multi.value.items[0] : undefined;
      const firstMap = resolveAlias(doc, first);
      if (!isMap(firstMap)) {
        return fail(
          isSeq(multi.value)
            ? `spec.sources[0] of ${what} is ${describeNode(
                firstMap,
              )}, not a map`
            : `spec.sources of ${what} is ${describeNode(
                multi.value,
              )}, not a list`,
          firstMap ?? multi.value ?? multi.key,
        );
      }
      note(multi, 'spec.sources');
      if (!shared && first !== firstMap)
        shared = `spec.sources[0] of ${what} is an alias`;
      source = firstMap;
    }

    let target: MapEntry | undefined;
    let targetPath: string;
    if (field === 'targetRevision') {
      targetPath = `${sourcePath}.targetRevision`;
      target = mapGet(doc, source, 'targetRevision');
      if (!target) {
        return fail(
          `${sourcePath} of ${what} has no targetRevision (found keys: ${quoteList(
            mapKeys(doc, source),
          )})`,
          source,
        );
      }
    } else {
      targetPath = `${sourcePath}.helm.parameters[name=${parameter}].value`;
      const helm = mapGet(doc, source, 'helm');
      const params =
        helm && isMap(helm.value)
          ? mapGet(doc, helm.value, 'parameters')
          : undefined;
      if (!helm || !params || !isSeq(params.value)) {
        return fail(
          `${sourcePath} of ${what} has no helm.parameters list (looking for parameter "${parameter}")`,
          params?.value ?? helm?.value ?? source,
        );
      }
      note(helm, `${sourcePath}.helm`);
      note(params, `${sourcePath}.helm.parameters`);
      const found: string[] = [];
      let entry: YAMLMap | undefined;
      for (const item of params.value.items) {
        const p = resolveAlias(doc, item);
        if (!isMap(p)) continue;
        const name = stringValue(mapGet(doc, p, 'name')?.value);
        if (name === undefined) continue;
        found.push(name);
        if (name === parameter) {
          entry = p;
          if (!shared && p !== item)
            shared = `helm parameter "${parameter}" is an alias`;
          break;
        }
      }
      if (!entry) {
        return fail(
          `${sourcePath}.helm.parameters of ${what} has no entry named "${parameter}" (found: ${quoteList(
            found,
          )})`,
          params.value,
        );
      }
      target = mapGet(doc, entry, 'value');
      if (!target) {
        return fail(
          `helm parameter "${parameter}" of ${what} has no value`,
          entry,
        );
      }
    }
    if (target.viaMerge && !shared)
      shared = `${targetPath} comes from a merge key (<<)`;
    const version = scalarText(target.value);
    if (version === undefined || version === '') {
      return fail(
        `${targetPath} of ${what} is ${describeNode(
          target.value,
        )}, not a version`,
        target.raw ?? target.key,
      );
    }
    const located: Located = {
      node: target.raw as Scalar | Alias,
      version,
      line: lineOf(yaml, target.raw as Scalar),
      shared,
    };
    return { ok: true, value: { yaml, located } };
  }
}
