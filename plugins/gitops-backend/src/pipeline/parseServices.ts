import { isMap, isScalar, YAMLMap } from 'yaml';
import { NAME_PATTERN, SourceError } from '@gitops2/plugin-gitops-common';
import { describeNode, mapEntries, quoteList } from '../locators/yamlSupport';
import { NAME_RULE, PipelineContext } from './pipelineContext';
import { resolveServiceEnvironment } from './resolveServiceEnvironment';
import type { ParsedPipeline, ServiceEnvironmentSpec } from './types';

const SERVICE_KEYS = ['path', 'locator', 'enabled', 'environments'];
const OVERRIDE_KEYS = ['path', 'locator', 'enabled'];
/** Bounds the work one file can cause (each service × each environment). */
export const MAX_SERVICES = 5000;

/**
 * Parses `spec.services` for the environments listed in a stage (`staged`);
 * `known` also holds the environments that are in no stage.
 */
export function parseServices(
  ctx: PipelineContext,

  spec: YAMLMap,
  staged: string[],
  known: Set<string>,
): ParsedPipeline['services'] {
  const services: ParsedPipeline['services'] = {};
  const entry = ctx.get(spec, 'services');
  // No services yet is a valid (if empty) pipeline.
  if (!entry || (isScalar(entry.value) && entry.value.value === null))
    return services;
  if (!isMap(entry.value))
    ctx.fail(
      `spec.services must be a map (found ${describeNode(entry.value)})`,
      ctx.at(entry),
    );

  // Counted after merge keys (`<<:`): one pair may stand for many.
  const entries = mapEntries(ctx.doc, entry.value);
  if (entries.length > MAX_SERVICES)
    ctx.fail(
      `spec.services has ${entries.length} services; at most ${MAX_SERVICES} (split the repository's pipeline)`,
      entry.key,
    );
  for (const s of entries) {
    const service = String(s.key.value);
    const out: Record<string, ServiceEnvironmentSpec | { error: SourceError }> =
      {};
    services[service] = out;
    const all = (error: SourceError) => {
      for (const env of staged) out[env] = { error };
    };
    if (!NAME_PATTERN.test(service)) {
      all(
        ctx.error(
          `service name ${JSON.stringify(service)} ${NAME_RULE}`,
          s.key,
        ),
      );
      continue;
    }
    const svc = s.value;
    if (!isMap(svc)) {
      all(
        ctx.error(
          `service "${service}" must be a map with path and locator (found ${describeNode(
            svc,
          )})`,
          ctx.at(s),
        ),
      );
      continue;
    }
    const unknown = ctx.unknownKey(
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
    const overridesEntry = ctx.get(svc, 'environments');
    const overridesMap = overridesEntry?.value;
    if (
      overridesEntry &&
      !(isScalar(overridesMap) && overridesMap.value === null)
    ) {
      if (!isMap(overridesMap)) {
        all(
          ctx.error(
            `environments of service "${service}" must be a map of environment overrides (found ${describeNode(
              overridesMap,
            )})`,
            ctx.at(overridesEntry),
          ),
        );
        continue;
      }
      for (const o of mapEntries(ctx.doc, overridesMap)) {
        const env = String(o.key.value);
        if (!known.has(env)) {
          out[env] = {
            error: ctx.error(
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
            error: ctx.error(
              `settings of service "${service}" for environment "${env}" must be a map (found ${describeNode(
                o.value,
              )})`,
              ctx.at(o),
            ),
          };
        } else {
          const bad = ctx.unknownKey(
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
      const result = resolveServiceEnvironment(
        ctx,
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
