import { ConflictError } from '@backstage/errors';
import type { ServiceAddRequest } from '@gitops2/plugin-gitops-common';
import { isMap, isScalar, parseDocument } from 'yaml';
import { appendToMap, applySplices } from './yamlSplice';

/**
 * The pipeline file with a new service under `spec.services`: its path
 * template, its locator, and `enabled: false` for every environment it does
 * not run in. One entry inserted where the Document API says the map ends;
 * the rest of the file stays as it was.
 */
export function editPipelineForService(options: {
  text: string;
  file: string;
  request: ServiceAddRequest;
  allEnvironments: string[];
}): string {
  const { text, file, request } = options;
  const doc = parseDocument(text, { keepSourceTokens: true });
  const spec = doc.get('spec');
  if (!isMap(spec)) throw new ConflictError(`${file}: spec is not a map`);
  const off = options.allEnvironments.filter(
    e => !request.environments.includes(e),
  );
  const entry = {
    path: request.path,
    locator: { type: request.locator.type, ...(request.locator.options ?? {}) },
    ...(off.length
      ? {
          environments: Object.fromEntries(
            off.map(e => [e, { enabled: false }]),
          ),
        }
      : {}),
  };
  const services = spec.get('services', true);
  if (isMap(services))
    return applySplices(text, [
      appendToMap(text, services, request.service, entry),
    ]);
  if (services === undefined)
    return applySplices(text, [
      appendToMap(text, spec, 'services', { [request.service]: entry }),
    ]);
  if (isScalar(services) && services.value === null)
    throw new ConflictError(
      `${file}: spec.services is empty (a key without a value); write "services: {}" or add the service by hand`,
    );
  throw new ConflictError(`${file}: spec.services is not a map`);
}
