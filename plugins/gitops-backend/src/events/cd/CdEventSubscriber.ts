/*
 * Receives the Argo CD and Flux notifications the events backend accepted
 * (their validators checked the secret) and acts on each:
 * - an environment on a cluster the portal watches → an immediate re-check
 *   of that cluster's status;
 * - an environment the portal has no cluster credentials for (events-only
 *   mode) → the event is its live status (stored for every replica) and
 *   moves the outcome of its latest rollout as the cluster observer would.
 * Events that do not parse or map to one (service, environment) are
 * ignored with a log line naming the object, never its payload.
 */
import type { LoggerService } from '@backstage/backend-plugin-api';
import type { EventParams, EventsService } from '@backstage/plugin-events-node';
import { rolloutOutcome } from '../../cluster/computeStatus';
import type { LiveChange } from '../../cluster/ClusterObserver';
import type { CdEventStatusStore } from './CdEventStatusStore';
import { mapCdEvent, StoredRepository } from './mapCdEvent';
import { observedVersions } from './observedVersions';
import { parseArgoCdEvent } from './parseArgoCdEvent';
import { parseFluxEvent } from './parseFluxEvent';
import { CdPayloadError } from './payloadFields';
import { CD_TOPICS, CdEvent, CdEventTarget, CdTool } from './types';

const TOOL_NAMES: Record<CdTool, string> = {
  argocd: 'Argo CD',
  flux: 'Flux',
};

export interface CdEventSubscriberOptions {
  events: EventsService;
  store: CdEventStatusStore;
  repositories: () => Promise<StoredRepository[]>;
  watchedClusters: ReadonlySet<string>;
  /** Re-checks a watched cluster now (a no-op on replicas not watching). */
  recheck: (cluster: string) => Promise<void>;
  onChange?: (change: LiveChange) => void;
  logger: LoggerService;
  now?: () => number;
}

/** What one event did (tests and logs). */
export type CdEventResult =
  | 'invalid'
  | 'not-a-status'
  | 'unmapped'
  | 'rechecked'
  | 'recorded'
  | 'stale';

export class CdEventSubscriber {
  constructor(private readonly options: CdEventSubscriberOptions) {}

  async subscribe(): Promise<void> {
    await this.options.events.subscribe({
      id: 'gitops-cd-events',
      topics: Object.values(CD_TOPICS),
      onEvent: async params => {
        await this.onEvent(params);
      },
    });
  }

  async onEvent(params: EventParams): Promise<CdEventResult | undefined> {
    const tool = (Object.keys(CD_TOPICS) as CdTool[]).find(
      t => CD_TOPICS[t] === params.topic,
    );
    if (!tool) return undefined;
    try {
      return await this.handle(tool, params.eventPayload);
    } catch (e) {
      this.options.logger.warn(
        `${TOOL_NAMES[tool]} event failed: ${
          e instanceof Error ? e.message : String(e)
        }`,
      );
      return undefined;
    }
  }

  private async handle(tool: CdTool, payload: unknown): Promise<CdEventResult> {
    const { logger } = this.options;
    const now = this.options.now?.() ?? Date.now();
    let event: CdEvent | null;
    try {
      event =
        tool === 'argocd'
          ? parseArgoCdEvent(payload, now)
          : parseFluxEvent(payload, now);
    } catch (e) {
      if (!(e instanceof CdPayloadError)) throw e;
      logger.warn(`${TOOL_NAMES[tool]} event refused: ${e.message}`);
      return 'invalid';
    }
    if (!event) {
      logger.debug(`${TOOL_NAMES[tool]} event says nothing of health, ignored`);
      return 'not-a-status';
    }
    const object = `${event.kind} ${event.namespace}/${event.name}`;
    const { target, matches } = mapCdEvent(
      event,
      await this.options.repositories(),
      this.options.watchedClusters,
    );
    if (!target) {
      logger.debug(
        `${TOOL_NAMES[tool]} event for ${object}: ${
          matches ? `${matches} services match` : 'no service matches'
        } (docs/cd-events.md, Mapping), ignored`,
      );
      return 'unmapped';
    }
    if (target.watchedCluster) {
      await this.options.recheck(target.watchedCluster);
      return 'rechecked';
    }
    return this.record(target, event);
  }

  private async record(
    target: CdEventTarget,
    event: CdEvent,
  ): Promise<CdEventResult> {
    const { store, logger } = this.options;
    const versions = await observedVersions(
      event.images,
      target.service,
      event.revision,
      revision => store.versionAtRevision(target, revision),
    );
    if (!(await store.record(target, event, versions))) return 'stale';
    const key = {
      repositoryId: target.repositoryId,
      service: target.service,
      environment: target.environment,
    };
    this.changed({ kind: 'status', ...key });
    const rollout = await store.openRollout(target);
    if (!rollout) return 'recorded';
    const outcome = rolloutOutcome(rollout.outcome, rollout.to_version, {
      health: event.health,
      observedVersions: versions,
    });
    if (!outcome) return 'recorded';
    const observedAt =
      outcome === 'progressing'
        ? null
        : new Date(this.options.now?.() ?? Date.now());
    if (await store.setOutcome(rollout, outcome, observedAt)) {
      logger.info(
        `rollout ${rollout.id} (${target.service} ${rollout.to_version} in ${
          target.environment
        }): ${outcome}, from ${TOOL_NAMES[event.tool]} events`,
      );
      this.changed({
        kind: 'outcome',
        ...key,
        rolloutId: String(rollout.id),
        toVersion: rollout.to_version,
        outcome,
      });
    }
    return 'recorded';
  }

  private changed(change: LiveChange) {
    try {
      this.options.onChange?.(change);
    } catch {
      // a listener's bug never stops event handling
    }
  }
}
