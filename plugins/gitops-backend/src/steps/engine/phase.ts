import type { PipelineStep } from '@gitops2/plugin-gitops-common';
import type { StepRunRow } from './StepRunStore';

const FINISHED = ['passed', 'failed', 'skipped', 'cancelled'];

export const isFinished = (row: StepRunRow) => FINISHED.includes(row.state);

/** The steps of one action, environment and phase, in order. */
export function siblingsOf(rows: StepRunRow[], of: StepRunRow): StepRunRow[] {
  return rows
    .filter(r => r.environment === of.environment && r.phase === of.phase)
    .sort((a, b) => a.position - b.position);
}

/**
 * Steps run one after the other: a step is ready when every step before it
 * finished. Whether it runs or is skipped depends on its `when` and on
 * whether a step before it failed.
 */
export function readiness(
  siblings: StepRunRow[],
  row: StepRunRow,
): 'wait' | 'run' | 'skip' {
  const before = siblings.filter(s => s.position < row.position);
  if (!before.every(isFinished)) return 'wait';
  const failedSoFar = before.some(s => s.state === 'failed');
  const when = (JSON.parse(row.definition) as PipelineStep).when;
  if (when === 'always') return 'run';
  if (when === 'onFailure') return failedSoFar ? 'run' : 'skip';
  return failedSoFar ? 'skip' : 'run';
}

/**
 * A phase's outcome once every step finished: failed when a step that
 * runs on success (or always) failed; `onFailure` steps (notifications,
 * markers) never decide it. Undefined while a step is unfinished.
 */
export function phaseOutcome(
  siblings: StepRunRow[],
): { passed: boolean; failedStep?: StepRunRow } | undefined {
  if (!siblings.every(isFinished)) return undefined;
  const failedStep = siblings.find(s => {
    const when = (JSON.parse(s.definition) as PipelineStep).when;
    return (
      (s.state === 'failed' || s.state === 'cancelled') && when !== 'onFailure'
    );
  });
  return { passed: !failedStep, failedStep };
}
