/*
 * Shared YAML plumbing of the version locators and the pipeline parser:
 * parsing with line numbers, lookups that follow aliases and merge keys,
 * and the surgical scalar splice used by `write`.
 */
import {
  Alias,
  Document,
  isAlias,
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  Node,
  parseAllDocuments,
  parseDocument,
  Scalar,
  YAMLMap,
} from 'yaml';
import type { SourceError } from '@gitops2/plugin-gitops-common';
import type { LocatorOptions } from './types';
import { aliasTarget, indexAliases, isMergeKey } from './yamlAliases';

/** A parsed YAML file, every document with its line counter. */
export interface YamlFile {
  file: string;
  docs: Document.Parsed[];
  lineCounter: LineCounter;
}

export type Result<T> =
  | { ok: true; value: T }
  | { ok: false; error: SourceError };

/**
 * Parses every document of a file. The first syntax error (in file order)
 * becomes an error result with its 1-based line.
 */
export function parseYamlFile(content: string, file: string): Result<YamlFile> {
  const lineCounter = new LineCounter();
  // merge: true so that `<<: *defaults` behaves as the YAML 1.1 merge key that
  // Kubernetes, Helm and Argo CD accept.
  const docs = parseAllDocuments(content, {
    lineCounter,
    prettyErrors: false,
    merge: true,
  });
  const errors: { message: string; offset: number }[] = Array.from(
    docs,
  ).flatMap(doc =>
    doc.errors.map(e => ({
      message: `invalid YAML: ${describeYamlError(e, lineCounter)}`,
      offset: e.pos[0],
    })),
  );
  // Every alias gets its target once, and alias or merge-key bombs,
  // recursive aliases and unresolved aliases (which the parser accepts but
  // every consumer would fail on) are refused: see yamlAliases.ts.
  for (const doc of docs) {
    if (doc.errors.length > 0) continue;
    const problem = indexAliases(doc);
    if (problem) errors.push(problem);
  }
  if (errors.length > 0) {
    const first = errors.reduce((a, b) => (b.offset < a.offset ? b : a));
    return {
      ok: false,
      error: {
        message: first.message,
        file,
        line: lineCounter.linePos(first.offset).line,
      },
    };
  }
  return { ok: true, value: { file, docs: Array.from(docs), lineCounter } };
}

/**
 * The parser's message, except for a stack overflow: the yaml library
 * reports collections nested too deep for its recursion as "Maximum call
 * stack size exceeded", which says nothing to whoever wrote the file.
 */
function describeYamlError(
  e: { message: string; pos: [number, number] },
  lineCounter: LineCounter,
): string {
  if (/^Maximum call stack size exceeded/.test(e.message))
    return `collections nested too deep to read (hundreds of levels) at column ${
      lineCounter.linePos(e.pos[0]).col
    }`;
  return lowerFirst(e.message);
}

/** Documents that hold something (skips empty `---` sections). */
export function nonEmptyDocs(yaml: YamlFile): Document.Parsed[] {
  return yaml.docs.filter(
    doc => doc.contents !== null && doc.contents !== undefined,
  );
}

export function lowerFirst(s: string): string {
  return s.length > 0 ? s[0].toLowerCase() + s.slice(1) : s;
}

/** 1-based line of a node, or of `fallback` (default line 1). */
export function lineOf(
  yaml: YamlFile,
  node: { range?: [number, number, number] | null } | null | undefined,
  fallback = 1,
): number {
  if (node && node.range) {
    return yaml.lineCounter.linePos(node.range[0]).line;
  }
  return fallback;
}

/** 1-based line where a document starts (its `---`, or its first line). */
export function docLine(yaml: YamlFile, doc: Document.Parsed): number {
  return lineOf(yaml, { range: doc.range });
}

export function sourceError(
  yaml: YamlFile,
  message: string,
  node?: unknown,
): SourceError {
  return {
    message,
    file: yaml.file,
    line: lineOf(yaml, node as Node | undefined),
  };
}

/** "a map", "a list", "a number", … for messages. */
export function describeNode(node: unknown): string {
  if (node === null || node === undefined) return 'nothing';
  if (isMap(node)) return 'a map';
  if (isSeq(node)) return 'a list';
  if (isAlias(node)) return `an alias (*${node.source})`;
  if (isScalar(node)) {
    const v = node.value;
    if (v === null || v === undefined) return 'an empty value';
    if (typeof v === 'string') return 'a string';
    if (typeof v === 'number' || typeof v === 'bigint') return 'a number';
    if (typeof v === 'boolean') return 'a boolean';
    return 'a scalar';
  }
  return 'an unknown node';
}

/** `"a", "b"` or `none`, for the `(found: …)` part of messages. */
export function quoteList(values: string[]): string {
  return values.length > 0
    ? values.map(v => JSON.stringify(v)).join(', ')
    : 'none';
}

/** The node behind an alias (aliases point backwards, so chains end). */
export function resolveAlias(doc: Document.Parsed, node: unknown): unknown {
  let current = node;
  for (let i = 0; i < 100 && isAlias(current); i++) {
    current = aliasTarget(doc, current);
  }
  return current;
}

/** One key of a map as found by `mapGet`. */
export interface MapEntry {
  /** The key node (for lines). */
  key: Scalar;
  /** The value as written (may be an alias); null for `key:` with nothing. */
  raw: unknown;
  /** The value with aliases resolved. */
  value: unknown;
  /**
   * True when the value is reached through a merge key (`<<`), so that the
   * node also belongs to another map.
   */
  viaMerge: boolean;
}

function keyName(key: unknown): string | undefined {
  if (!isScalar(key)) return undefined;
  const v = key.value;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean')
    return String(key.source ?? v);
  return undefined;
}

/** mapEntries per map: parsed documents are never changed. */
const entriesOf = new WeakMap<YAMLMap, readonly MapEntry[]>();

/**
 * Entries of a map in order, own keys first, then merged (`<<`) keys.
 * Computed once per map, so a map merged many times costs its entries once
 * (the merge depth and alias expansion are bounded by yamlAliases.ts).
 */
export function mapEntries(
  doc: Document.Parsed,
  map: YAMLMap,
): readonly MapEntry[] {
  const known = entriesOf.get(map);
  if (known) return known;
  const entries: MapEntry[] = [];
  const seen = new Set<string>();
  for (const pair of map.items) {
    const name = keyName(pair.key);
    if (isMergeKey(pair.key) || name === undefined || seen.has(name)) continue;
    seen.add(name);
    entries.push({
      key: pair.key as Scalar,
      raw: pair.value,
      value: resolveAlias(doc, pair.value),
      viaMerge: false,
    });
  }
  // Own keys win over merged ones; among merged maps, the first one wins.
  for (const pair of map.items) {
    if (!isMergeKey(pair.key)) continue;
    const target = resolveAlias(doc, pair.value);
    const sources = isSeq(target)
      ? target.items.map(item => resolveAlias(doc, item))
      : [target];
    for (const source of sources) {
      if (!isMap(source)) continue;
      for (const entry of mapEntries(doc, source)) {
        const name = keyName(entry.key)!;
        if (seen.has(name)) continue;
        seen.add(name);
        entries.push({ ...entry, viaMerge: true });
      }
    }
  }
  entriesOf.set(map, entries);
  return entries;
}

export function mapGet(
  doc: Document.Parsed,
  map: YAMLMap,
  key: string,
): MapEntry | undefined {
  return mapEntries(doc, map).find(e => keyName(e.key) === key);
}

export function mapKeys(doc: Document.Parsed, map: YAMLMap): string[] {
  return mapEntries(doc, map).map(e => keyName(e.key) ?? '');
}

/**
 * A node as plain data (maps as objects, lists as arrays), with aliases and
 * merge keys resolved as the lookups above resolve them. Used instead of the
 * yaml library's toJS, which resolves each alias by walking the document.
 */
export function toPlain(doc: Document.Parsed, node: unknown): unknown {
  const value = resolveAlias(doc, node);
  if (isMap(value)) {
    return Object.fromEntries(
      mapEntries(doc, value).map(e => [keyName(e.key), toPlain(doc, e.value)]),
    );
  }
  if (isSeq(value)) return value.items.map(item => toPlain(doc, item));
  if (isScalar(value)) return value.value;
  return null;
}

/**
 * The text of a scalar as a version: strings as they are, numbers as written
 * (`1.10` stays `1.10`), undefined for empty values, maps and lists.
 */
export function scalarText(node: unknown): string | undefined {
  if (!isScalar(node)) return undefined;
  const v = node.value;
  if (v === null || v === undefined) return undefined;
  if (typeof v === 'string') return v;
  if (
    typeof v === 'number' ||
    typeof v === 'bigint' ||
    typeof v === 'boolean'
  ) {
    return typeof node.source === 'string' ? node.source : String(v);
  }
  return undefined;
}

/** A string-valued scalar's text (no numbers or booleans), or undefined. */
export function stringValue(node: unknown): string | undefined {
  return isScalar(node) && typeof node.value === 'string'
    ? node.value
    : undefined;
}

// ---------------------------------------------------------------------------
// Option checks shared by the locators.

export type OptionSpec = Record<
  string,
  { required: boolean; describe: string; values?: string[] }
>;

/**
 * Checks locator options against a small spec: known keys only, non-empty
 * strings, optional enumerations. Returns a message naming the bad key.
 */
export function checkOptions(
  options: LocatorOptions,
  spec: OptionSpec,
): string | undefined {
  if (
    options === null ||
    typeof options !== 'object' ||
    Array.isArray(options)
  ) {
    return 'options must be a map';
  }
  const known = Object.keys(spec);
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) {
      return `unknown option "${key}" (expected: ${known.join(', ')})`;
    }
  }
  for (const [key, rule] of Object.entries(spec)) {
    const value = options[key];
    if (value === undefined || value === null) {
      if (rule.required) return `option "${key}" is required: ${rule.describe}`;
      continue;
    }
    if (typeof value !== 'string' || value.trim() === '') {
      return `option "${key}" must be a non-empty string: ${
        rule.describe
      } (found: ${JSON.stringify(value)})`;
    }
    if (rule.values && !rule.values.includes(value)) {
      return `option "${key}" must be one of ${quoteList(
        rule.values,
      )} (found: ${JSON.stringify(value)})`;
    }
  }
  return undefined;
}

// ---------------------------------------------------------------------------
// Writing.

/** Versions `write` accepts: one safe token, so a splice cannot break YAML. */
export const SAFE_VERSION_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._+@:/-]{0,127}$/;

export function checkVersionToken(version: unknown): string | undefined {
  if (typeof version !== 'string') {
    return `refusing to write version: expected a string (found: ${typeof version})`;
  }
  if (SAFE_VERSION_PATTERN.test(version)) return undefined;
  return (
    `refusing to write version ${JSON.stringify(
      version,
    )}: a version must be one token of ` +
    `1-128 letters, digits, ".", "_", "+", "@", ":", "/" or "-", starting with a letter or digit`
  );
}

/**
 * True when `value` written as a plain scalar would not read back as that
 * same string, under YAML 1.2 (this library, kustomize) or YAML 1.1 (Helm's
 * Go parser, where `on`, `1.5`, `12:30` are not strings).
 */
export function needsQuotes(value: string): boolean {
  for (const version of ['1.2', '1.1'] as const) {
    const doc = parseDocument(value, { version });
    const node = doc.contents;
    if (
      doc.errors.length > 0 ||
      !isScalar(node) ||
      node.type !== Scalar.PLAIN ||
      node.value !== value
    ) {
      return true;
    }
  }
  return false;
}

/** The node `write` rewrites, as found by a locator. */
export interface Located {
  /** The scalar holding the version (or an alias standing for it). */
  node: Scalar | Alias;
  version: string;
  line: number;
  /** The full scalar value for a new version (container images keep the repository). */
  render?: (version: string) => string;
  /**
   * Set when the node is reached through an alias or merge key of a
   * collection: rewriting it would change other places too.
   */
  shared?: string;
}

/**
 * Replaces one scalar's text in the original string, keeping its quoting
 * style; everything outside the scalar's range is untouched.
 */
export function spliceScalar(
  content: string,
  yaml: YamlFile,
  node: Scalar | Alias,
  newValue: string,
): Result<string> {
  const range = node.range;
  const where = { file: yaml.file, line: lineOf(yaml, node) };
  if (!range) {
    return {
      ok: false,
      error: {
        message: 'the version node has no position in the file',
        ...where,
      },
    };
  }
  const [start, end] = range;
  const written = content.slice(start, end);
  let text: string;
  if (isAlias(node)) {
    // Replace only this use of the anchor; the anchored value stays as is.
    text = needsQuotes(newValue) ? `"${newValue}"` : newValue;
  } else if (node.type === Scalar.PLAIN) {
    if (written !== node.source || written.includes('\n')) {
      return refuseStyle(where, 'a multi-line plain scalar');
    }
    text = needsQuotes(newValue) ? `"${newValue}"` : newValue;
  } else if (node.type === Scalar.QUOTE_DOUBLE) {
    if (written !== `"${node.value}"`) {
      return refuseStyle(
        where,
        'a double-quoted scalar with escapes or line breaks',
      );
    }
    text = `"${newValue}"`;
  } else if (node.type === Scalar.QUOTE_SINGLE) {
    if (written !== `'${node.value}'`) {
      return refuseStyle(
        where,
        "a single-quoted scalar with '' escapes or line breaks",
      );
    }
    text = `'${newValue}'`;
  } else {
    return refuseStyle(where, 'a block scalar (| or >)');
  }
  return {
    ok: true,
    value: content.slice(0, start) + text + content.slice(end),
  };
}

function refuseStyle(
  where: { file: string; line: number },
  what: string,
): Result<string> {
  return {
    ok: false,
    error: {
      message: `cannot rewrite the version in place: it is written as ${what}; write it as a plain or quoted single-line value`,
      ...where,
    },
  };
}

/**
 * The common `write`: checks the version, finds the node with `locate`,
 * splices the new value in, then reads the result back to be sure exactly
 * the intended version is there.
 */
export function writeVersion(
  content: string,
  file: string,
  version: string,
  locate: (content: string) => Result<{ yaml: YamlFile; located: Located }>,
  checkExtra?: (version: string) => string | undefined,
): { ok: true; content: string } | { ok: false; error: SourceError } {
  const bad = checkVersionToken(version) ?? checkExtra?.(version);
  if (bad) return { ok: false, error: { message: bad, file } };
  const found = locate(content);
  if (!found.ok) return found;
  const { yaml, located } = found.value;
  if (located.version === version) return { ok: true, content };
  if (located.shared) {
    return {
      ok: false,
      error: {
        message: `cannot rewrite the version in place: ${located.shared}; rewriting it would change other places that share it`,
        file,
        line: located.line,
      },
    };
  }
  const newValue = located.render ? located.render(version) : version;
  const spliced = spliceScalar(content, yaml, located.node, newValue);
  if (!spliced.ok) return spliced;
  const check = locate(spliced.value);
  if (!check.ok || check.value.located.version !== version) {
    // Should not happen given the token check; refuse rather than write a broken file.
    return {
      ok: false,
      error: {
        message: `writing version ${JSON.stringify(
          version,
        )} would not read back as written`,
        file,
        line: located.line,
      },
    };
  }
  return { ok: true, content: spliced.value };
}

/**
 * Runs a locator step so that it never throws: `read` and `write` promise
 * an error result for any file, including ones that trip a parser bug.
 */
export function neverThrow<T extends { ok: boolean }>(
  file: string,
  run: () => T,
): T | { ok: false; error: SourceError } {
  try {
    return run();
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    return {
      ok: false,
      error: {
        message: `internal error while reading the file: ${message}`,
        file,
      },
    };
  }
}
