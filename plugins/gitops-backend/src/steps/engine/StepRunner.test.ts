import { mockServices, TestDatabases } from '@backstage/backend-test-utils';
import type { GitopsAction } from '@gitops2/plugin-gitops-common';
import { LedgerStore } from '../../database/LedgerStore';
import type { StepAttemptResult, StepType } from '../types';
import { PhaseResult, StepRunner } from './StepRunner';
import { StepRunStore } from './StepRunStore';

jest.setTimeout(60_000);

const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });

const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

const LEASE_MS = 300;

const action = {
  id: '7',
  kind: 'promotion',
  state: 'merged',
  repositoryId: 'demo',
  service: 'cart',
  environments: ['qa'],
  version: 'v2',
} as GitopsAction;

/**
 * The runner's claims on steps (one replica at a time, across a crash):
 * a live runner renews its claim while an attempt runs, a dead one's claim
 * lapses after its time to live.
 */
describe.each(databases.eachSupportedId())('StepRunner on %p', dbId => {
  async function setup(run: () => Promise<StepAttemptResult>) {
    const knex = await databases.init(dbId);
    await LedgerStore.fromKnex(knex);
    const store = new StepRunStore(knex);
    await store.plan(action.id, 'qa', 'after', [
      {
        type: 'probe',
        name: 'smoke',
        when: 'onSuccess',
        timeoutSeconds: 60,
        options: {},
      },
    ]);
    const probe: StepType = {
      type: 'probe',
      validateOptions: () => undefined,
      run,
    };
    const phases: PhaseResult[] = [];
    const runner = (
      owner: string,
      onPhaseFinished = async (r: PhaseResult) => {
        phases.push(r);
      },
      now?: () => number,
    ) =>
      new StepRunner({
        store,
        stepTypes: { get: () => probe },
        getAction: async () => action,
        environmentOf: async (_a, name) => ({
          name,
          stage: name,
          stageIndex: 0,
        }),
        contextFor: base => ({
          ...base,
          fetch: async () => {
            throw new Error('no network in this test');
          },
          secret: () => undefined,
          observed: async () => undefined,
          checks: async () => undefined,
          notify: async () => undefined,
        }),
        onPhaseFinished,
        logger: mockServices.logger.mock(),
        owner,
        leaseTtlMs: LEASE_MS,
        now,
      });
    const step = async () => (await store.ofAction(action.id))[0];
    return { store, runner, step, phases };
  }

  it('a live runner keeps its step through an attempt three times longer than the lease: no other runner starts it again', async () => {
    let attempts = 0;
    const { store, runner, step, phases } = await setup(async () => {
      attempts++;
      await sleep(3 * LEASE_MS);
      return { status: 'passed', message: 'ok' };
    });
    const first = runner('replica-a').tick();
    await sleep(LEASE_MS + 100);
    expect(await runner('replica-b').tick()).toBe(0);
    await sleep(LEASE_MS);
    expect(await runner('replica-c').tick()).toBe(0);
    expect(await first).toBe(1);
    expect(attempts).toBe(1);
    expect(await step()).toMatchObject({
      state: 'passed',
      attempt: 1,
      claimed_by: null,
      next_at_ms: null,
    });
    expect(phases.map(p => [p.phase, p.passed])).toEqual([['after', true]]);
    expect(await store.due()).toEqual([]);
  });

  it('the claim of a runner that stopped renewing it (a crash) lapses after the lease; another runner takes the step over', async () => {
    const { store, runner, step } = await setup(async () => ({
      status: 'passed',
      message: 'ok',
    }));
    const crashed = await store.claim(
      String((await step()).id),
      'gone',
      LEASE_MS,
    );
    expect(crashed).toBeDefined();
    expect(await runner('replica-b').tick()).toBe(0);
    await sleep(LEASE_MS + 100);
    expect(await runner('replica-b').tick()).toBe(1);
    expect(await step()).toMatchObject({ state: 'passed', claimed_by: null });
  });

  it('a step that ended while its replica died handing the phase on: another runner hands it on after the lease, once', async () => {
    const { store, runner, step, phases } = await setup(async () => ({
      status: 'failed',
      message: 'HTTP 500',
    }));
    // The replica records the step's end, then dies in the hand-on (the
    // automatic rollback, say): here its hand-on throws and stops there.
    const dying = runner('replica-a', async () => {
      throw new Error('killed');
    });
    await dying.tick();
    expect(await step()).toMatchObject({
      state: 'failed',
      claimed_by: 'replica-a',
    });
    expect(await runner('replica-b').tick()).toBe(0);
    expect(phases).toEqual([]);
    await sleep(LEASE_MS + 100);
    await runner('replica-b').tick();
    expect(phases.map(p => [p.phase, p.passed, p.failedStep?.name])).toEqual([
      ['after', false, 'smoke'],
    ]);
    expect(await step()).toMatchObject({
      state: 'failed',
      attempt: 1,
      claimed_by: null,
      next_at_ms: null,
    });
    await sleep(LEASE_MS + 100);
    await runner('replica-c').tick();
    expect(phases).toHaveLength(1);
    expect(await store.due()).toEqual([]);
  });

  it('a step that asks to be tried again in 300 ms is, by the runner itself (even when its timer fires a little early), not at the next scheduled round', async () => {
    const attempts: number[] = [];
    const { runner, step } = await setup(async () => {
      attempts.push(Date.now());
      return attempts.length < 3
        ? { status: 'running', message: 'not yet', retryAfterMs: 300 }
        : { status: 'passed', message: 'ok' };
    });
    // One wake-up (steps planned); no scheduled round afterwards. The
    // runner's clock is 5 ms ahead of the database's: its wake-up timer
    // fires a little before the step is due there (as a timer may).
    runner('replica-a', undefined, () => Date.now() + 5).wake();
    for (let i = 0; i < 40 && (await step()).state !== 'passed'; i++)
      await sleep(50);
    expect(await step()).toMatchObject({ state: 'passed', attempt: 3 });
    const gaps = attempts.slice(1).map((t, i) => t - attempts[i]);
    for (const gap of gaps) {
      expect(gap).toBeGreaterThanOrEqual(250);
      expect(gap).toBeLessThan(1000);
    }
  });
});
