/*
 * Validates the double's response bodies against GitHub's official OpenAPI
 * description (`@octokit/openapi`, api.github.com, OpenAPI 3.0) with Ajv:
 * the operation's response schema for the status (required fields, types,
 * formats, enums, `nullable`), plus a check that every property the double
 * sends is declared by the schema (GitHub's schemas allow extra properties,
 * which would let invented fields through).
 */
import Ajv, { ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import fs from 'node:fs';

type Schema = Record<string, any>;

export class GitHubOpenApi {
  private readonly ajv: Ajv;
  private readonly compiled = new Map<string, ValidateFunction>();
  private readonly operations = new Map<string, Schema>();

  private constructor(private readonly spec: Schema) {
    // strict: false — the description carries OpenAPI keywords (`example`,
    // `x-github`, `discriminator` …) that are not JSON Schema; `nullable` is
    // understood by Ajv itself.
    this.ajv = new Ajv({
      strict: false,
      allErrors: true,
      validateSchema: false,
    });
    addFormats(this.ajv);
    for (const f of ['int64', 'int32', 'repo.nwo', 'uri-template', 'binary']) {
      this.ajv.addFormat(f, true);
    }
    this.ajv.addSchema({
      $id: 'gh',
      components: { schemas: nullableWithoutType(spec.components.schemas) },
    });
    for (const item of Object.values<Schema>(spec.paths)) {
      for (const op of Object.values<Schema>(item)) {
        if (op?.operationId) this.operations.set(op.operationId, op);
      }
    }
  }

  /** Loads api.github.com.json (13 MB; not the package index, which loads every variant). */
  static load(): GitHubOpenApi {
    const file = require.resolve(
      '@octokit/openapi/generated/api.github.com.json',
    );
    return new GitHubOpenApi(JSON.parse(fs.readFileSync(file, 'utf8')));
  }

  get version(): string {
    return String(this.spec.info?.version ?? '');
  }

  /** The JSON schema of an operation's response, e.g. ('pulls/merge', 409). */
  responseSchema(operationId: string, status: number): Schema {
    const op = this.operations.get(operationId);
    if (!op) throw new Error(`no operation ${operationId}`);
    let res = op.responses?.[String(status)];
    if (!res) throw new Error(`${operationId} documents no ${status} response`);
    if (res.$ref) res = this.deref(res);
    const schema = res.content?.['application/json']?.schema;
    if (!schema) throw new Error(`${operationId} ${status} has no JSON body`);
    return schema;
  }

  private deref(s: Schema | undefined): Schema | undefined {
    let out = s;
    while (out?.$ref) {
      const path = String(out.$ref).replace(/^#\//, '').split('/');
      out = path.reduce((o: any, k) => o?.[k], this.spec);
    }
    return out;
  }

  /** Errors of `body` against the operation's response (empty when valid). */
  validate(operationId: string, status: number, body: unknown): string[] {
    const key = `${operationId} ${status}`;
    let validate = this.compiled.get(key);
    if (!validate) {
      const schema = nullableWithoutType(
        JSON.parse(
          JSON.stringify(this.responseSchema(operationId, status)).replace(
            /"#\/components\//g,
            '"gh#/components/',
          ),
        ),
      );
      validate = this.ajv.compile(schema);
      this.compiled.set(key, validate);
    }
    const errors = validate(body)
      ? []
      : (validate.errors ?? []).map(
          e =>
            `${e.instancePath || '/'} ${e.message} ${JSON.stringify(e.params)}`,
        );
    const undeclared: string[] = [];
    this.undeclared(
      this.responseSchema(operationId, status),
      body,
      '',
      undeclared,
    );
    return [
      ...errors,
      ...undeclared
        // GitHub sends `status` with every error body; `basic-error`
        // declares it, `validation-error` and the merge's inline 405/409
        // schemas do not.
        .filter(p => !(status >= 400 && p === '.status'))
        .map(p => `${p} is not in GitHub's schema`),
    ];
  }

  private undeclared(
    s: Schema | undefined,
    value: unknown,
    path: string,
    out: string[],
  ) {
    const schema = this.deref(s);
    if (!schema || value === null || typeof value !== 'object') return;
    const branches = [
      ...(schema.allOf ?? []),
      ...(schema.oneOf ?? []),
      ...(schema.anyOf ?? []),
    ].map((b: Schema) => this.deref(b)!);
    if (Array.isArray(value)) {
      const items = schema.items ?? branches.find(b => b.items)?.items;
      value.forEach((v, i) => this.undeclared(items, v, `${path}[${i}]`, out));
      return;
    }
    const owners = [schema, ...branches].filter(c => c.properties);
    if (owners.length === 0 || owners.some(c => c.additionalProperties)) return;
    for (const [k, v] of Object.entries(value as object)) {
      const owner = owners.find(c => k in c.properties);
      if (!owner) out.push(`${path}.${k}`);
      else this.undeclared(owner.properties[k], v, `${path}.${k}`, out);
    }
  }
}

/**
 * OpenAPI 3.0 puts `nullable: true` next to `oneOf`/`allOf` without a
 * `type` (e.g. a commit's `author`); Ajv only takes `nullable` with a
 * `type`. Same meaning, in JSON Schema: `anyOf: [<the rest>, {type: null}]`.
 */
function nullableWithoutType(node: any): any {
  if (Array.isArray(node)) return node.map(nullableWithoutType);
  if (!node || typeof node !== 'object') return node;
  const out: Schema = {};
  for (const [k, v] of Object.entries(node)) out[k] = nullableWithoutType(v);
  if (out.nullable === true && out.type === undefined) {
    const { nullable, ...rest } = out;
    return { anyOf: [rest, { type: 'null' }] };
  }
  return out;
}
