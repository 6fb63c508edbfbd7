import type { RolloutOutcome } from './types';

/** What decides how a stored rollout outcome reads. @public */
export interface RolloutOutcomeFacts {
  /** The outcome as the ledger stores it (`pending` until observed). */
  outcome: string;
  /**
   * Desired-at (ISO 8601) of the next rollout of the same service in the
   * same environment; absent or null for the latest one.
   */
  nextDesiredAt?: string | null;
  /** When the portal recorded the rollout (ISO 8601), when known. */
  recordedAt?: string | null;
  /** The environment runs on a cluster the portal watches. */
  observable: boolean;
  /** Its GitOps commit left the branch history (force-push). */
  rewritten?: boolean;
}

/**
 * How a rollout's outcome reads, the same in the tab, the dashboard and the
 * API. Stored outcomes that a cluster or a step decided (`succeeded`,
 * `verified`, `degraded`, `failed`, `rolled-back`) stay as they are.
 * A rollout still waiting (`pending`, `progressing`) stays so only while it
 * is the latest of its environment and a watched cluster can still answer;
 * otherwise no cluster will ever report on it:
 * - `not-observed`: the environment has no watched cluster, the commit was
 *   rewritten, or the rollout was already replaced when the portal recorded
 *   it (history read after the fact);
 * - `superseded`: the portal knew it, but a later rollout replaced it before
 *   the cluster was seen running it (or finishing it, when it was
 *   progressing).
 * @public
 */
export function presentRolloutOutcome(
  facts: RolloutOutcomeFacts,
): RolloutOutcome {
  const stored = facts.outcome as RolloutOutcome;
  if (stored !== 'pending' && stored !== 'progressing') return stored;
  if (!facts.observable || facts.rewritten) return 'not-observed';
  if (!facts.nextDesiredAt) return stored;
  if (stored === 'progressing') return 'superseded';
  const recorded = facts.recordedAt ? Date.parse(facts.recordedAt) : NaN;
  const replaced = Date.parse(facts.nextDesiredAt);
  return recorded < replaced ? 'superseded' : 'not-observed';
}
