import type { ParsedPipeline } from '../pipeline/types';

/**
 * What a pipeline change takes away: per environment, the services that
 * were deployed there before and are not after (every service of an
 * environment the change removes). Read from the two files, never from a
 * branch's name.
 */
export function retiredBy(
  before: ParsedPipeline,
  after: ParsedPipeline,
): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [service, entries] of Object.entries(before.services)) {
    for (const environment of Object.keys(entries)) {
      if (after.services[service]?.[environment]) continue;
      out.set(environment, [...(out.get(environment) ?? []), service]);
    }
  }
  return out;
}
