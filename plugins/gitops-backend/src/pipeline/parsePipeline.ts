import { defaultStepCatalog } from '../steps/defaultStepCatalog';
import { mergeSteps, parseSteps, StepTypeCatalog } from './parseSteps';
import { Document, isMap, isScalar, isSeq, YAMLMap } from 'yaml';
import {
  EnvironmentDefinition,
  EnvironmentSteps,
  NAME_PATTERN,
  PromotionPolicy,
  SourceError,
  StageDefinition,
} from '@gitops2/plugin-gitops-common';
import type { VersionLocatorRegistry } from '../locators/VersionLocatorRegistry';
import {
  describeNode,
  docLine,
  lineOf,
  mapEntries,
  MapEntry,
  mapGet,
  nonEmptyDocs,
  parseYamlFile,
  quoteList,
  resolveAlias,
  stringValue,
  toPlain,
  YamlFile,
} from '../locators/yamlSupport';
import { parsePromotionPolicy } from './promotionPolicy';
import type { ParsedPipeline, ServiceEnvironmentSpec } from './types';

export const PIPELINE_API_VERSION = 'gitops2.io/v1alpha1';
export const PIPELINE_KIND = 'Pipeline';

const TOP_KEYS = ['apiVersion', 'kind', 'metadata', 'spec'];
const SPEC_KEYS = ['stages', 'environments', 'services', 'steps'];
const STAGE_KEYS = ['name', 'environments'];
const ENVIRONMENT_KEYS = ['cluster', 'namespace', 'url', 'promotion', 'steps'];
const SERVICE_KEYS = ['path', 'locator', 'enabled', 'environments'];
const OVERRIDE_KEYS = ['path', 'locator', 'enabled'];

const NAME_RULE =
  'must be 1-63 letters, digits, ".", "_" or "-", starting and ending with a letter or digit';
// Kubernetes namespaces are DNS-1123 labels.
const NAMESPACE_PATTERN = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** A problem that makes the whole file unusable. */
class FileProblem extends Error {
  constructor(readonly sourceError: SourceError) {
    super(sourceError.message);
  }
}

type EnvEntry =
  | {
      ok: true;
      cluster?: string;
      namespace?: string;
      url?: string;
      promotion?: PromotionPolicy;
      steps?: Partial<EnvironmentSteps>;
      key: unknown;
    }
  | { ok: false; error: SourceError; key: unknown };

interface Occurrence {
  stage: string;
  stageIndex: number;
  node: unknown;
}

/**
 * Checks a manifest path after placeholder substitution: relative to the
 * repository root, normalized, inside the repository, a YAML file.
 * Returns a message, or undefined when the path is fine.
 */
export function checkManifestPath(path: string): string | undefined {
  const shown = JSON.stringify(path);
  if (path === '') return 'path is empty';
  // Control characters would end up in file names, logs and the UI.
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(path))
    return `path ${shown} contains control characters`;
  if (path.includes('\\'))
    return `path ${shown} must use "/" as separator (found a backslash)`;
  if (path.startsWith('/') || /^[A-Za-z]:/.test(path)) {
    return `path ${shown} must be relative to the repository root (found an absolute path)`;
  }
  const segments = path.split('/');
  if (segments.includes('..')) {
    return `path ${shown} must stay inside the repository (found a ".." segment)`;
  }
  if (segments.some(s => s === '' || s === '.')) {
    const normalized = segments.filter(s => s !== '' && s !== '.').join('/');
    return `path ${shown} is not normalized (found an empty or "." segment); write ${JSON.stringify(
      normalized,
    )}`;
  }
  if (!/\.ya?ml$/.test(path))
    return `path ${shown} must name a YAML file ending in .yaml or .yml`;
  return undefined;
}

/** Replaces `{environment}` and `{service}`. */
function substitute(
  value: string,
  service: string,
  environment: string,
): string {
  return value
    .replace(/\{environment\}/g, environment)
    .replace(/\{service\}/g, service);
}

function substituteDeep(
  value: unknown,
  service: string,
  environment: string,
): unknown {
  if (typeof value === 'string') return substitute(value, service, environment);
  if (Array.isArray(value))
    return value.map(v => substituteDeep(v, service, environment));
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [
        k,
        substituteDeep(v, service, environment),
      ]),
    );
  }
  return value;
}

class PipelineParser {
  private yaml!: YamlFile;
  private doc!: Document.Parsed;

  constructor(
    private readonly content: string,
    private readonly file: string,
    private readonly registry: VersionLocatorRegistry,
    private readonly stepTypes: StepTypeCatalog,
  ) {}

  /** Steps of `node` (`spec.steps` or an environment's), or their first error. */
  private steps(node: unknown, where: string) {
    return parseSteps(this.doc, node, where, this.stepTypes, (m, n) =>
      this.error(m, n),
    );
  }

  private error(message: string, node?: unknown): SourceError {
    return { message, file: this.file, line: lineOf(this.yaml, node as any) };
  }

  private fail(message: string, node?: unknown): never {
    throw new FileProblem(this.error(message, node));
  }

  private get(map: YAMLMap, key: string): MapEntry | undefined {
    return mapGet(this.doc, map, key);
  }

  /** The first key of `map` not in `allowed`, as a message, or undefined. */
  private unknownKey(
    map: YAMLMap,
    allowed: string[],
    where: string,
  ): SourceError | undefined {
    for (const entry of mapEntries(this.doc, map)) {
      const key = String(isScalar(entry.key) ? entry.key.value : '');
      if (!allowed.includes(key)) {
        return this.error(
          `unknown key "${key}" ${where} (expected: ${allowed.join(', ')})`,
          entry.key,
        );
      }
    }
    return undefined;
  }

  /** Node to point at for an entry: its value, or its key when the value is empty. */
  private at(entry: MapEntry): unknown {
    return entry.value && (entry.value as any).range ? entry.value : entry.key;
  }

  parse(): ParsedPipeline {
    const parsed = parseYamlFile(this.content, this.file);
    if (!parsed.ok) throw new FileProblem(parsed.error);
    this.yaml = parsed.value;

    const docs = nonEmptyDocs(this.yaml);
    if (docs.length === 0) {
      this.fail(
        `the pipeline file is empty (expected apiVersion: ${PIPELINE_API_VERSION}, kind: ${PIPELINE_KIND})`,
      );
    }
    if (docs.length > 1) {
      throw new FileProblem({
        message: `the pipeline file holds ${docs.length} YAML documents; expected exactly one`,
        file: this.file,
        line: docLine(this.yaml, docs[1]),
      });
    }
    this.doc = docs[0];
    const root = this.doc.contents;
    if (!isMap(root)) {
      this.fail(
        `the pipeline file must be a map with apiVersion, kind, metadata and spec (found ${describeNode(
          root,
        )})`,
        root,
      );
    }
    const topUnknown = this.unknownKey(root, TOP_KEYS, 'at the top level');
    if (topUnknown) throw new FileProblem(topUnknown);

    this.expectConstant(root, 'apiVersion', PIPELINE_API_VERSION);
    this.expectConstant(root, 'kind', PIPELINE_KIND);

    const metadata = this.get(root, 'metadata');
    if (!metadata)
      this.fail(
        'metadata is missing (metadata.name is the pipeline name shown in the UI)',
        root,
      );
    if (!isMap(metadata.value)) {
      this.fail(
        `metadata must be a map (found ${describeNode(metadata.value)})`,
        this.at(metadata),
      );
    }
    const nameEntry = this.get(metadata.value, 'name');
    const name = nameEntry ? stringValue(nameEntry.value)?.trim() : undefined;
    if (!nameEntry)
      this.fail(
        'metadata.name is missing (the pipeline name shown in the UI)',
        metadata.key,
      );
    if (!name) {
      this.fail(
        `metadata.name must be a non-empty string (found ${describeNode(
          nameEntry.value,
        )})`,
        this.at(nameEntry),
      );
    }

    const spec = this.get(root, 'spec');
    if (!spec)
      this.fail(
        'spec is missing (it holds stages, environments and services)',
        root,
      );
    if (!isMap(spec.value))
      this.fail(
        `spec must be a map (found ${describeNode(spec.value)})`,
        this.at(spec),
      );
    const specUnknown = this.unknownKey(spec.value, SPEC_KEYS, 'in spec');
    if (specUnknown) throw new FileProblem(specUnknown);

    const { stages, occurrences } = this.parseStages(spec);
    const entries = this.parseEnvironmentEntries(spec);
    // spec.steps: the defaults of every environment; broken, it breaks all.
    const defaultsEntry = this.get(spec.value as YAMLMap, 'steps');
    const defaults = defaultsEntry
      ? this.steps(defaultsEntry.value, 'in spec.steps')
      : {};
    if ('error' in defaults) throw new FileProblem(defaults.error);

    // Join stages and entries: every environment in exactly one stage, with an entry.
    const environmentErrors: Record<string, SourceError> = {};
    const environments: EnvironmentDefinition[] = [];
    const stagesOut: StageDefinition[] = stages.map(s => ({
      name: s.name,
      environments: [],
    }));
    for (const [env, occ] of occurrences) {
      const first = occ[0];
      stagesOut[first.stageIndex].environments.push(env);
      const def: EnvironmentDefinition = {
        name: env,
        stage: first.stage,
        stageIndex: first.stageIndex,
      };
      const entry = entries.get(env);
      if (occ.length > 1) {
        const second = occ[1];
        environmentErrors[env] =
          second.stageIndex === first.stageIndex
            ? this.error(
                `environment "${env}" is listed twice in stage "${first.stage}"`,
                second.node,
              )
            : this.error(
                `environment "${env}" is in more than one stage (${quoteList(
                  occ.map(o => o.stage),
                )}); an environment belongs to exactly one stage`,
                second.node,
              );
      } else if (!entry) {
        environmentErrors[env] = this.error(
          `environment "${env}" (stage "${first.stage}") has no entry under spec.environments`,
          first.node,
        );
      } else if (!entry.ok) {
        environmentErrors[env] = entry.error;
      } else {
        if (entry.cluster !== undefined) def.cluster = entry.cluster;
        if (entry.namespace !== undefined) def.namespace = entry.namespace;
        if (entry.url !== undefined) def.url = entry.url;
        if (entry.promotion !== undefined) def.promotion = entry.promotion;
        const steps = mergeSteps(defaults, entry.steps ?? {});
        if (steps) def.steps = steps;
      }
      // Listed even when broken, so that the UI can show the error in place.
      environments.push(def);
    }
    for (const [env, entry] of entries) {
      if (occurrences.has(env)) continue;
      environmentErrors[env] = entry.ok
        ? this.error(
            `environment "${env}" is in no stage: add it to one of spec.stages`,
            entry.key,
          )
        : entry.error;
    }

    // Services are resolved for every environment of a stage, broken or not:
    // an environment error (bad url, missing entry) says nothing about where
    // the manifests are, and ingestion drops the state of any service and
    // environment missing here, which would lose its history.
    const staged = environments.map(e => e.name);
    const known = new Set([...occurrences.keys(), ...entries.keys()]);
    const services = this.parseServices(spec.value, staged, known);

    return {
      definition: { name: name!, stages: stagesOut, environments },
      services,
      environmentErrors,
      fileError: null,
    };
  }

  private expectConstant(root: YAMLMap, key: string, expected: string): void {
    const entry = this.get(root, key);
    if (!entry)
      this.fail(
        `${key} is missing (expected ${JSON.stringify(expected)})`,
        root,
      );
    const value = stringValue(entry.value);
    if (value !== expected) {
      const found =
        isScalar(entry.value) && entry.value.value !== null
          ? JSON.stringify(String(entry.value.value))
          : describeNode(entry.value);
      this.fail(
        `${key} must be ${JSON.stringify(expected)} (found: ${found})`,
        this.at(entry),
      );
    }
  }

  private parseStages(specEntry: MapEntry) {
    const entry = this.get(specEntry.value as YAMLMap, 'stages');
    if (!entry)
      this.fail(
        'spec.stages is missing: list the promotion stages in order',
        specEntry.key,
      );
    const list = entry.value;
    if (!isSeq(list))
      this.fail(
        `spec.stages must be a list (found ${describeNode(list)})`,
        this.at(entry),
      );
    if (list.items.length === 0)
      this.fail(
        'spec.stages is empty: a pipeline needs at least one stage',
        list,
      );

    const stages: { name: string; node: unknown }[] = [];
    const occurrences = new Map<string, Occurrence[]>();
    list.items.forEach((item, index) => {
      const stage = resolveAlias(this.doc, item);
      if (!isMap(stage)) {
        this.fail(
          `spec.stages[${index}] must be a map with name and environments (found ${describeNode(
            stage,
          )})`,
          item,
        );
      }
      const unknown = this.unknownKey(
        stage,
        STAGE_KEYS,
        `in spec.stages[${index}]`,
      );
      if (unknown) throw new FileProblem(unknown);
      const nameEntry = this.get(stage, 'name');
      if (!nameEntry) this.fail(`spec.stages[${index}] has no name`, stage);
      const name = stringValue(nameEntry.value);
      if (name === undefined || !NAME_PATTERN.test(name)) {
        this.fail(
          `stage name ${
            name === undefined
              ? `(${describeNode(nameEntry.value)})`
              : JSON.stringify(name)
          } ${NAME_RULE}`,
          this.at(nameEntry),
        );
      }
      const previous = stages.find(s => s.name === name);
      if (previous) {
        this.fail(
          `stage "${name}" is defined twice (first at line ${lineOf(
            this.yaml,
            previous.node as any,
          )})`,
          nameEntry.value,
        );
      }
      stages.push({ name, node: nameEntry.value });

      const envsEntry = this.get(stage, 'environments');
      if (!envsEntry)
        this.fail(
          `stage "${name}" has no environments: a stage needs at least one`,
          stage,
        );
      const envs = envsEntry.value;
      if (!isSeq(envs)) {
        this.fail(
          `environments of stage "${name}" must be a list (found ${describeNode(
            envs,
          )})`,
          this.at(envsEntry),
        );
      }
      if (envs.items.length === 0)
        this.fail(
          `stage "${name}" has no environments: a stage needs at least one`,
          envs,
        );
      for (const envItem of envs.items) {
        const envNode = resolveAlias(this.doc, envItem);
        const env = stringValue(envNode);
        if (env === undefined || !NAME_PATTERN.test(env)) {
          this.fail(
            `environment name ${
              env === undefined
                ? `(${describeNode(envNode)})`
                : JSON.stringify(env)
            } in stage "${name}" ${NAME_RULE}`,
            envItem,
          );
        }
        const list2 = occurrences.get(env) ?? [];
        list2.push({ stage: name, stageIndex: index, node: envItem });
        occurrences.set(env, list2);
      }
    });
    return { stages, occurrences };
  }

  private parseEnvironmentEntries(specEntry: MapEntry): Map<string, EnvEntry> {
    const entry = this.get(specEntry.value as YAMLMap, 'environments');
    if (!entry) {
      this.fail(
        "spec.environments is missing: give each environment's cluster, namespace and url",
        specEntry.key,
      );
    }
    const map = entry.value;
    if (!isMap(map))
      this.fail(
        `spec.environments must be a map (found ${describeNode(map)})`,
        this.at(entry),
      );

    const result = new Map<string, EnvEntry>();
    for (const e of mapEntries(this.doc, map)) {
      const env = String(e.key.value);
      result.set(env, this.parseEnvironmentEntry(env, e));
    }
    return result;
  }

  private parseEnvironmentEntry(env: string, e: MapEntry): EnvEntry {
    const bad = (message: string, node: unknown): EnvEntry => ({
      ok: false,
      error: this.error(message, node),
      key: e.key,
    });
    if (!NAME_PATTERN.test(env))
      return bad(`environment name ${JSON.stringify(env)} ${NAME_RULE}`, e.key);
    const value = e.value;
    // `dev:` with nothing or `dev: {}`: an environment without cluster details.
    if (isScalar(value) && value.value === null)
      return { ok: true, key: e.key };
    if (!isMap(value)) {
      return bad(
        `environment "${env}" must be a map with cluster, namespace and url (found ${describeNode(
          value,
        )})`,
        this.at(e),
      );
    }
    const unknown = this.unknownKey(
      value,
      ENVIRONMENT_KEYS,
      `in environment "${env}"`,
    );
    if (unknown) return { ok: false, error: unknown, key: e.key };

    const out: EnvEntry = { ok: true, key: e.key };
    const promotion = this.get(value, 'promotion');
    if (promotion) {
      const parsed = parsePromotionPolicy(toPlain(this.doc, promotion.value));
      if (typeof parsed === 'string') {
        return bad(
          `promotion of environment "${env}": ${parsed}`,
          promotion.value ?? this.at(promotion),
        );
      }
      out.promotion = parsed;
    }
    const steps = this.get(value, 'steps');
    if (steps) {
      const parsed = this.steps(
        steps.value,
        `in the steps of environment "${env}"`,
      );
      if ('error' in parsed)
        return { ok: false, error: parsed.error, key: e.key };
      out.steps = parsed;
    }
    for (const field of ENVIRONMENT_KEYS) {
      if (field === 'promotion' || field === 'steps') continue;
      const f = this.get(value, field);
      if (!f) continue;
      const text = stringValue(f.value);
      if (text === undefined || text.trim() === '') {
        return bad(
          `${field} of environment "${env}" must be a non-empty string (found ${describeNode(
            f.value,
          )})`,
          this.at(f),
        );
      }
      if (field === 'namespace' && !NAMESPACE_PATTERN.test(text)) {
        return bad(
          `namespace of environment "${env}" must be a Kubernetes namespace name: at most 63 lowercase letters, digits and "-" (found: ${JSON.stringify(
            text,
          )})`,
          f.value,
        );
      }
      if (field === 'url' && !isHttpUrl(text)) {
        return bad(
          `url of environment "${env}" must be an http(s) URL (found: ${JSON.stringify(
            text,
          )})`,
          f.value,
        );
      }
      out[field as 'cluster' | 'namespace' | 'url'] = text;
    }
    return out;
  }

  private parseServices(
    spec: YAMLMap,
    staged: string[],
    known: Set<string>,
  ): ParsedPipeline['services'] {
    const services: ParsedPipeline['services'] = {};
    const entry = this.get(spec, 'services');
    // No services yet is a valid (if empty) pipeline.
    if (!entry || (isScalar(entry.value) && entry.value.value === null))
      return services;
    if (!isMap(entry.value))
      this.fail(
        `spec.services must be a map (found ${describeNode(entry.value)})`,
        this.at(entry),
      );

    for (const s of mapEntries(this.doc, entry.value)) {
      const service = String(s.key.value);
      const out: Record<
        string,
        ServiceEnvironmentSpec | { error: SourceError }
      > = {};
      services[service] = out;
      const all = (error: SourceError) => {
        for (const env of staged) out[env] = { error };
      };
      if (!NAME_PATTERN.test(service)) {
        all(
          this.error(
            `service name ${JSON.stringify(service)} ${NAME_RULE}`,
            s.key,
          ),
        );
        continue;
      }
      const svc = s.value;
      if (!isMap(svc)) {
        all(
          this.error(
            `service "${service}" must be a map with path and locator (found ${describeNode(
              svc,
            )})`,
            this.at(s),
          ),
        );
        continue;
      }
      const unknown = this.unknownKey(
        svc,
        SERVICE_KEYS,
        `in service "${service}"`,
      );
      if (unknown) {
        all(unknown);
        continue;
      }

      // Per-environment overrides.
      const overrides = new Map<string, YAMLMap | null>();
      const overridesEntry = this.get(svc, 'environments');
      const overridesMap = overridesEntry?.value;
      if (
        overridesEntry &&
        !(isScalar(overridesMap) && overridesMap.value === null)
      ) {
        if (!isMap(overridesMap)) {
          all(
            this.error(
              `environments of service "${service}" must be a map of environment overrides (found ${describeNode(
                overridesMap,
              )})`,
              this.at(overridesEntry),
            ),
          );
          continue;
        }
        for (const o of mapEntries(this.doc, overridesMap)) {
          const env = String(o.key.value);
          if (!known.has(env)) {
            out[env] = {
              error: this.error(
                `service "${service}" has settings for environment "${env}", which is not in the pipeline (known: ${quoteList(
                  [...known],
                )})`,
                o.key,
              ),
            };
            continue;
          }
          // Environments in no stage are reported once, under environmentErrors.
          if (!staged.includes(env)) continue;
          if (isScalar(o.value) && o.value.value === null) {
            overrides.set(env, null);
          } else if (!isMap(o.value)) {
            out[env] = {
              error: this.error(
                `settings of service "${service}" for environment "${env}" must be a map (found ${describeNode(
                  o.value,
                )})`,
                this.at(o),
              ),
            };
          } else {
            const bad = this.unknownKey(
              o.value,
              OVERRIDE_KEYS,
              `in service "${service}", environment "${env}"`,
            );
            if (bad) out[env] = { error: bad };
            else overrides.set(env, o.value);
          }
        }
      }

      for (const env of staged) {
        if (out[env]) continue;
        const result = this.resolveServiceEnvironment(
          service,
          env,
          s,
          svc,
          overrides.get(env) ?? null,
        );
        if (result !== 'disabled') out[env] = result;
      }
    }
    return services;
  }

  private resolveServiceEnvironment(
    service: string,
    env: string,
    serviceEntry: MapEntry,
    defaults: YAMLMap,
    override: YAMLMap | null,
  ): ServiceEnvironmentSpec | { error: SourceError } | 'disabled' {
    const fail = (message: string, node: unknown) => ({
      error: this.error(message, node),
    });
    // An override key replaces the default key.
    const pick = (key: string) =>
      (override && this.get(override, key)) || this.get(defaults, key);

    const enabled = pick('enabled');
    if (enabled) {
      const v = isScalar(enabled.value) ? enabled.value.value : undefined;
      if (typeof v !== 'boolean') {
        return fail(
          `enabled of service "${service}" must be true or false (found ${describeNode(
            enabled.value,
          )})`,
          this.at(enabled),
        );
      }
      if (!v) return 'disabled';
    }

    const pathEntry = pick('path');
    if (!pathEntry) {
      return fail(
        `service "${service}" has no path for environment "${env}" (set spec.services.${service}.path or spec.services.${service}.environments.${env}.path)`,
        serviceEntry.key,
      );
    }
    const rawPath = stringValue(pathEntry.value);
    if (rawPath === undefined) {
      return fail(
        `path of service "${service}" must be a string (found ${describeNode(
          pathEntry.value,
        )})`,
        this.at(pathEntry),
      );
    }
    const path = substitute(rawPath, service, env);
    const placeholder = /\{[^{}]*\}|[{}]/.exec(path);
    if (placeholder) {
      return fail(
        `unknown placeholder ${JSON.stringify(
          placeholder[0],
        )} in path ${JSON.stringify(
          rawPath,
        )} (expected {environment} or {service})`,
        pathEntry.value,
      );
    }
    const badPath = checkManifestPath(path);
    if (badPath) return fail(badPath, pathEntry.value);

    // Locator: an override with the same (or no) type refines the default
    // options key by key; an override with another type replaces them.
    const defaultLocator = this.get(defaults, 'locator');
    const overrideLocator = override
      ? this.get(override, 'locator')
      : undefined;
    if (!defaultLocator && !overrideLocator) {
      return fail(
        `service "${service}" has no locator for environment "${env}"`,
        serviceEntry.key,
      );
    }
    for (const l of [defaultLocator, overrideLocator]) {
      if (l && !isMap(l.value)) {
        return fail(
          `locator of service "${service}" must be a map with type and options (found ${describeNode(
            l.value,
          )})`,
          this.at(l),
        );
      }
    }
    const toOptions = (l: MapEntry | undefined): Record<string, unknown> =>
      l ? (toPlain(this.doc, l.value) as Record<string, unknown>) : {};
    const base = toOptions(defaultLocator);
    const refine = toOptions(overrideLocator);
    const typeEntry =
      (overrideLocator && this.get(overrideLocator.value as YAMLMap, 'type')) ||
      (defaultLocator && this.get(defaultLocator.value as YAMLMap, 'type'));
    const locatorEntry = (overrideLocator ?? defaultLocator)!;
    const locatorNode = locatorEntry.value;
    if (!typeEntry) {
      return fail(
        `locator of service "${service}" has no type (known: ${this.registry
          .types()
          .join(', ')})`,
        locatorEntry.key,
      );
    }
    const type = stringValue(typeEntry.value);
    if (type === undefined) {
      return fail(
        `locator type of service "${service}" must be a string (found ${describeNode(
          typeEntry.value,
        )})`,
        this.at(typeEntry),
      );
    }
    const locator = this.registry.get(type);
    if (!locator) {
      return fail(
        `unknown locator type ${JSON.stringify(type)} (known: ${this.registry
          .types()
          .join(', ')})`,
        typeEntry.value,
      );
    }
    const merged =
      refine.type === undefined || refine.type === base.type
        ? { ...base, ...refine }
        : refine;
    const { type: _type, ...rawOptions } = merged;
    const options = substituteDeep(rawOptions, service, env) as Record<
      string,
      unknown
    >;
    let invalid: string | undefined;
    try {
      invalid = locator.validateOptions(options);
    } catch (e) {
      // A third-party locator should not throw, but must not break the whole file.
      invalid = `validation failed: ${
        e instanceof Error ? e.message : String(e)
      }`;
    }
    if (invalid) {
      return fail(
        `invalid ${type} locator of service "${service}": ${invalid}`,
        locatorNode,
      );
    }
    return { service, environment: env, path, locator: { type, options } };
  }
}

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return (
      (url.protocol === 'http:' || url.protocol === 'https:') &&
      url.hostname !== ''
    );
  } catch {
    return false;
  }
}

/**
 * Parses and validates a pipeline file (docs/pipeline.md). Never throws:
 * whole-file problems become `fileError` (with `definition: null`),
 * problems of one environment `environmentErrors[env]`, problems of one
 * service in one environment `services[svc][env] = { error }`.
 */
export function parsePipeline(
  content: string,
  file: string,
  registry: VersionLocatorRegistry,
  stepTypes: StepTypeCatalog = defaultStepCatalog(),
): ParsedPipeline {
  try {
    return new PipelineParser(content, file, registry, stepTypes).parse();
  } catch (e) {
    const fileError: SourceError =
      e instanceof FileProblem
        ? e.sourceError
        : // A parser bug must not stop the ingestion of the repository: show it on the file.
          {
            message: `internal error while parsing the pipeline file: ${
              e instanceof Error ? e.message : String(e)
            }`,
            file,
          };
    return { definition: null, services: {}, environmentErrors: {}, fileError };
  }
}
