/**
 * The conditions of the `http` and `prometheus` steps: a tiny expression
 * language over a JSON value, parsed here and interpreted, never handed to
 * `eval` or `Function` (a pipeline file is anyone's to write).
 *
 *   $.status == "ok" and $.checks.db == true
 *   $.latencyMs < 300 or not ($.items[0].name != "a")
 *   $ < 0.01                        (Prometheus: `$` is the value)
 *   $.version == version            (variables: version, service, environment)
 *
 * Paths start at `$` and go on with `.name`, `["name"]` or `[index]`;
 * literals are JSON strings, numbers, true, false and null; `==` and `!=`
 * compare without type coercion, `<`, `<=`, `>`, `>=` compare numbers only
 * (anything else is false); `and`/`&&`, `or`/`||`, `not`/`!` and
 * parentheses combine comparisons. A missing path is "missing": every
 * comparison with it is false.
 *
 * JSONPath libraries only select; they say nothing about comparing, and
 * the popular ones evaluate their filter scripts with `eval`-like engines
 * (jsonpath-plus, CVE-2024-21534). This grammar is small enough to own.
 */

/** Variables an expression may name, filled from the action. */
export const EXPRESSION_VARIABLES = ['version', 'service', 'environment'];

const MAX_SOURCE_LENGTH = 1000;
const MAX_DEPTH = 32;

type Literal = string | number | boolean | null;

type Node =
  | { kind: 'path'; segments: Array<string | number>; text: string }
  | { kind: 'literal'; value: Literal }
  | { kind: 'variable'; name: string }
  | {
      kind: 'compare';
      op: '==' | '!=' | '<' | '<=' | '>' | '>=';
      left: Node;
      right: Node;
    }
  | { kind: 'and' | 'or'; left: Node; right: Node }
  | { kind: 'not'; operand: Node };

type Token =
  | { t: 'path'; segments: Array<string | number>; text: string; at: number }
  | { t: 'literal'; value: Literal; at: number }
  | { t: 'ident'; name: string; at: number }
  | { t: 'op'; op: string; at: number }
  | { t: 'end'; at: number };

/** A condition that does not parse: the message says where and why. */
export class ExpressionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ExpressionError';
  }
}

/** The result of one evaluation, with what the paths held (for messages). */
export interface ExpressionResult {
  ok: boolean;
  /** e.g. `$.status is "ok", $.latencyMs is missing`. */
  observed: string;
}

export interface CompiledExpression {
  readonly source: string;
  evaluate(root: unknown, variables?: Record<string, string>): ExpressionResult;
}

const COMPARE_OPS = ['==', '!=', '<=', '>=', '<', '>'];

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const fail = (msg: string, at = i): never => {
    throw new ExpressionError(`${msg} at character ${at + 1}`);
  };
  const readString = (): string => {
    const start = i;
    i++; // opening quote
    while (i < source.length && source[i] !== '"') {
      i += source[i] === '\\' ? 2 : 1;
    }
    if (i >= source.length) fail('unterminated string', start);
    i++;
    try {
      return JSON.parse(source.slice(start, i)) as string;
    } catch {
      return fail('invalid string escape', start);
    }
  };
  while (i < source.length) {
    const c = source[i];
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const at = i;
    if (c === '$') {
      i++;
      const segments: Array<string | number> = [];
      for (;;) {
        if (source[i] === '.') {
          const m = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(source.slice(i + 1));
          if (!m) fail('expected a name after "."', i + 1);
          segments.push(m![0]);
          i += 1 + m![0].length;
        } else if (source[i] === '[') {
          i++;
          if (source[i] === '"') {
            segments.push(readString());
          } else {
            const m = /^[0-9]{1,9}/.exec(source.slice(i));
            if (!m) fail('expected an index or a "string" inside [ ]');
            segments.push(Number(m![0]));
            i += m![0].length;
          }
          if (source[i] !== ']') fail('expected "]"');
          i++;
        } else {
          break;
        }
        if (segments.length > MAX_DEPTH) fail('path is too deep', at);
      }
      tokens.push({ t: 'path', segments, text: source.slice(at, i), at });
      continue;
    }
    if (c === '"') {
      tokens.push({ t: 'literal', value: readString(), at });
      continue;
    }
    const num = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/.exec(
      source.slice(i),
    );
    if (num && (c !== '-' || /[0-9]/.test(source[i + 1] ?? ''))) {
      tokens.push({ t: 'literal', value: Number(num[0]), at });
      i += num[0].length;
      continue;
    }
    const word = /^[A-Za-z_][A-Za-z0-9_]*/.exec(source.slice(i));
    if (word) {
      i += word[0].length;
      const w = word[0];
      if (w === 'true' || w === 'false') {
        tokens.push({ t: 'literal', value: w === 'true', at });
      } else if (w === 'null') {
        tokens.push({ t: 'literal', value: null, at });
      } else if (w === 'and' || w === 'or' || w === 'not') {
        tokens.push({ t: 'op', op: w, at });
      } else {
        tokens.push({ t: 'ident', name: w, at });
      }
      continue;
    }
    const two = source.slice(i, i + 2);
    if (['==', '!=', '<=', '>=', '&&', '||'].includes(two)) {
      const op =
        ({ '&&': 'and', '||': 'or' } as Record<string, string>)[two] ?? two;
      tokens.push({ t: 'op', op, at });
      i += 2;
      continue;
    }
    if (['<', '>', '(', ')'].includes(c)) {
      tokens.push({ t: 'op', op: c, at });
      i++;
      continue;
    }
    if (c === '!') {
      tokens.push({ t: 'op', op: 'not', at });
      i++;
      continue;
    }
    if (c === '=') fail('use "==" to compare');
    fail(`unexpected "${c}"`);
  }
  tokens.push({ t: 'end', at: source.length });
  return tokens;
}

class Parser {
  private pos = 0;
  private depth = 0;

  constructor(
    private readonly tokens: Token[],
    private readonly variables: string[],
  ) {}

  parse(): Node {
    const node = this.or();
    const next = this.peek();
    if (next.t !== 'end') this.fail(`unexpected ${describe(next)}`, next);
    return node;
  }

  private peek(): Token {
    return this.tokens[this.pos];
  }

  private isOp(op: string): boolean {
    const t = this.peek();
    return t.t === 'op' && t.op === op;
  }

  private fail(msg: string, token: Token): never {
    throw new ExpressionError(`${msg} at character ${token.at + 1}`);
  }

  private nested<T>(fn: () => T): T {
    if (++this.depth > MAX_DEPTH) this.fail('too deeply nested', this.peek());
    try {
      return fn();
    } finally {
      this.depth--;
    }
  }

  private or(): Node {
    let left = this.and();
    while (this.isOp('or')) {
      this.pos++;
      left = { kind: 'or', left, right: this.and() };
    }
    return left;
  }

  private and(): Node {
    let left = this.not();
    while (this.isOp('and')) {
      this.pos++;
      left = { kind: 'and', left, right: this.not() };
    }
    return left;
  }

  private not(): Node {
    if (this.isOp('not')) {
      this.pos++;
      return this.nested(() => ({ kind: 'not', operand: this.not() }));
    }
    return this.comparison();
  }

  private comparison(): Node {
    if (this.isOp('(')) {
      this.pos++;
      const inner = this.nested(() => this.or());
      if (!this.isOp(')')) this.fail('expected ")"', this.peek());
      this.pos++;
      return inner;
    }
    const left = this.operand();
    const next = this.peek();
    if (next.t !== 'op' || !COMPARE_OPS.includes(next.op)) {
      this.fail(
        `expected a comparison (==, !=, <, <=, >, >=) after ${describeNode(
          left,
        )}`,
        next,
      );
    }
    this.pos++;
    const right = this.operand();
    return {
      kind: 'compare',
      op: (next as { op: string }).op as '==',
      left,
      right,
    };
  }

  private operand(): Node {
    const t = this.peek();
    this.pos++;
    if (t.t === 'path')
      return { kind: 'path', segments: t.segments, text: t.text };
    if (t.t === 'literal') return { kind: 'literal', value: t.value };
    if (t.t === 'ident') {
      if (!this.variables.includes(t.name)) {
        this.fail(
          `unknown name "${t.name}" (paths start with $; variables: ${
            this.variables.join(', ') || 'none'
          }; strings are "quoted")`,
          t,
        );
      }
      return { kind: 'variable', name: t.name };
    }
    return this.fail(
      `expected a path ($…), a value or a variable, found ${describe(t)}`,
      t,
    );
  }
}

function describe(t: Token): string {
  switch (t.t) {
    case 'end':
      return 'the end';
    case 'op':
      return `"${t.op}"`;
    case 'ident':
      return `"${t.name}"`;
    case 'path':
      return t.text;
    default:
      return JSON.stringify(t.value);
  }
}

function describeNode(n: Node): string {
  if (n.kind === 'path') return n.text;
  if (n.kind === 'variable') return n.name;
  if (n.kind === 'literal') return JSON.stringify(n.value);
  return 'the expression';
}

const MISSING = Symbol('missing');

function select(root: unknown, segments: Array<string | number>): unknown {
  let value: unknown = root;
  for (const s of segments) {
    if (typeof s === 'number') {
      if (!Array.isArray(value) || s >= value.length) return MISSING;
      value = value[s];
    } else {
      if (
        value === null ||
        typeof value !== 'object' ||
        Array.isArray(value) ||
        !Object.prototype.hasOwnProperty.call(value, s)
      ) {
        return MISSING;
      }
      value = (value as Record<string, unknown>)[s];
    }
  }
  return value;
}

function show(value: unknown): string {
  if (value === MISSING) return 'missing';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}…` : text;
}

/** One evaluation, keeping what each path held. */
class Evaluation {
  readonly seen = new Map<string, string>();

  constructor(
    private readonly root: unknown,
    private readonly vars: Record<string, string>,
  ) {}

  truth(n: Node): boolean {
    switch (n.kind) {
      case 'and':
        return this.truth(n.left) && this.truth(n.right);
      case 'or':
        return this.truth(n.left) || this.truth(n.right);
      case 'not':
        return !this.truth(n.operand);
      case 'compare': {
        const l = this.value(n.left);
        const r = this.value(n.right);
        if (l === MISSING || r === MISSING) return false;
        // No coercion: 1 == "1" is false; NaN equals nothing.
        if (n.op === '==') return l === r;
        if (n.op === '!=') return l !== r;
        if (typeof l !== 'number' || typeof r !== 'number') return false;
        if (n.op === '<') return l < r;
        if (n.op === '<=') return l <= r;
        if (n.op === '>') return l > r;
        return l >= r;
      }
      default:
        // A bare operand does not parse; kept for exhaustiveness.
        return false;
    }
  }

  private value(n: Node): unknown {
    if (n.kind === 'path') {
      const v = select(this.root, n.segments);
      this.seen.set(n.text, show(v));
      return v;
    }
    if (n.kind === 'literal') return n.value;
    if (n.kind === 'variable') return this.vars[n.name] ?? MISSING;
    return this.truth(n);
  }
}

/**
 * Parses a condition once (pipeline validation reports its errors); the
 * result evaluates it against each response.
 */
export function compileExpression(
  source: string,
  variables: string[] = EXPRESSION_VARIABLES,
): CompiledExpression {
  if (source.length > MAX_SOURCE_LENGTH) {
    throw new ExpressionError(`is longer than ${MAX_SOURCE_LENGTH} characters`);
  }
  const ast = new Parser(tokenize(source), variables).parse();
  return {
    source,
    evaluate(root, vars = {}) {
      const evaluation = new Evaluation(root, vars);
      const ok = evaluation.truth(ast);
      return {
        ok,
        observed: [...evaluation.seen]
          .map(([p, v]) => `${p} is ${v}`)
          .join(', '),
      };
    },
  };
}

/** Undefined when the expression parses, otherwise why not. */
export function expressionProblem(
  source: string,
  variables: string[] = EXPRESSION_VARIABLES,
): string | undefined {
  try {
    compileExpression(source, variables);
    return undefined;
  } catch (e) {
    return e instanceof ExpressionError ? e.message : String(e);
  }
}
