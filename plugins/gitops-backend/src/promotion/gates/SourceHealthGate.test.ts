import { SourceHealthGate } from './SourceHealthGate';
import { GateContext } from './types';

const ctx = (over: Partial<GateContext> = {}): GateContext => ({
  kind: 'promotion',
  gateKind: 'promotion',
  emergency: false,
  step: 'request',
  repositoryId: 'demo',
  service: 'cart',
  version: 'v2',
  sourceEnvironment: 'staging',
  targets: [{ name: 'prod-us', stage: 'prod', stageIndex: 2 }],
  credentials: null,
  initiator: 'user:default/alice',
  door: 'http',
  holds: [],
  now: new Date(),
  ...over,
});

const connected = { cluster: 'staging-cluster', state: 'connected' };

describe('SourceHealthGate', () => {
  it('passes when a connected cluster reports the source healthy, synced and on the version', async () => {
    const gate = new SourceHealthGate(async () => ({
      connection: connected,
      status: { health: 'Healthy', sync: 'Synced', observedVersions: ['v2'] },
    }));
    expect(await gate.evaluate(ctx())).toEqual([
      expect.objectContaining({ status: 'passed', environment: 'staging' }),
    ]);
  });

  it('fails, saying why, when the source is degraded, out of sync or not on the version', async () => {
    const gate = new SourceHealthGate(async () => ({
      connection: connected,
      status: {
        health: 'Degraded',
        sync: 'OutOfSync',
        observedVersions: ['v1'],
      },
    }));
    const [result] = await gate.evaluate(ctx());
    expect(result.status).toBe('failed');
    expect(result.message).toBe(
      'staging is Degraded; staging is out of sync with Git; staging does not run v2 yet (observed: v1)',
    );
  });

  it("does not count an unreachable cluster's last healthy status", async () => {
    const gate = new SourceHealthGate(async () => ({
      connection: {
        cluster: 'staging-cluster',
        state: 'unreachable',
        message: 'connect ECONNREFUSED',
      },
      status: { health: 'Healthy', sync: 'Synced', observedVersions: ['v2'] },
    }));
    const [result] = await gate.evaluate(ctx());
    expect(result).toMatchObject({
      status: 'failed',
      message:
        'cluster staging-cluster of staging is unreachable (connect ECONNREFUSED): its last known status does not count',
    });
  });

  it('fails when the lookup itself fails or nothing was observed yet (fail closed)', async () => {
    const broken = new SourceHealthGate(async () => {
      throw new Error('database is down');
    });
    expect((await broken.evaluate(ctx()))[0]).toMatchObject({
      status: 'failed',
      message:
        'cluster observation of staging could not be read (database is down)',
    });
    const empty = new SourceHealthGate(async () => ({ connection: connected }));
    expect((await empty.evaluate(ctx()))[0]).toMatchObject({
      status: 'failed',
      message: 'no status of cart in staging was observed yet',
    });
  });

  it('is skipped where no cluster observation covers the environment, or without a source environment', async () => {
    const gate = new SourceHealthGate(async () => undefined);
    expect((await gate.evaluate(ctx()))[0]).toMatchObject({
      status: 'skipped',
      message: 'no cluster observation for staging',
    });
    expect(
      (await gate.evaluate(ctx({ sourceEnvironment: undefined })))[0].status,
    ).toBe('skipped');
  });
});
