/*
 * Aliases and merge keys of hostile YAML. Each parsed document is indexed
 * once, in document order: every alias gets its target (the yaml library's
 * `Alias.resolve` walks the whole document per call, which is quadratic for
 * a file with many aliases), and documents whose aliases stand for too many
 * nodes (an alias or merge-key "billion laughs" bomb), that contain
 * themselves, or nest merge keys too deeply are refused. Lookups,
 * merge-key expansion and conversion to plain values then cost at most what
 * the limits allow.
 */
import {
  Alias,
  Document,
  isAlias,
  isCollection,
  isMap,
  isPair,
  isScalar,
  isSeq,
  Node,
  YAMLMap,
} from 'yaml';

/**
 * Nodes that aliases may stand for in one document, summed over its aliases
 * (an alias counts every node of its target, aliases inside included; a
 * merge key `<<: *a` is an alias too).
 */
export const MAX_ALIAS_NODES = 10_000;

/** How deep merge keys may nest (a map merging a map that merges …). */
export const MAX_MERGE_DEPTH = 20;

/** A document refused by the index: the message and where it points. */
export interface AliasProblem {
  message: string;
  offset: number;
}

const targets = new WeakMap<Document, Map<Alias, Node>>();

export function isMergeKey(key: unknown): boolean {
  return (
    isScalar(key) &&
    (typeof key.value === 'symbol' ||
      (key.value === '<<' && key.type === 'PLAIN'))
  );
}

class Refusal extends Error {
  constructor(readonly problem: AliasProblem) {
    super(problem.message);
  }
}

function refuse(message: string, node: { range?: unknown }): never {
  const range = node.range as [number, number, number] | null | undefined;
  throw new Refusal({ message, offset: range?.[0] ?? 0 });
}

class Indexer {
  readonly table = new Map<Alias, Node>();
  /** The node each anchor names so far (a later anchor replaces an earlier one). */
  private readonly anchors = new Map<string, Node>();
  /** Collections being walked: an alias to one of them is a cycle. */
  private readonly open = new Set<Node>();
  /** Node count of each node with aliases expanded, capped above the limit. */
  private readonly sizes = new Map<Node, number>();
  private readonly mergeDepths = new Map<YAMLMap, number>();
  private expanded = 0;

  /** Walks in document order; returns the expanded node count. */
  walk(node: unknown): number {
    if (node === null || node === undefined) return 0;
    if (isPair(node)) return this.walk(node.key) + this.walk(node.value);
    if (isAlias(node)) return this.alias(node);
    const n = node as Node;
    // Like Alias.resolve: an anchor counts from where its node starts.
    if (n.anchor) this.anchors.set(n.anchor, n);
    let size = 1;
    if (isCollection(n)) {
      this.open.add(n);
      for (const item of n.items) {
        size = Math.min(size + this.walk(item), MAX_ALIAS_NODES + 1);
      }
      this.open.delete(n);
      if (isMap(n)) this.checkMergeDepth(n);
    }
    this.sizes.set(n, size);
    return size;
  }

  private alias(alias: Alias): number {
    const target = this.anchors.get(alias.source);
    if (!target) {
      refuse(
        `invalid YAML: unresolved alias *${alias.source} (the anchor must be set before the alias)`,
        alias,
      );
    }
    if (this.open.has(target)) {
      refuse(
        `YAML alias *${alias.source} is inside the node it refers to (a recursive structure)`,
        alias,
      );
    }
    this.table.set(alias, target);
    const size = this.sizes.get(target) ?? 1;
    this.expanded += size;
    if (this.expanded > MAX_ALIAS_NODES) {
      refuse(
        `YAML aliases expand to more than ${MAX_ALIAS_NODES.toLocaleString(
          'en-US',
        )} nodes in this document (limit reached at *${
          alias.source
        }): refusing a possible alias or merge-key bomb`,
        alias,
      );
    }
    return size;
  }

  private checkMergeDepth(map: YAMLMap): void {
    let depth = 0;
    for (const pair of map.items) {
      if (!isMergeKey(pair.key)) continue;
      const value = this.resolve(pair.value);
      const sources = isSeq(value)
        ? value.items.map(i => this.resolve(i))
        : [value];
      for (const source of sources) {
        if (!isMap(source)) continue;
        depth = Math.max(depth, 1 + (this.mergeDepths.get(source) ?? 0));
        if (depth > MAX_MERGE_DEPTH) {
          refuse(
            `YAML merge keys (<<) nest more than ${MAX_MERGE_DEPTH} levels deep`,
            pair.key as Node,
          );
        }
      }
    }
    if (depth > 0) this.mergeDepths.set(map, depth);
  }

  private resolve(node: unknown): unknown {
    return isAlias(node) ? this.table.get(node) : node;
  }
}

/**
 * Indexes the aliases of a parsed document (without syntax errors). Returns
 * the first problem in document order, or undefined when the document is
 * within the limits.
 */
export function indexAliases(doc: Document): AliasProblem | undefined {
  const indexer = new Indexer();
  try {
    indexer.walk(doc.contents);
  } catch (e) {
    if (e instanceof Refusal) return e.problem;
    throw e;
  }
  targets.set(doc, indexer.table);
  return undefined;
}

/** The node an alias stands for, or undefined when it has none. */
export function aliasTarget(doc: Document, alias: Alias): Node | undefined {
  let table = targets.get(doc);
  if (!table) {
    // Documents from parseYamlFile are indexed already; others on first use.
    const problem = indexAliases(doc);
    if (problem) throw new Error(problem.message);
    table = targets.get(doc)!;
  }
  return table.get(alias);
}
