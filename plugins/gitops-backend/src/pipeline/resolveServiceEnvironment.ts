import { isMap, isScalar, YAMLMap } from 'yaml';
import { SourceError } from '@gitops2/plugin-gitops-common';
import {
  describeNode,
  MapEntry,
  stringValue,
  toPlain,
} from '../locators/yamlSupport';
import { checkManifestPath, substitute, substituteDeep } from './manifestPath';
import { PipelineContext } from './pipelineContext';
import type { ServiceEnvironmentSpec } from './types';

/**
 * The manifest path and locator of one service in one environment: the
 * service's defaults refined by its override for that environment.
 */
export function resolveServiceEnvironment(
  ctx: PipelineContext,

  service: string,
  env: string,
  serviceEntry: MapEntry,
  defaults: YAMLMap,
  override: YAMLMap | null,
): ServiceEnvironmentSpec | { error: SourceError } | 'disabled' {
  const fail = (message: string, node: unknown) => ({
    error: ctx.error(message, node),
  });
  // An override key replaces the default key.
  const pick = (key: string) =>
    (override && ctx.get(override, key)) || ctx.get(defaults, key);

  const enabled = pick('enabled');
  if (enabled) {
    const v = isScalar(enabled.value) ? enabled.value.value : undefined;
    if (typeof v !== 'boolean') {
      return fail(
        `enabled of service "${service}" must be true or false (found ${describeNode(
          enabled.value,
        )})`,
        ctx.at(enabled),
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
      ctx.at(pathEntry),
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
  const defaultLocator = ctx.get(defaults, 'locator');
  const overrideLocator = override ? ctx.get(override, 'locator') : undefined;
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
        ctx.at(l),
      );
    }
  }
  const toOptions = (l: MapEntry | undefined): Record<string, unknown> =>
    l ? (toPlain(ctx.doc, l.value) as Record<string, unknown>) : {};
  const base = toOptions(defaultLocator);
  const refine = toOptions(overrideLocator);
  const typeEntry =
    (overrideLocator && ctx.get(overrideLocator.value as YAMLMap, 'type')) ||
    (defaultLocator && ctx.get(defaultLocator.value as YAMLMap, 'type'));
  const locatorEntry = (overrideLocator ?? defaultLocator)!;
  const locatorNode = locatorEntry.value;
  if (!typeEntry) {
    return fail(
      `locator of service "${service}" has no type (known: ${ctx.registry
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
      ctx.at(typeEntry),
    );
  }
  const locator = ctx.registry.get(type);
  if (!locator) {
    return fail(
      `unknown locator type ${JSON.stringify(type)} (known: ${ctx.registry
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
