/*
 * The live status of an environment in events-only mode (no cluster
 * credentials): health, sync and revision from the last Argo CD / Flux
 * event, marked `source: 'events'`. Sync is checked against the ingested
 * head as for a watched cluster; Argo CD's own OutOfSync wins.
 */
import type {
  EnvironmentLiveStatus,
  SyncStatus,
} from '@gitops2/plugin-gitops-common';
import { computeDrift, computeSync } from '../../cluster/computeStatus';
import type { EventLiveStatus } from './CdEventStatusStore';

export function eventsLiveStatus(
  base: EnvironmentLiveStatus,
  e: EventLiveStatus,
  desired: string | null | undefined,
  head: string | undefined,
): EnvironmentLiveStatus {
  const deliverySync = e.sync === 'Unknown' ? undefined : e.sync;
  const sync: SyncStatus = computeSync(
    { appliedRevision: e.revision, deliverySync },
    head,
  );
  const drift = computeDrift(desired, e.observedVersions);
  return {
    ...base,
    health: e.health,
    sync,
    ...(e.revision ? { appliedRevision: e.revision } : {}),
    observedVersions: e.observedVersions,
    ...(drift ? { drift } : {}),
    updatedAt: e.eventAt,
    source: 'events',
    events: {
      tool: e.tool,
      app: e.app,
      at: e.eventAt,
      ...(e.operationPhase ? { operationPhase: e.operationPhase } : {}),
      ...(e.reason ? { reason: e.reason } : {}),
      ...(e.message ? { message: e.message } : {}),
    },
  };
}
