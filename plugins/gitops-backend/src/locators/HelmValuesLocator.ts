import { Alias, isMap, isSeq, Scalar } from 'yaml';
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
  YamlFile,
} from './yamlSupport';
import { YamlVersionLocator } from './YamlVersionLocator';

const OPTIONS = {
  path: {
    required: true,
    describe: 'dot path of the version, e.g. image.tag or images[0].tag',
  },
};

/** One step of a dot path: a map key or a list index. */
export type PathSegment = { key: string } | { index: number };

/**
 * Parses `image.tag`, `images[0].tag`, `a.b[1][2]` and, for keys that hold
 * dots or brackets, `global["image.tag"]`. Returns a message on bad syntax.
 */
export function parseDotPath(path: string): PathSegment[] | string {
  const segments: PathSegment[] = [];
  const bad = (why: string) =>
    `path ${JSON.stringify(path)} is not a valid dot path: ${why}`;
  let i = 0;
  // Whether the next thing must be a key (start of path, or after a dot).
  let expectKey = true;
  while (i < path.length) {
    const c = path[i];
    if (c === '[') {
      const close = path.indexOf(']', i);
      if (close < 0) return bad(`unclosed "[" at position ${i + 1}`);
      const inner = path.slice(i + 1, close);
      if (/^\d+$/.test(inner)) {
        segments.push({ index: Number(inner) });
      } else if (/^"[^"]*"$/.test(inner) || /^'[^']*'$/.test(inner)) {
        segments.push({ key: inner.slice(1, -1) });
      } else {
        return bad(`expected a list index or a quoted key inside [${inner}]`);
      }
      i = close + 1;
      expectKey = false;
    } else if (c === '.') {
      if (expectKey) return bad(`empty key at position ${i + 1}`);
      i += 1;
      expectKey = true;
      if (i === path.length) return bad('it ends with "."');
    } else {
      if (!expectKey) return bad(`expected "." or "[" at position ${i + 1}`);
      let end = i;
      while (end < path.length && path[end] !== '.' && path[end] !== '[') {
        if (path[end] === ']')
          return bad(`unexpected "]" at position ${end + 1}`);
        end += 1;
      }
      segments.push({ key: path.slice(i, end) });
      i = end;
      expectKey = false;
    }
  }
  if (segments.length === 0) return bad('it is empty');
  return segments;
}

/** `image.tag`, `images[0]`, for messages. */
function label(segments: PathSegment[]): string {
  let out = '';
  for (const s of segments) {
    if ('index' in s) out += `[${s.index}]`;
    else if (/^[^.[\]"']+$/.test(s.key)) out += out ? `.${s.key}` : s.key;
    else out += `[${JSON.stringify(s.key)}]`;
  }
  return out;
}

/** `helm-values`: the scalar at a dot path of a Helm values file. */
export class HelmValuesLocator extends YamlVersionLocator {
  readonly type = 'helm-values';

  validateOptions(options: LocatorOptions): string | undefined {
    const bad = checkOptions(options, OPTIONS);
    if (bad) return bad;
    const parsed = parseDotPath(options.path as string);
    return typeof parsed === 'string' ? `option "path": ${parsed}` : undefined;
  }

  protected locateValid(
    content: string,
    file: string,
    options: LocatorOptions,
  ): Result<{ yaml: YamlFile; located: Located }> {
    const segments = parseDotPath(options.path as string) as PathSegment[];
    const full = label(segments);

    const parsed = parseYamlFile(content, file);
    if (!parsed.ok) return parsed;
    const yaml = parsed.value;
    const fail = (message: string, node?: unknown) =>
      ({ ok: false, error: sourceError(yaml, message, node) } as const);

    // A values file is a single document; the first non-empty one is it.
    const doc = nonEmptyDocs(yaml)[0];
    if (!doc) return fail(`the values file is empty (looking for ${full})`);

    let current: unknown = doc.contents;
    let raw: unknown = doc.contents;
    let shared: string | undefined;
    // The node messages point at: the key whose value is `current`.
    let closest: unknown = doc.contents;
    for (let i = 0; i < segments.length; i++) {
      const seg = segments[i];
      const here = i === 0 ? 'the values file' : label(segments.slice(0, i));
      // Anything but the final node reached through an alias or merge key is
      // shared with another place of the file.
      if (i > 0 && raw !== current && !shared) shared = `${here} is an alias`;
      if ('key' in seg) {
        if (!isMap(current)) {
          return fail(
            `${here} is ${describeNode(current)}, not a map (looking for "${
              seg.key
            }")`,
            closest,
          );
        }
        const entry = mapGet(doc, current, seg.key);
        if (!entry) {
          return fail(
            `${here} has no key "${seg.key}" (found: ${quoteList(
              mapKeys(doc, current),
            )})`,
            closest,
          );
        }
        if (entry.viaMerge && !shared) {
          shared = `${label(
            segments.slice(0, i + 1),
          )} comes from a merge key (<<)`;
        }
        raw = entry.raw;
        current = entry.value;
        closest = entry.key;
      } else {
        if (!isSeq(current)) {
          return fail(
            `${here} is ${describeNode(current)}, not a list (looking for [${
              seg.index
            }])`,
            closest,
          );
        }
        if (seg.index >= current.items.length) {
          return fail(
            `${here} has ${current.items.length} item(s), no index [${seg.index}]`,
            closest,
          );
        }
        raw = current.items[seg.index];
        current = resolveAlias(doc, raw);
        closest = raw;
      }
    }
    const version = scalarText(current);
    if (version === undefined || version === '') {
      return fail(
        `${full} is ${describeNode(current)}, not a version`,
        closest,
      );
    }
    const located: Located = {
      node: raw as Scalar | Alias,
      version,
      line: lineOf(yaml, raw as Scalar),
      shared,
    };
    return { ok: true, value: { yaml, located } };
  }
}
