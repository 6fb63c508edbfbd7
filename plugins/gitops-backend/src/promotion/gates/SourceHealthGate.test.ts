import { SourceHealthGate } from './SourceHealthGate';
import { GateContext } from './types';

const ctx = (over: Partial<GateContext> = {}): GateContext => ({
  kind: 'promotion',
  repositoryId: 'demo',
  service: 'cart',
  version: 'v2',
  sourceEnvironment: 'staging',
  targets: [{ name: 'prod-us', stage: 'prod', stageIndex: 2 }],
  credentials: null,
  initiator: 'user:default/alice',
  holds: [],
  now: new Date(),
  ...over,
});

describe('SourceHealthGate', () => {
  it('passes when the source runs the version, healthy and synced', async () => {
    const gate = new SourceHealthGate(async () => ({
      health: 'Healthy',
      sync: 'Synced',
      observedVersions: ['v2'],
    }));
    expect(await gate.evaluate(ctx())).toEqual([
      expect.objectContaining({ status: 'passed', environment: 'staging' }),
    ]);
  });

  it('fails, saying why, when the source is degraded, out of sync or not on the version', async () => {
    const gate = new SourceHealthGate(async () => ({
      health: 'Degraded',
      sync: 'OutOfSync',
      observedVersions: ['v1'],
    }));
    const [result] = await gate.evaluate(ctx());
    expect(result.status).toBe('failed');
    expect(result.message).toBe(
      'staging is Degraded; staging is out of sync with Git; staging does not run v2 yet (observed: v1)',
    );
  });

  it('is skipped without cluster observation or without a source environment', async () => {
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
