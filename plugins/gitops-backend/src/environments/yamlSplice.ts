import {
  Document,
  isMap,
  isScalar,
  isSeq,
  visit,
  YAMLMap,
  YAMLSeq,
} from 'yaml';

/**
 * Text insertions into a YAML file, placed with the ranges of the `yaml`
 * Document API: the original text is never re-serialised, so every comment,
 * blank line, quote and key order stays as it was; only the inserted lines
 * are new.
 */
export interface Splice {
  at: number;
  text: string;
  /** Characters removed at `at` (default none). */
  remove?: number;
}

/** Applies edits (any order, not overlapping); those at one offset keep their order. */
export function applySplices(src: string, splices: Splice[]): string {
  // Inserted lines end like the file's own (a CRLF file stays CRLF).
  const crlf = src.includes('\r\n');
  const sorted = splices
    .map((s, i) => ({ ...s, i }))
    .sort((a, b) => b.at - a.at || b.i - a.i);
  let out = src;
  for (const s of sorted) {
    const text = crlf ? s.text.replace(/\r?\n/g, '\r\n') : s.text;
    out = out.slice(0, s.at) + text + out.slice(s.at + (s.remove ?? 0));
  }
  return out;
}

/** Offset of the start of the line after the one `pos` ends on. */
function lineEnd(src: string, pos: number): { at: number; newline: boolean } {
  if (pos > 0 && src[pos - 1] === '\n') return { at: pos, newline: false };
  const nl = src.indexOf('\n', pos);
  return nl === -1
    ? { at: src.length, newline: true }
    : { at: nl + 1, newline: false };
}

function startOfLine(src: string, pos: number): number {
  return src.lastIndexOf('\n', pos - 1) + 1;
}

function column(src: string, pos: number): number {
  return pos - startOfLine(src, pos);
}

const indent = (text: string, by: string) =>
  text
    .split('\n')
    .map(l => (l ? by + l : l))
    .join('\n');

/**
 * Block YAML of a plain value, without the document's trailing newline;
 * lists of scalars in flow style (`environments: [perf]`), as pipeline
 * files usually write them.
 */
export function blockYaml(value: unknown): string {
  const doc = new Document(value);
  visit(doc, {
    Seq(_, seq) {
      if (seq.items.every(i => isScalar(i))) seq.flow = true;
    },
  });
  return doc
    .toString({ lineWidth: 0, flowCollectionPadding: false })
    .replace(/\n$/, '');
}

/** Flow YAML (`{ enabled: false }`) of a small plain value. */
export function flowYaml(value: unknown): string {
  return new Document(value)
    .toString({
      lineWidth: 0,
      collectionStyle: 'flow',
      flowCollectionPadding: false,
    })
    .replace(/\n$/, '');
}

/** Right after the last item of a flow collection (before the spaces ahead of its bracket). */
function afterLastItem(src: string, close: number): number {
  let at = close;
  while (at > 0 && /\s/.test(src[at - 1])) at--;
  return at;
}

/** Where a collection ends, before its closing bracket (flow) or after its last line (block). */
function endOf(
  src: string,
  node: YAMLMap | YAMLSeq,
): { at: number; newline: boolean } {
  const last = node.items[node.items.length - 1] as any;
  const end: number =
    last?.value?.range?.[1] ?? last?.key?.range?.[1] ?? last?.range?.[1];
  return lineEnd(src, end);
}

/**
 * Adds `key: value` as the last entry of a map: a block map gets new lines
 * indented like its keys, a flow map `, key: value` before its `}`.
 */
export function appendToMap(
  src: string,
  map: YAMLMap,
  key: string,
  value: unknown,
): Splice {
  if (!map.range) throw new Error('map without a range');
  if (map.flow || map.items.length === 0) {
    const close = src.lastIndexOf('}', map.range[1]);
    const empty = map.items.length === 0;
    if (close < map.range[0])
      throw new Error('an empty block map cannot be extended in place');
    const text = flowYaml({ [key]: value }).replace(/^\{|\}$/g, '');
    return empty
      ? { at: close, text }
      : { at: afterLastItem(src, close), text: `, ${text}` };
  }
  const firstKey = (map.items[0] as any).key;
  const pad = ' '.repeat(column(src, firstKey.range[0]));
  const { at, newline } = endOf(src, map);
  return {
    at,
    text: `${newline ? '\n' : ''}${indent(blockYaml({ [key]: value }), pad)}\n`,
  };
}

/** Adds an item at the end of a sequence (block: a `- item` line; flow: `, item`). */
export function appendToSeq(src: string, seq: YAMLSeq, item: unknown): Splice {
  if (!seq.range) throw new Error('sequence without a range');
  if (seq.flow || seq.items.length === 0) {
    const close = src.lastIndexOf(']', seq.range[1]);
    if (close < seq.range[0])
      throw new Error('an empty block sequence cannot be extended in place');
    const text = flowYaml([item]).replace(/^\[|\]$/g, '');
    return seq.items.length
      ? { at: afterLastItem(src, close), text: `, ${text}` }
      : { at: close, text };
  }
  return insertAfterSeqItem(src, seq, seq.items.length - 1, item);
}

/** Inserts a new block item right after item `index` of a block sequence. */
export function insertAfterSeqItem(
  src: string,
  seq: YAMLSeq,
  index: number,
  item: unknown,
): Splice {
  if (seq.flow)
    throw new Error('a flow sequence cannot take a block item in place');
  const node = seq.items[index] as any;
  const start: number = node.range[0];
  // The text before the item on its line: `    - ` (the dash and its indentation).
  const prefix = src.slice(startOfLine(src, start), start);
  const continuation = ' '.repeat(prefix.length);
  const lines = blockYaml(item).split('\n');
  const text = lines
    .map((l, i) => {
      if (i === 0) return prefix + l;
      return l ? continuation + l : l;
    })
    .join('\n');
  const { at, newline } = lineEnd(src, node.range[1]);
  return { at, text: `${newline ? '\n' : ''}${text}\n` };
}

/**
 * Removes the entry `key` of a map: in block style its lines (comments on
 * the lines above stay), in flow style `key: value` and one comma.
 */
export function removeMapPair(
  src: string,
  map: YAMLMap,
  key: string,
): Splice | undefined {
  const index = map.items.findIndex(
    p => String((p.key as any)?.value ?? p.key) === key,
  );
  if (index < 0) return undefined;
  const pair = map.items[index] as any;
  const start: number = pair.key.range[0];
  const end: number = pair.value?.range?.[1] ?? pair.key.range[1];
  if (map.flow)
    return removeFlowItem(src, map.items as any[], index, start, end);
  const from = startOfLine(src, start);
  const { at } = lineEnd(src, end);
  return { at: from, text: '', remove: at - from };
}

/** Removes item `index` of a sequence: its lines (block) or the item and one comma (flow). */
export function removeSeqItem(
  src: string,
  seq: YAMLSeq,
  index: number,
): Splice {
  const node = seq.items[index] as any;
  if (seq.flow)
    return removeFlowItem(
      src,
      seq.items as any[],
      index,
      node.range[0],
      node.range[1],
    );
  const from = startOfLine(src, node.range[0]);
  const { at } = lineEnd(src, node.range[1]);
  return { at: from, text: '', remove: at - from };
}

function removeFlowItem(
  src: string,
  items: any[],
  index: number,
  start: number,
  end: number,
): Splice {
  const rangeOf = (i: number): [number, number] => {
    const item = items[i];
    const s: number = item.key?.range?.[0] ?? item.range[0];
    const e: number = item.value?.range?.[1] ?? item.range?.[1] ?? s;
    return [s, e];
  };
  if (index > 0) {
    // From the end of the previous item: `, item`.
    const [, prevEnd] = rangeOf(index - 1);
    let from = prevEnd;
    while (/\s/.test(src[from - 1] ?? '')) from--;
    return { at: from, text: '', remove: end - from };
  }
  if (items.length > 1) {
    // The first of several: `item, `.
    const [nextStart] = rangeOf(1);
    return { at: start, text: '', remove: nextStart - start };
  }
  return { at: start, text: '', remove: end - start };
}

export { isMap, isSeq };
