import { Alias, isMap, isSeq, Scalar, YAMLMap } from 'yaml';
import type { LocatorOptions } from './types';
import {
  checkOptions,
  describeNode,
  Located,
  lineOf,
  mapGet,
  mapKeys,
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
  image: { required: true, describe: 'the images[].name to match' },
};

/**
 * `kustomize-image`: the `newTag` (or, when there is no tag, the `digest`)
 * of the `images[]` entry of a kustomization.yaml whose `name` is
 * `options.image`.
 */
export class KustomizeImageLocator extends YamlVersionLocator {
  readonly type = 'kustomize-image';

  validateOptions(options: LocatorOptions): string | undefined {
    return checkOptions(options, OPTIONS);
  }

  protected locateValid(
    content: string,
    file: string,
    options: LocatorOptions,
  ): Result<{ yaml: YamlFile; located: Located }> {
    const image = options.image as string;

    const parsed = parseYamlFile(content, file);
    if (!parsed.ok) return parsed;
    const yaml = parsed.value;
    const fail = (message: string, node?: unknown) =>
      ({ ok: false, error: sourceError(yaml, message, node) } as const);

    // A kustomization is a single document; the first non-empty one is it.
    const doc = nonEmptyDocs(yaml)[0];
    if (!doc)
      return fail(
        `the kustomization is empty (looking for images[].name "${image}")`,
      );
    const root = doc.contents;
    if (!isMap(root)) {
      return fail(
        `the kustomization is ${describeNode(
          root,
        )}, not a map (looking for images)`,
        root,
      );
    }
    const images = mapGet(doc, root, 'images');
    if (!images) {
      return fail(
        `the kustomization has no images list (found keys: ${quoteList(
          mapKeys(doc, root),
        )})`,
        root,
      );
    }
    if (!isSeq(images.value)) {
      return fail(
        `images is ${describeNode(images.value)}, not a list`,
        images.value ?? images.key,
      );
    }
    const names: string[] = [];
    let entry: YAMLMap | undefined;
    let entryShared = images.viaMerge || images.raw !== images.value;
    for (const item of images.value.items) {
      const itemMap = resolveAlias(doc, item);
      if (!isMap(itemMap)) continue;
      const name = mapGet(doc, itemMap, 'name');
      const nameText = name ? stringValue(name.value) : undefined;
      if (nameText === undefined) continue;
      names.push(nameText);
      if (nameText === image && !entry) {
        entry = itemMap;
        entryShared = entryShared || itemMap !== item;
      }
    }
    if (!entry) {
      return fail(
        `images has no entry named "${image}" (found: ${quoteList(names)})`,
        images.key,
      );
    }
    const newTag = mapGet(doc, entry, 'newTag');
    const digest = mapGet(doc, entry, 'digest');
    let field: 'newTag' | 'digest' | undefined;
    if (newTag) field = 'newTag';
    else if (digest) field = 'digest';
    const chosen = newTag ?? digest;
    if (!chosen || !field) {
      return fail(
        `images entry "${image}" has neither newTag nor digest (found keys: ${quoteList(
          mapKeys(doc, entry),
        )})`,
        entry,
      );
    }
    const version = scalarText(chosen.value);
    if (version === undefined || version === '') {
      return fail(
        `images entry "${image}" has ${field} set to ${describeNode(
          chosen.value,
        )}, not a version`,
        chosen.value ?? chosen.key,
      );
    }
    const located: Located = {
      node: chosen.raw as Scalar | Alias,
      version,
      line: lineOf(yaml, chosen.raw as Scalar),
    };
    if (entryShared || chosen.viaMerge) {
      located.shared = `images entry "${image}" is shared through an alias or merge key`;
    }
    return { ok: true, value: { yaml, located } };
  }
}
