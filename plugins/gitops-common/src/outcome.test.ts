import { presentRolloutOutcome } from './outcome';

describe('presentRolloutOutcome', () => {
  const watched = { observable: true };

  it('keeps the latest rollout pending while a watched cluster may still converge', () => {
    expect(presentRolloutOutcome({ outcome: 'pending', ...watched })).toBe(
      'pending',
    );
    expect(
      presentRolloutOutcome({
        outcome: 'progressing',
        nextDesiredAt: null,
        ...watched,
      }),
    ).toBe('progressing');
  });

  it('reads "not-observed" for the latest rollout of an environment without a watched cluster', () => {
    expect(
      presentRolloutOutcome({ outcome: 'pending', observable: false }),
    ).toBe('not-observed');
  });

  it('reads "not-observed" for a rewritten rollout', () => {
    expect(
      presentRolloutOutcome({
        outcome: 'pending',
        observable: true,
        rewritten: true,
      }),
    ).toBe('not-observed');
  });

  it('reads "not-observed" for a historic rollout recorded after it had been replaced', () => {
    expect(
      presentRolloutOutcome({
        outcome: 'pending',
        observable: true,
        recordedAt: '2026-11-30T10:00:00Z',
        nextDesiredAt: '2026-11-20T10:00:00Z',
      }),
    ).toBe('not-observed');
  });

  it('reads "superseded" for a rollout the portal knew, replaced before it was seen', () => {
    expect(
      presentRolloutOutcome({
        outcome: 'pending',
        observable: true,
        recordedAt: '2026-11-30T10:00:00Z',
        nextDesiredAt: '2026-11-30T10:05:00Z',
      }),
    ).toBe('superseded');
    expect(
      presentRolloutOutcome({
        outcome: 'progressing',
        observable: true,
        nextDesiredAt: '2026-11-30T10:05:00Z',
      }),
    ).toBe('superseded');
  });

  it('never reads "superseded" in an environment no cluster watches', () => {
    expect(
      presentRolloutOutcome({
        outcome: 'pending',
        observable: false,
        recordedAt: '2026-11-30T10:00:00Z',
        nextDesiredAt: '2026-11-30T10:05:00Z',
      }),
    ).toBe('not-observed');
  });

  it.each(['succeeded', 'verified', 'degraded', 'failed', 'rolled-back'])(
    'keeps the decided outcome %s, latest or not',
    outcome => {
      expect(
        presentRolloutOutcome({
          outcome,
          observable: false,
          nextDesiredAt: '2026-11-30T10:05:00Z',
        }),
      ).toBe(outcome);
    },
  );
});
