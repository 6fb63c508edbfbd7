import { isMap, isScalar, YAMLMap } from 'yaml';
import {
  EnvironmentSteps,
  NAME_PATTERN,
  PromotionPolicy,
  SourceError,
} from '@gitops2/plugin-gitops-common';
import {
  describeNode,
  mapEntries,
  MapEntry,
  stringValue,
  toPlain,
} from '../locators/yamlSupport';
import { NAME_RULE, PipelineContext } from './pipelineContext';
import { parsePromotionPolicy } from './promotionPolicy';

const ENVIRONMENT_KEYS = ['cluster', 'namespace', 'url', 'promotion', 'steps'];
// Kubernetes namespaces are DNS-1123 labels.
const NAMESPACE_PATTERN = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
/** Bounds the work one file can cause (each service × each environment). */
export const MAX_ENVIRONMENTS = 200;

/** One entry of `spec.environments`: its settings, or its first error. */
export type EnvEntry =
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

/** Parses `spec.environments`; a missing or non-map section breaks the whole file. */
export function parseEnvironmentEntries(
  ctx: PipelineContext,
  specEntry: MapEntry,
): Map<string, EnvEntry> {
  const entry = ctx.get(specEntry.value as YAMLMap, 'environments');
  if (!entry) {
    ctx.fail(
      "spec.environments is missing: give each environment's cluster, namespace and url",
      specEntry.key,
    );
  }
  const map = entry.value;
  if (!isMap(map))
    ctx.fail(
      `spec.environments must be a map (found ${describeNode(map)})`,
      ctx.at(entry),
    );

  // Counted after merge keys (`<<:`): one pair may stand for many.
  const entries = mapEntries(ctx.doc, map);
  if (entries.length > MAX_ENVIRONMENTS)
    ctx.fail(
      `spec.environments has ${entries.length} environments; at most ${MAX_ENVIRONMENTS}`,
      entry.key,
    );
  const result = new Map<string, EnvEntry>();
  // Names that differ only by case are one catalog entity and one name to
  // permission policies: the second is an error of its own.
  const lower = new Map<string, string>();
  for (const e of entries) {
    const env = String(e.key.value);
    const first = lower.get(env.toLowerCase());
    if (first !== undefined && first !== env) {
      result.set(env, {
        ok: false,
        error: ctx.error(
          `environment name "${env}" differs from "${first}" only by case; names must differ in more than case`,
          e.key,
        ),
        key: e.key,
      });
      continue;
    }
    lower.set(env.toLowerCase(), env);
    result.set(env, parseEnvironmentEntry(ctx, env, e));
  }
  return result;
}

function parseEnvironmentEntry(
  ctx: PipelineContext,
  env: string,
  e: MapEntry,
): EnvEntry {
  const bad = (message: string, node: unknown): EnvEntry => ({
    ok: false,
    error: ctx.error(message, node),
    key: e.key,
  });
  if (!NAME_PATTERN.test(env))
    return bad(`environment name ${JSON.stringify(env)} ${NAME_RULE}`, e.key);
  const value = e.value;
  // `dev:` with nothing or `dev: {}`: an environment without cluster details.
  if (isScalar(value) && value.value === null) return { ok: true, key: e.key };
  if (!isMap(value)) {
    return bad(
      `environment "${env}" must be a map with cluster, namespace and url (found ${describeNode(
        value,
      )})`,
      ctx.at(e),
    );
  }
  const unknown = ctx.unknownKey(
    value,
    ENVIRONMENT_KEYS,
    `in environment "${env}"`,
  );
  if (unknown) return { ok: false, error: unknown, key: e.key };

  const out: EnvEntry = { ok: true, key: e.key };
  const promotion = ctx.get(value, 'promotion');
  if (promotion) {
    const parsed = parsePromotionPolicy(toPlain(ctx.doc, promotion.value));
    if (typeof parsed === 'string') {
      return bad(
        `promotion of environment "${env}": ${parsed}`,
        promotion.value ?? ctx.at(promotion),
      );
    }
    out.promotion = parsed;
  }
  const steps = ctx.get(value, 'steps');
  if (steps) {
    const parsed = ctx.steps(
      steps.value,
      `in the steps of environment "${env}"`,
    );
    if ('error' in parsed)
      return { ok: false, error: parsed.error, key: e.key };
    out.steps = parsed;
  }
  for (const field of ENVIRONMENT_KEYS) {
    if (field === 'promotion' || field === 'steps') continue;
    const f = ctx.get(value, field);
    if (!f) continue;
    const text = stringValue(f.value);
    if (text === undefined || text.trim() === '') {
      return bad(
        `${field} of environment "${env}" must be a non-empty string (found ${describeNode(
          f.value,
        )})`,
        ctx.at(f),
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
