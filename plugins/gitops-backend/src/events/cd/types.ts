/*
 * Argo CD and Flux notifications (docs/cd-events.md), normalized: what one
 * event says about one Application / Kustomization / HelmRelease.
 */
import type { HealthStatus } from '@gitops2/plugin-gitops-common';

export type CdTool = 'argocd' | 'flux';

/** Events topics of the HTTP ingress (`/api/events/http/<topic>`). */
export const CD_TOPICS: Record<CdTool, string> = {
  argocd: 'gitops.argocd',
  flux: 'gitops.flux',
};

/** Largest notification body accepted (bytes); real ones are 1-4 KiB. */
export const MAX_CD_EVENT_BYTES = 64 * 1024;

export interface CdEvent {
  tool: CdTool;
  kind: 'Application' | 'Kustomization' | 'HelmRelease';
  /** Namespace and name of the Argo CD / Flux object. */
  namespace: string;
  name: string;
  /** Namespace it deploys to, when the event says (Argo CD destination). */
  targetNamespace?: string;
  /** Explicit mapping from the object's annotations or the alert's metadata. */
  hints: { repository?: string; service?: string; environment?: string };
  health: HealthStatus;
  /** Argo CD's own sync verdict (Flux has none). */
  sync?: 'Synced' | 'OutOfSync' | 'Unknown';
  /** Argo CD operationState.phase. */
  operationPhase?: string;
  /** Git commit applied (full sha). */
  revision?: string;
  /** Images the tool reports (Argo CD status.summary.images). */
  images: string[];
  reason?: string;
  message?: string;
  /** When it happened by the tool's clock (epoch ms), else when received. */
  at: number;
}

/** Where an event belongs in the portal's pipelines. */
export interface CdEventTarget {
  repositoryId: string;
  service: string;
  environment: string;
  /** The environment's cluster, when the portal watches it. */
  watchedCluster?: string;
}
