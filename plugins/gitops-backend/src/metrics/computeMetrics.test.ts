import {
  computeMetrics,
  durationStats,
  leadTimeSamples,
} from './computeMetrics';

describe('durationStats', () => {
  it('takes the median and the nearest-rank p90 in seconds', () => {
    expect(durationStats([])).toEqual({
      medianSeconds: null,
      p90Seconds: null,
      samples: 0,
    });
    expect(durationStats([5000])).toEqual({
      medianSeconds: 5,
      p90Seconds: 5,
      samples: 1,
    });
    expect(durationStats([4000, 1000, 3000, 2000])).toEqual({
      medianSeconds: 2.5,
      p90Seconds: 4,
      samples: 4,
    });
    const ten = Array.from({ length: 10 }, (_, i) => (i + 1) * 1000);
    expect(durationStats(ten)).toEqual({
      medianSeconds: 5.5,
      p90Seconds: 9,
      samples: 10,
    });
    const eleven = Array.from({ length: 11 }, (_, i) => (i + 1) * 1000);
    expect(durationStats(eleven).p90Seconds).toBe(10);
  });

  it('counts negative durations (clock skew) as zero', () => {
    expect(durationStats([-5000, 3000]).medianSeconds).toBe(1.5);
  });
});

describe('leadTimeSamples', () => {
  const rollout = {
    id: '1',
    repository: 'demo',
    service: 'cart',
    environment: 'prod',
    kind: 'promotion',
    outcome: 'succeeded',
    desiredAt: 10_000_000,
    observedAt: 10_600_000,
  };

  it('groups commits by pull request and measures from the observed time', () => {
    expect(
      leadTimeSamples(rollout, [
        {
          rolloutId: '1',
          sha: 'a',
          committedAt: 1_000_000,
          pullRequest: 7,
          mergedAt: 5_000_000,
        },
        {
          rolloutId: '1',
          sha: 'b',
          committedAt: 2_000_000,
          pullRequest: 7,
          mergedAt: 5_000_000,
        },
        { rolloutId: '1', sha: 'c', committedAt: 9_000_000 },
        { rolloutId: '1', sha: 'd', committedAt: 3_000_000, pullRequest: 8 },
        { rolloutId: '1', sha: 'e', committedAt: 4_000_000, pullRequest: 8 },
      ]),
    ).toEqual([
      { firstCommitMs: 9_600_000, mergeMs: 5_600_000 },
      { firstCommitMs: 1_600_000, mergeMs: 1_600_000 },
      // no known merge commit: the latest commit of the pull request
      { firstCommitMs: 7_600_000, mergeMs: 6_600_000 },
    ]);
  });
});

describe('computeMetrics', () => {
  const base = {
    repository: 'demo',
    service: 'cart',
    environment: 'prod',
    outcome: 'pending',
  };

  it('counts a change followed by a rollback once and restores at the rollback', () => {
    const [m] = computeMetrics({
      since: '2026-01-01T00:00:00Z',
      until: '2026-01-03T00:00:00Z',
      rollouts: [
        {
          ...base,
          id: '10',
          kind: 'promotion',
          desiredAt: Date.parse('2026-01-01T10:00:00Z'),
        },
        {
          ...base,
          id: '11',
          kind: 'rollback',
          desiredAt: Date.parse('2026-01-01T10:30:00Z'),
        },
        {
          ...base,
          id: '12',
          kind: 'direct',
          outcome: 'failed',
          desiredAt: Date.parse('2026-01-02T23:00:00Z'),
        },
      ],
      commits: [],
    });
    expect(m.deployments.count).toBe(3);
    expect(m.deployments.perDay).toBe(1.5);
    expect(
      m.deployments.daily.map(d => [d.date, d.deployments, d.failures]),
    ).toEqual([
      ['2026-01-01', 2, 1],
      ['2026-01-02', 1, 1],
    ]);
    expect(m.changeFailure).toEqual({
      rate: 1,
      changes: 2,
      failures: 2,
      rollbacks: 1,
    });
    expect(m.timeToRestore).toEqual({
      medianSeconds: 1800,
      p90Seconds: 1800,
      samples: 1,
      unrestored: 1,
    });
  });

  it('gives nothing for a window without rollouts', () => {
    expect(
      computeMetrics({
        since: '2026-01-01T00:00:00Z',
        until: '2026-01-02T00:00:00Z',
        rollouts: [],
        commits: [],
      }),
    ).toEqual([]);
  });
});
