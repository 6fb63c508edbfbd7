import type { ObservedSource } from '../promotion/gates/SourceHealthGate';
import { stepContext, stepDefinition } from './__testUtils__/stepContext';
import { WaitHealthyStep } from './WaitHealthyStep';

const step = new WaitHealthyStep();
const definition = stepDefinition(
  'wait-healthy',
  { interval: '5s' },
  {
    timeoutSeconds: 120,
  },
);

const healthy: ObservedSource = {
  connection: { cluster: 'staging-cluster', state: 'connected' },
  status: {
    health: 'Healthy',
    sync: 'Synced',
    observedVersions: ['ghcr.io/acme/guestbook-ui:1.4.2'],
  },
};

function run(observed: ObservedSource | undefined | Error, startedAgoMs = 0) {
  return step.run(
    definition,
    stepContext({
      startedAtMs: Date.now() - startedAgoMs,
      observed: async () => {
        if (observed instanceof Error) throw observed;
        return observed;
      },
    }),
  );
}

describe('WaitHealthyStep', () => {
  it('passes when a connected cluster runs the version, healthy and synced', async () => {
    expect(await run(healthy)).toEqual({
      status: 'passed',
      message: 'staging runs 1.4.2, healthy and synced',
      output: {
        cluster: 'staging-cluster',
        connection: 'connected',
        health: 'Healthy',
        sync: 'Synced',
        observedVersions: ['ghcr.io/acme/guestbook-ui:1.4.2'],
      },
    });
  });

  it('keeps polling at its interval while the rollout is under way', async () => {
    const result = await run({
      ...healthy,
      status: {
        health: 'Progressing',
        sync: 'OutOfSync',
        observedVersions: ['ghcr.io/acme/guestbook-ui:1.4.1'],
      },
    });
    expect(result).toMatchObject({
      status: 'running',
      retryAfterMs: 5000,
      message:
        'staging does not run 1.4.2 yet (observed: ghcr.io/acme/guestbook-ui:1.4.1); staging is Progressing; staging is OutOfSync, not Synced with Git',
    });
  });

  it('does not count the last status of an unreachable cluster', async () => {
    const result = await run({
      ...healthy,
      connection: {
        cluster: 'staging-cluster',
        state: 'unreachable',
        message: 'connect ECONNREFUSED',
      },
    });
    expect(result).toMatchObject({
      status: 'running',
      message:
        'cluster staging-cluster of staging is unreachable (connect ECONNREFUSED): its last known status does not count',
    });
  });

  it('fails with what it last saw once the timeout is spent', async () => {
    const result = await run(
      { ...healthy, status: { ...healthy.status!, health: 'Degraded' } },
      121_000,
    );
    expect(result).toMatchObject({
      status: 'failed',
      message: 'timed out after 120s: staging is Degraded',
      output: { health: 'Degraded', timedOut: true },
    });
  });

  it('never waits longer than the time left', async () => {
    const result = await run({ ...healthy, status: undefined }, 118_000);
    expect(result.status).toBe('running');
    expect(result.retryAfterMs).toBeLessThanOrEqual(2000);
    expect(result.message).toBe(
      'no status of guestbook-ui in staging was observed yet',
    );
  });

  it('fails at once when no cluster observes the environment', async () => {
    expect(await run(undefined)).toEqual({
      status: 'failed',
      message:
        'no cluster observation covers staging: wait-healthy cannot verify it (give the environment a cluster of gitops.clusters)',
    });
  });

  it('tries again when observation cannot be read', async () => {
    expect(await run(new Error('database is down'))).toMatchObject({
      status: 'running',
      message:
        'cluster observation of staging could not be read (database is down)',
    });
  });
});
