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
    const runner = (owner: string) =>
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
        onPhaseFinished: async r => {
          phases.push(r);
        },
        logger: mockServices.logger.mock(),
        owner,
        leaseTtlMs: LEASE_MS,
      });
    const step = async () => (await store.ofAction(action.id))[0];
    return { store, runner, step, phases };
  }

  it('a live runner keeps its step through an attempt three times longer than the lease: no other runner starts it again', async () => {
    let attempts = 0;
    const { runner, step, phases } = await setup(async () => {
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
    });
    expect(phases.map(p => [p.phase, p.passed])).toEqual([['after', true]]);
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
});
