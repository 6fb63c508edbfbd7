/*
 * A small GraphQL executor over plain objects: each object has a
 * `__typename` and its fields as values or functions of the field's
 * arguments. It answers exactly the fields a query selects (aliases, inline
 * fragments, named fragments, variables), and a field an object lacks is a
 * GraphQL error, as GitHub reports it. Also GitHub's query cost: the
 * requests needed for each connection (`first`), summed, divided by 100.
 */
import {
  DocumentNode,
  FieldNode,
  FragmentDefinitionNode,
  Kind,
  SelectionSetNode,
  ValueNode,
} from 'graphql';

/** A GraphQL object: its type name and fields (values or resolvers). */
export interface GqlObject {
  __typename: string;
  /** Types this object also is (interfaces, unions), for `... on X`. */
  __implements?: string[];
  [field: string]: unknown;
}

export class GraphQLFieldError extends Error {}

type Vars = Record<string, unknown>;

function valueOf(node: ValueNode, vars: Vars): unknown {
  switch (node.kind) {
    case Kind.VARIABLE:
      return vars[node.name.value];
    case Kind.INT:
      return Number(node.value);
    case Kind.FLOAT:
      return Number(node.value);
    case Kind.STRING:
    case Kind.ENUM:
      return node.value;
    case Kind.BOOLEAN:
      return node.value;
    case Kind.NULL:
      return null;
    case Kind.LIST:
      return node.values.map(v => valueOf(v, vars));
    case Kind.OBJECT:
      return Object.fromEntries(
        node.fields.map(f => [f.name.value, valueOf(f.value, vars)]),
      );
    default:
      return undefined;
  }
}

function argsOf(field: FieldNode, vars: Vars): Record<string, unknown> {
  return Object.fromEntries(
    (field.arguments ?? []).map(a => [a.name.value, valueOf(a.value, vars)]),
  );
}

/** The fields of a selection set that apply to an object of `type`. */
function fieldsFor(
  set: SelectionSetNode,
  obj: GqlObject | undefined,
  fragments: Map<string, FragmentDefinitionNode>,
): FieldNode[] {
  const applies = (t?: string) =>
    !t || !obj || obj.__typename === t || !!obj.__implements?.includes(t);
  const out: FieldNode[] = [];
  for (const s of set.selections) {
    if (s.kind === Kind.FIELD) out.push(s);
    else if (s.kind === Kind.INLINE_FRAGMENT) {
      if (applies(s.typeCondition?.name.value))
        out.push(...fieldsFor(s.selectionSet, obj, fragments));
    } else {
      const f = fragments.get(s.name.value);
      if (f && applies(f.typeCondition.name.value))
        out.push(...fieldsFor(f.selectionSet, obj, fragments));
    }
  }
  return out;
}

export interface ExecuteResult {
  data: Record<string, unknown>;
  errors: Array<{ message: string; path: string[] }>;
}

/** Runs the query (first operation) of `doc` against `root`. */
export async function execute(
  doc: DocumentNode,
  root: GqlObject,
  vars: Vars,
): Promise<ExecuteResult> {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of doc.definitions) {
    if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  }
  const op = doc.definitions.find(d => d.kind === Kind.OPERATION_DEFINITION);
  const errors: ExecuteResult['errors'] = [];
  if (!op || op.kind !== Kind.OPERATION_DEFINITION || op.operation !== 'query')
    return {
      data: {},
      errors: [{ message: 'only queries are served', path: [] }],
    };

  // eslint-disable-next-line prefer-const
  let selectObject: (
    obj: GqlObject,
    set: SelectionSetNode,
    path: string[],
  ) => Promise<Record<string, unknown>>;
  const complete = async (
    value: unknown,
    set: SelectionSetNode | undefined,
    path: string[],
  ): Promise<unknown> => {
    if (value === null || value === undefined) return null;
    if (Array.isArray(value))
      return Promise.all(
        value.map((v, i) => complete(v, set, [...path, String(i)])),
      );
    if (!set) return value;
    return selectObject(value as GqlObject, set, path);
  };

  selectObject = async (obj, set, path) => {
    const out: Record<string, unknown> = {};
    for (const field of fieldsFor(set, obj, fragments)) {
      const name = field.name.value;
      const key = field.alias?.value ?? name;
      if (name === '__typename') {
        out[key] = obj.__typename;
        continue;
      }
      if (!(name in obj)) {
        errors.push({
          message: `Field '${name}' doesn't exist on type '${obj.__typename}'`,
          path: [...path, key],
        });
        out[key] = null;
        continue;
      }
      try {
        const raw = obj[name];
        const value =
          typeof raw === 'function'
            ? await (raw as (a: Record<string, unknown>) => unknown)(
                argsOf(field, vars),
              )
            : raw;
        out[key] = await complete(value, field.selectionSet, [...path, key]);
      } catch (e) {
        if (!(e instanceof GraphQLFieldError)) throw e;
        errors.push({ message: e.message, path: [...path, key] });
        out[key] = null;
      }
    }
    return out;
  };

  const data = await selectObject(root, op.selectionSet, []);
  return { data, errors };
}

/**
 * GitHub's cost of a query in rate-limit points: each connection (a field
 * with `first` or `last`) needs one request per parent node; the sum
 * divided by 100, at least 1.
 */
export function queryCost(doc: DocumentNode, vars: Vars): number {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of doc.definitions) {
    if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  }
  let requests = 0;
  const walk = (set: SelectionSetNode, multiplier: number) => {
    for (const field of fieldsFor(set, undefined, fragments)) {
      const args = argsOf(field, vars);
      const size = Number(args.first ?? args.last);
      let inner = multiplier;
      if (Number.isFinite(size) && size > 0) {
        requests += multiplier;
        inner = multiplier * size;
      }
      if (field.selectionSet) walk(field.selectionSet, inner);
    }
  };
  const op = doc.definitions.find(d => d.kind === Kind.OPERATION_DEFINITION);
  if (op && op.kind === Kind.OPERATION_DEFINITION) walk(op.selectionSet, 1);
  return Math.max(1, Math.round(requests / 100));
}
