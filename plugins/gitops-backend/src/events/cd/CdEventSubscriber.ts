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
import { randomUUID } from 'node:crypto';
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
  /** This replica's own subscriber id suffix (default: random). */
  replicaId?: string;
}

/** What one event did (tests and logs). */
export type CdEventResult =
  | 'invalid'
  | 'not-a-status'
  | 'unmapped'
  | 'rechecked'
  | 'recorded'
  | 'stale'
  /** This subscription leaves the event to the other one. */
  | 'not-mine';

/**
 * `record`: the subscription the replicas share (the events bus hands each
 * event to one of them): events-only status and outcomes, written once.
 * `recheck`: each replica's own subscription (every replica gets every
 * event): only the replica watching the cluster re-checks it.
 */
export type CdEventRole = 'record' | 'recheck' | 'both';

export class CdEventSubscriber {
  constructor(private readonly options: CdEventSubscriberOptions) {}

  async subscribe(): Promise<void> {
    const topics = Object.values(CD_TOPICS);
    await this.options.events.subscribe({
      id: 'gitops-cd-events',
      topics,
      onEvent: async params => {
        await this.onEvent(params, 'record');
      },
    });
    if (this.options.watchedClusters.size === 0) return;
    // A subscriber id of its own: the events bus forgets it a day after
    // this replica stops.
    await this.options.events.subscribe({
      id: `gitops-cd-recheck-${this.options.replicaId ?? randomUUID()}`,
      topics,
      onEvent: async params => {
        await this.onEvent(params, 'recheck');
      },
    });
  }

  async onEvent(
    params: EventParams,
    role: CdEventRole = 'both',
  ): Promise<CdEventResult | undefined> {
    const tool = (Object.keys(CD_TOPICS) as CdTool[]).find(
      t => CD_TOPICS[t] === params.topic,
    );
    if (!tool) return undefined;
    try {
      return await this.handle(tool, params.eventPayload, role);
    } catch (e) {
      this.options.logger.warn(
        `${TOOL_NAMES[tool]} event failed: ${
          e instanceof Error ? e.message : String(e)
        }`,
      );
      return undefined;
    }
  }

  private async handle(
    tool: CdTool,
    payload: unknown,
    role: CdEventRole,
  ): Promise<CdEventResult> {
    // The recheck subscription stays quiet: the record one logs each event once.
    const logger =
      role === 'recheck' ? quiet(this.options.logger) : this.options.logger;
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
      if (role === 'record') return 'not-mine';
      await this.options.recheck(target.watchedCluster);
      return 'rechecked';
    }
    if (role === 'recheck') return 'not-mine';
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

/** A logger that keeps only errors. */
function quiet(logger: LoggerService): LoggerService {
  const none = () => undefined;
  return {
    error: (...args: Parameters<LoggerService['error']>) =>
      logger.error(...args),
    warn: none,
    info: none,
    debug: none,
    child: () => quiet(logger),
  };
}
