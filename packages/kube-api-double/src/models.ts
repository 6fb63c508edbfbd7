/*
 * Loads the real `kubernetes-models` classes to validate objects.
 *
 * `kubernetes-models`, `@kubernetes-models/argo-cd` and
 * `@kubernetes-models/flux-cd` are ESM-only packages whose `exports` only
 * declare the `import` condition, and their internal imports
 * (`@kubernetes-models/base`, `@kubernetes-models/validate`) are the same.
 * Neither a CommonJS `require` nor Jest's module registry (which resolves with
 * the `require` condition and cannot run native dynamic `import()` without
 * `--experimental-vm-modules`) can load them.
 *
 * So the double loads them with Node's own `require` (obtained through
 * `process.getBuiltinModule`, which Jest does not intercept) by absolute file
 * path: Node >= 22.12 loads ES modules through `require`, and their internal
 * imports are then resolved by Node's ESM resolver with the `import`
 * condition. This works the same in plain Node, in the Backstage backend and
 * inside any Jest test, with no Jest configuration.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ModelRef, ResourceType } from './resources';

type NodeRequire = ((id: string) => any) & {
  resolve: { paths(request: string): string[] | null };
};

interface ModelClass {
  new (data: unknown): { validate(): void };
}

let nodeRequire: NodeRequire | undefined;

function getNodeRequire(): NodeRequire {
  if (!nodeRequire) {
    const getBuiltinModule = (process as any).getBuiltinModule as
      | ((id: string) => any)
      | undefined;
    if (typeof getBuiltinModule !== 'function') {
      throw new Error(
        'kube-api-double needs Node >= 22.12 (process.getBuiltinModule and require(esm)) to load kubernetes-models',
      );
    }
    nodeRequire = getBuiltinModule('node:module').createRequire(
      __filename,
    ) as NodeRequire;
  }
  return nodeRequire;
}

const packageDirs = new Map<string, string>();

function packageDir(pkg: string): string {
  let dir = packageDirs.get(pkg);
  if (!dir) {
    const candidates = (getNodeRequire().resolve.paths(pkg) ?? []).map(p =>
      path.join(p, pkg),
    );
    dir = candidates.find(c => fs.existsSync(path.join(c, 'package.json')));
    if (!dir) {
      throw new Error(
        `kube-api-double: cannot find ${pkg} (looked in ${candidates.join(
          ', ',
        )})`,
      );
    }
    packageDirs.set(pkg, dir);
  }
  return dir;
}

const modelClasses = new Map<string, ModelClass>();

/** The real model class for a resource type, e.g. `Deployment`. */
export function loadModel(ref: ModelRef): ModelClass {
  const key = `${ref.pkg}/${ref.file}#${ref.exportName}`;
  let cls = modelClasses.get(key);
  if (!cls) {
    const mod = getNodeRequire()(path.join(packageDir(ref.pkg), ref.file));
    cls = mod[ref.exportName] as ModelClass;
    if (typeof cls !== 'function') {
      throw new Error(`kube-api-double: ${key} is not a model class`);
    }
    modelClasses.set(key, cls);
  }
  return cls;
}

/** Thrown when an object is not one a real cluster could serve. */
export class InvalidObjectError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidObjectError';
  }
}

// RFC 1123 subdomain, as the apiserver checks metadata.name for most kinds.
const DNS_SUBDOMAIN =
  /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/**
 * Validates an object against the real schema of its type (through
 * `kubernetes-models`) plus the metadata rules the apiserver enforces.
 * Throws {@link InvalidObjectError}.
 */
export function validateObject(type: ResourceType, obj: any): void {
  const what = `${type.kind} ${obj?.metadata?.namespace ?? ''}/${
    obj?.metadata?.name ?? '?'
  }`;
  const name = obj?.metadata?.name;
  if (
    typeof name !== 'string' ||
    name.length > 253 ||
    !DNS_SUBDOMAIN.test(name)
  ) {
    throw new InvalidObjectError(
      `${what}: metadata.name must be a lowercase RFC 1123 subdomain, got ${JSON.stringify(
        name,
      )}`,
    );
  }
  const ns = obj.metadata.namespace;
  if (type.namespaced) {
    if (typeof ns !== 'string' || ns.length > 63 || !DNS_LABEL.test(ns)) {
      throw new InvalidObjectError(
        `${what}: metadata.namespace must be a lowercase RFC 1123 label, got ${JSON.stringify(
          ns,
        )}`,
      );
    }
  } else if (ns !== undefined && ns !== '') {
    throw new InvalidObjectError(`${what}: ${type.kind} is not namespaced`);
  }
  const Model = loadModel(type.model);
  try {
    new Model(obj).validate();
  } catch (e) {
    // The error comes from another realm under Jest; keep only its text.
    const message =
      e && typeof e === 'object' && 'message' in e
        ? String((e as any).message)
        : String(e);
    throw new InvalidObjectError(
      `${what} does not match the ${type.kind} schema: ${message}`,
    );
  }
}
