import type { StepRun } from '@gitops2/plugin-gitops-common';
import {
  actionLagsSteps,
  formatStepDuration,
  groupSteps,
  stepTiming,
} from './format';

const run = (partial: Partial<StepRun>): StepRun => ({
  id: '1',
  actionId: '31',
  environment: 'staging',
  phase: 'after',
  position: 0,
  name: 'smoke',
  type: 'http',
  state: 'passed',
  attempt: 1,
  ...partial,
});

describe('formatStepDuration', () => {
  it.each([
    [850, '850 ms'],
    [4200, '4.2 s'],
    [45_000, '45 s'],
    [125_000, '2 min 5 s'],
    [120_000, '2 min'],
    [3_780_000, '1 h 3 min'],
    [-1, '—'],
  ])('%d ms is "%s"', (ms, text) => {
    expect(formatStepDuration(ms)).toBe(text);
  });
});

describe('stepTiming', () => {
  it('says how long a finished step took and how long a running one runs', () => {
    expect(
      stepTiming(
        run({
          startedAt: '2026-03-07T10:00:00.000Z',
          finishedAt: '2026-03-07T10:00:03.000Z',
        }),
      ),
    ).toBe('took 3.0 s');
    expect(
      stepTiming(
        run({ state: 'running', startedAt: '2026-03-07T10:00:00.000Z' }),
        Date.parse('2026-03-07T10:01:30.000Z'),
      ),
    ).toBe('running for 1 min 30 s');
    expect(stepTiming(run({ state: 'pending' }))).toBeUndefined();
  });
});

describe('groupSteps', () => {
  it("groups by the action's environments, then phase, in pipeline order", () => {
    const groups = groupSteps(
      ['prod-us', 'prod-eu'],
      [
        run({ id: 'a', environment: 'prod-eu', position: 1, name: 'b' }),
        run({ id: 'b', environment: 'prod-eu', position: 0, name: 'a' }),
        run({ id: 'c', environment: 'prod-eu', phase: 'before', name: 'c' }),
        run({ id: 'd', environment: 'other', name: 'd' }),
      ],
    );
    expect(groups.map(g => g.environment)).toEqual([
      'prod-us',
      'prod-eu',
      'other',
    ]);
    expect(groups[0]).toEqual({
      environment: 'prod-us',
      before: [],
      after: [],
    });
    expect(groups[1].after.map(s => s.name)).toEqual(['a', 'b']);
    expect(groups[1].before.map(s => s.name)).toEqual(['c']);
  });
});

describe('actionLagsSteps', () => {
  const after = [run({ state: 'failed' })];
  const before = [run({ phase: 'before', state: 'passed' })];

  it('is true while the action has not caught up with its finished steps', () => {
    expect(actionLagsSteps('merged', after)).toBe(true);
    expect(actionLagsSteps('syncing', after)).toBe(true);
    expect(actionLagsSteps('requested', before)).toBe(true);
  });

  it('is false once the action ended, while a step is open, or without steps', () => {
    expect(actionLagsSteps('failed', after)).toBe(false);
    expect(actionLagsSteps('succeeded', after)).toBe(false);
    expect(actionLagsSteps('merged', [run({ state: 'running' })])).toBe(false);
    expect(actionLagsSteps('merged', before)).toBe(false);
    expect(actionLagsSteps('merged', [])).toBe(false);
  });
});
