/*
 * The body of the `gitops-portal` Argo CD notification template
 * (docs/cd-events.md) → CdEvent. Refuses what does not fit its bounds.
 */
import { argoHealth } from '../../cluster/computeStatus';
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

const MAX_IMAGES = 50;
const SYNC = new Set(['Synced', 'OutOfSync', 'Unknown']);

export function parseArgoCdEvent(body: unknown, receivedAt: number): CdEvent {
  if (!isObject(body)) throw new CdPayloadError('body must be a JSON object');
  const images = body.images ?? [];
  if (!Array.isArray(images) || images.length > MAX_IMAGES) {
    throw new CdPayloadError(`images must be a list of at most ${MAX_IMAGES}`);
  }
  const sync = optionalString(body.syncStatus, 'syncStatus', 16);
  if (sync && !SYNC.has(sync)) {
    throw new CdPayloadError('syncStatus is not an Argo CD sync status');
  }
  return {
    tool: 'argocd',
    kind: 'Application',
    name: objectName(body.app, 'app'),
    namespace: objectName(body.namespace ?? 'argocd', 'namespace'),
    targetNamespace: optionalString(
      body.destinationNamespace,
      'destinationNamespace',
      63,
    ),
    hints: {
      repository: pipelineName(body.gitopsRepository, 'gitopsRepository'),
      service: pipelineName(body.service, 'service'),
      environment: pipelineName(body.environment, 'environment'),
    },
    health: argoHealth(optionalString(body.healthStatus, 'healthStatus', 16)),
    sync: sync as CdEvent['sync'],
    operationPhase: optionalString(body.operationPhase, 'operationPhase', 16),
    revision: revisionSha(body.revision, 'revision'),
    images: images.map((i, n) => {
      const image = optionalString(i, `images[${n}]`, 512);
      if (!image) throw new CdPayloadError(`images[${n}] is empty`);
      return image;
    }),
    message: optionalString(body.message, 'message', 4096)?.slice(0, 512),
    at: eventTime(body.reconciledAt, receivedAt),
  };
}
