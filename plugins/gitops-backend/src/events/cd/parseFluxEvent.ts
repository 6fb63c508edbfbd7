/*
 * A Flux notification-controller event (generic / generic-hmac provider)
 * → CdEvent. Only Kustomization and HelmRelease events say something about
 * what runs; an event whose reason tells nothing of health is not a status
 * (null).
 */
import type { HealthStatus } from '@gitops2/plugin-gitops-common';
import type { CdEvent } from './types';
import {
  CdPayloadError,
  isObject,
  objectName,
  optionalString,
  pipelineName,
  revisionSha,
  eventTime,
} from './payloadFields';

const KINDS = new Set(['Kustomization', 'HelmRelease']);
const MAX_METADATA_KEYS = 50;

/** Health from the event's reason and severity (Flux has no health field). */
export function fluxEventHealth(
  reason: string | undefined,
  severity: string | undefined,
): HealthStatus | undefined {
  if (reason && /Progressing|DependencyNotReady|Reconciling/.test(reason))
    return 'Progressing';
  if (severity === 'error') return 'Degraded';
  if (
    reason &&
    /^(ReconciliationSucceeded|InstallSucceeded|UpgradeSucceeded|TestSucceeded|RollbackSucceeded)$/.test(
      reason,
    )
  )
    return 'Healthy';
  return undefined;
}

/** `<anything>/service`, `service` … : the last segment of a metadata key. */
function hintsOf(metadata: Record<string, unknown>) {
  const hints: CdEvent['hints'] = {};
  let revision: unknown;
  for (const [key, value] of Object.entries(metadata)) {
    const name = key.split('/').pop();
    if (name === 'revision') revision = value;
    else if (name === 'service')
      hints.service = pipelineName(value, `metadata.${key}`);
    else if (name === 'environment')
      hints.environment = pipelineName(value, `metadata.${key}`);
    else if (name === 'gitops-repo')
      hints.repository = pipelineName(value, `metadata.${key}`);
  }
  return { hints, revision };
}

export function parseFluxEvent(
  body: unknown,
  receivedAt: number,
): CdEvent | null {
  if (!isObject(body)) throw new CdPayloadError('body must be a JSON object');
  const object = body.involvedObject;
  if (!isObject(object)) throw new CdPayloadError('involvedObject is required');
  const kind = optionalString(object.kind, 'involvedObject.kind', 64);
  if (!kind || !KINDS.has(kind)) return null;
  const metadata = body.metadata ?? {};
  if (!isObject(metadata) || Object.keys(metadata).length > MAX_METADATA_KEYS) {
    throw new CdPayloadError(
      `metadata must be an object of at most ${MAX_METADATA_KEYS} keys`,
    );
  }
  const reason = optionalString(body.reason, 'reason', 64);
  const severity = optionalString(body.severity, 'severity', 16);
  const health = fluxEventHealth(reason, severity);
  if (!health) return null;
  const { hints, revision } = hintsOf(metadata);
  return {
    tool: 'flux',
    kind: kind as CdEvent['kind'],
    name: objectName(object.name, 'involvedObject.name'),
    namespace: objectName(object.namespace, 'involvedObject.namespace'),
    hints,
    health,
    // A HelmRelease's revision is its chart version: no commit to compare.
    revision:
      kind === 'Kustomization'
        ? revisionSha(revision, 'metadata revision')
        : undefined,
    images: [],
    reason,
    message: optionalString(body.message, 'message', 32_768)?.slice(0, 512),
    at: eventTime(body.timestamp, receivedAt),
  };
}
