import type {
  ActionState,
  StepRun,
  StepRunState,
} from '@gitops2/plugin-gitops-common';

/** A step that may still change: waiting for its turn, or running. */
export function isStepOpen(state: StepRunState): boolean {
  return state === 'pending' || state === 'running';
}

/**
 * Every step finished but the action does not show it yet: the backend is
 * writing what follows (the change, after its before steps; the action's
 * end and an automatic rollback, after its after steps).
 */
export function actionLagsSteps(state: ActionState, steps: StepRun[]): boolean {
  if (steps.length === 0 || steps.some(s => isStepOpen(s.state))) return false;
  if (state === 'requested') return steps.some(s => s.phase === 'before');
  if (state === 'merged' || state === 'syncing')
    return steps.some(s => s.phase === 'after');
  return false;
}

/** "850 ms", "4.2 s", "45 s", "2 min 5 s", "1 h 3 min". */
export function formatStepDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const seconds = ms / 1000;
  if (seconds < 10) return `${seconds.toFixed(1)} s`;
  if (seconds < 60) return `${Math.round(seconds)} s`;
  const total = Math.round(seconds);
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const secs = total % 60;
  if (hours > 0)
    return minutes > 0 ? `${hours} h ${minutes} min` : `${hours} h`;
  return secs > 0 ? `${minutes} min ${secs} s` : `${minutes} min`;
}

/**
 * How long a step took ("took 4.2 s"), or has been running ("running for
 * 12 s"); undefined before it started.
 */
export function stepTiming(
  step: StepRun,
  now: number = Date.now(),
): string | undefined {
  const started = step.startedAt ? Date.parse(step.startedAt) : NaN;
  if (Number.isNaN(started)) return undefined;
  const finished = step.finishedAt ? Date.parse(step.finishedAt) : NaN;
  if (!Number.isNaN(finished))
    return `took ${formatStepDuration(finished - started)}`;
  return step.state === 'running'
    ? `running for ${formatStepDuration(now - started)}`
    : undefined;
}

/** The steps of one environment, by phase, in pipeline order. */
export interface EnvironmentSteps {
  environment: string;
  before: StepRun[];
  after: StepRun[];
}

/**
 * Steps grouped by environment (the action's targets first, in their order)
 * and phase, each phase in the pipeline file's order.
 */
export function groupSteps(
  environments: string[],
  steps: StepRun[],
): EnvironmentSteps[] {
  const names = [...environments];
  for (const s of steps)
    if (!names.includes(s.environment)) names.push(s.environment);
  const byPosition = (a: StepRun, b: StepRun) => a.position - b.position;
  return names.map(environment => {
    const mine = steps.filter(s => s.environment === environment);
    return {
      environment,
      before: mine.filter(s => s.phase === 'before').sort(byPosition),
      after: mine.filter(s => s.phase === 'after').sort(byPosition),
    };
  });
}

/**
 * What to say for an environment without steps, by what the action did:
 * before steps are planned when the change is written, after steps once it
 * is merged.
 */
export function noStepsText(state: ActionState, environment: string): string {
  switch (state) {
    case 'requested':
    case 'awaiting-approval':
      return `No deployment steps for ${environment} yet: they run when the change is written and once it is merged`;
    case 'pull-request-open':
      return `No deployment steps for ${environment} yet: verification runs once the pull request is merged`;
    case 'merged':
    case 'syncing':
    case 'succeeded':
      return `No deployment steps for ${environment}: the pipeline defines none`;
    default:
      return `No deployment steps ran for ${environment}`;
  }
}
