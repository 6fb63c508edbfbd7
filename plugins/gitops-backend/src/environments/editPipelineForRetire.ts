import { ConflictError, NotFoundError } from '@backstage/errors';
import { isMap, isSeq, parseDocument, YAMLMap } from 'yaml';
import {
  appendToMap,
  applySplices,
  removeMapPair,
  removeSeqItem,
  Splice,
} from './yamlSplice';

/**
 * The pipeline file without an environment (`service` absent): out of its
 * stage (the stage goes too when it held only that environment), its entry
 * under `spec.environments` and every service's override for it removed; or,
 * with `service`, that service disabled there (`<env>: { enabled: false }`,
 * replacing its override). Lines are removed or inserted at the positions
 * the `yaml` Document API gives; the rest of the file stays as it was.
 */
export function editPipelineForRetire(options: {
  text: string;
  file: string;
  environment: string;
  service?: string;
}): string {
  const { text, file, environment, service } = options;
  const doc = parseDocument(text, { keepSourceTokens: true });
  const spec = doc.get('spec');
  const fail = (what: string): never => {
    throw new ConflictError(`${file}: ${what}; edit the file by hand`);
  };
  if (!isMap(spec)) return fail('spec is not a map');
  const services = spec.get('services');
  const splices: Splice[] = [];

  if (service) {
    const svc = isMap(services) ? services.get(service) : undefined;
    if (!isMap(svc))
      throw new NotFoundError(`service "${service}" is not in the pipeline`);
    const overrides = svc.get('environments', true);
    const disabled = { enabled: false };
    if (isMap(overrides)) {
      const removed = removeMapPair(text, overrides, environment);
      if (removed && overrides.items.length === 1 && !overrides.flow) {
        // The only override: replace the whole `environments:` entry.
        splices.push(removeMapPair(text, svc, 'environments')!);
        splices.push(
          appendToMap(text, svc, 'environments', {
            [environment]: disabled,
          }),
        );
      } else {
        if (removed) splices.push(removed);
        splices.push(appendToMap(text, overrides, environment, disabled));
      }
    } else if (overrides === undefined || overrides === null) {
      splices.push(
        appendToMap(text, svc, 'environments', { [environment]: disabled }),
      );
    } else {
      fail(`environments of service "${service}" is not a map`);
    }
    return applySplices(text, dedupe(splices));
  }

  const stages = spec.get('stages');
  if (!isSeq(stages)) return fail('spec.stages is not a sequence');
  const stageIndex = stages.items.findIndex(s => {
    const envs = isMap(s) ? (s as YAMLMap).get('environments') : undefined;
    return (
      isSeq(envs) &&
      envs.items.some(e => String((e as any)?.value ?? e) === environment)
    );
  });
  if (stageIndex < 0)
    throw new NotFoundError(`environment "${environment}" is in no stage`);
  const envs = (stages.items[stageIndex] as YAMLMap).get('environments') as any;
  if (envs.items.length === 1) {
    splices.push(removeSeqItem(text, stages, stageIndex));
  } else {
    splices.push(
      removeSeqItem(
        text,
        envs,
        envs.items.findIndex((e: any) => String(e?.value ?? e) === environment),
      ),
    );
  }
  const environments = spec.get('environments');
  if (isMap(environments)) {
    const removed = removeMapPair(text, environments, environment);
    if (removed) splices.push(removed);
  }
  if (isMap(services)) {
    for (const pair of services.items) {
      const overrides = isMap(pair.value)
        ? (pair.value as YAMLMap).get('environments', true)
        : undefined;
      if (!isMap(overrides)) continue;
      const removed = removeMapPair(text, overrides, environment);
      if (!removed) continue;
      if (overrides.items.length === 1 && !overrides.flow)
        // Its only override: the `environments:` key goes with it.
        splices.push(
          removeMapPair(text, pair.value as YAMLMap, 'environments')!,
        );
      else splices.push(removed);
    }
  }
  return applySplices(text, dedupe(splices));
}

/** One edit per position range (a removal may be asked twice). */
function dedupe(splices: Splice[]): Splice[] {
  const seen = new Set<string>();
  return splices.filter(s => {
    const key = `${s.at}:${s.remove ?? 0}:${s.text}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
