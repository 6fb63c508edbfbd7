import {
  mockCredentials,
  mockServices,
  TestDatabases,
} from '@backstage/backend-test-utils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import type { PromotionRequest } from '@gitops2/plugin-gitops-common';
import { LedgerStore } from '../../database/LedgerStore';
import { LocalGitSource } from '../../git/LocalGitSource';
import { LocalGitWriter } from '../../git/LocalGitWriter';
import { RepositoryIngester } from '../../ingestion/RepositoryIngester';
import { createDefaultLocatorRegistry } from '../../locators/VersionLocatorRegistry';
import { StepRunner } from '../../steps/engine/StepRunner';
import type { StepType } from '../../steps/types';
import {
  GitRepoFixture,
  kustomization,
  TWO_STAGE_PIPELINE,
} from '../../testing/GitRepoFixture';
import { createDefaultGateRegistry } from '../gates/GateRegistry';
import { PromotionService } from '../PromotionService';
import { createPromotionStores } from '../store';
import { AUTO_ROLLBACK_INITIATOR, Caller } from '../types';

jest.setTimeout(90_000);

const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });

/**
 * `probe`: the test decides each attempt's answer through `answers`
 * (name → list of results, one per attempt); its attempt count is kept in
 * the step's own stored state, so a new runner (a restart) continues it.
 */
const answers = new Map<string, Array<'passed' | 'failed' | 'running'>>();
const probe: StepType = {
  type: 'probe',
  validateOptions: o =>
    typeof (o as any)?.id === 'string' ? undefined : 'options.id is required',
  async run(step, ctx) {
    const seen = Number(ctx.state.seen ?? 0) + 1;
    const list = answers.get(String(step.options.id)) ?? ['passed'];
    const status = list[Math.min(seen, list.length) - 1];
    return {
      status,
      message: `${step.options.id}: attempt ${ctx.attempt} ${status}`,
      state: { seen },
      retryAfterMs: 100,
      output: { seen },
    };
  },
};
const stepTypes = {
  get: (type: string) => (type === 'probe' ? probe : undefined),
  types: () => ['probe'],
};

const PIPELINE = TWO_STAGE_PIPELINE.replace(
  '    staging:\n      cluster: staging-cluster\n',
  `    staging:
      cluster: staging-cluster
      promotion:
        mode: direct
        onFailedVerification: rollback
      steps:
        before:
          - type: probe
            name: gate
            options: { id: before }
        after:
          - type: probe
            name: smoke
            options: { id: smoke }
          - type: probe
            name: tell
            when: onFailure
            options: { id: tell }
`,
);

const alice: Caller = {
  credentials: mockCredentials.user('user:default/alice'),
  initiator: 'user:default/alice',
  door: 'http',
};

describe.each(databases.eachSupportedId())('deployment steps on %p', dbId => {
  let repo: GitRepoFixture;
  beforeEach(() => {
    answers.clear();
    repo = new GitRepoFixture();
    repo.write('gitops-pipeline.yaml', PIPELINE);
    for (const env of ['dev', 'staging', 'prod-us', 'prod-eu'])
      repo.write(`apps/cart/${env}/kustomization.yaml`, kustomization('v1'));
    repo.commit('bootstrap');
    repo.write('apps/cart/dev/kustomization.yaml', kustomization('v2'));
    repo.commit('bump cart to v2 in dev');
  });
  afterEach(() => repo.cleanup());

  /**
   * `wake`: steps planned start a round at once, as in the plugin
   * (`stepsPlanned: runner.wake`). `holdIngestion()` makes ingestion after
   * merges wait until the returned release is called (a big repository, a
   * busy machine).
   */
  async function setup(options: { wake?: boolean } = {}) {
    const knex = await databases.init(dbId);
    const ledger = await LedgerStore.fromKnex(knex);
    const source = new LocalGitSource(repo.dir, 'main');
    const locators = createDefaultLocatorRegistry();
    const ingester = new RepositoryIngester({
      repositoryId: 'demo',
      pipelineFile: 'gitops-pipeline.yaml',
      source,
      store: ledger,
      locators,
      stepTypes,
      logger: mockServices.logger.mock(),
    });
    await ingester.ingest();
    const permissions = mockServices.permissions.mock({
      authorize: async (r: any[]) =>
        r.map(() => ({ result: AuthorizeResult.ALLOW })) as any,
    });
    const stores = createPromotionStores(knex);
    let ingesting: Promise<unknown> | undefined;
    /** The replica's runner that steps planned wake up (one, like the plugin's). */
    const woken: { runner?: StepRunner } = {};
    let ingestionHeld: Promise<void> | undefined;
    const holdIngestion = () => {
      let release!: () => void;
      ingestionHeld = new Promise<void>(r => {
        release = r;
      });
      return () => {
        ingestionHeld = undefined;
        release();
      };
    };
    /** The promotion service's log: what a failure says happened. */
    const serviceLogger = mockServices.logger.mock();
    const promotions = new PromotionService({
      ledger,
      stores,
      repositories: new Map([
        [
          'demo',
          {
            id: 'demo',
            branch: 'main',
            pipelineFile: 'gitops-pipeline.yaml',
            source,
            writer: new LocalGitWriter(repo.dir),
          },
        ],
      ]),
      locators,
      stepTypes,
      gates: createDefaultGateRegistry(permissions),
      permissions,
      logger: serviceLogger,
      recordPortalCommit: (r, sha, id) => ledger.recordPortalCommit(r, sha, id),
      stepsPlanned: () => woken.runner?.wake(),
      afterMerge: async () => {
        await ingestionHeld;
        // One ingestion at a time, joined (as IngestionManager does).
        ingesting ??= ingester.ingest().finally(() => {
          ingesting = undefined;
        });
        await ingesting;
      },
    });
    const runner = (owner: string) =>
      new StepRunner({
        store: stores.steps,
        stepTypes,
        getAction: id => stores.actions.get(id),
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
        onPhaseFinished: r => promotions.onStepPhaseFinished(r),
        logger: mockServices.logger.mock(),
        owner,
      });
    if (options.wake) woken.runner = runner('woken');
    /** Ticks (a fresh runner each time: nothing is kept in memory) until `done`. */
    const runUntil = async (done: () => Promise<boolean>) => {
      for (let i = 0; i < 40 && !(await done()); i++) {
        await runner(`replica-${i % 2}`).tick();
        await new Promise(r => setTimeout(r, 120));
      }
    };
    const promote = (body: PromotionRequest, key: string) =>
      promotions.request(
        { kind: 'promotion', repositoryId: 'demo', service: 'cart', body },
        alice,
        key,
      );
    const stagingOnMain = () =>
      /newTag: (\S+)/.exec(
        repo.git('show', 'main:apps/cart/staging/kustomization.yaml'),
      )?.[1];
    return {
      knex,
      serviceLogger,
      runner,
      holdIngestion,
      ledger,
      stores,
      promotions,
      runUntil,
      promote,
      stagingOnMain,
      ingester,
    };
  }

  it('a failing before step refuses the promotion, and nothing is written', async () => {
    const { stores, runUntil, promote, stagingOnMain } = await setup();
    answers.set('before', ['failed']);
    const { action } = await promote(
      { sourceEnvironment: 'dev' },
      'before-fails-1',
    );
    expect(action.state).toBe('requested');
    expect(action.gates.find(g => g.gate === 'before-steps')).toMatchObject({
      status: 'pending',
    });
    await runUntil(
      async () => (await stores.actions.get(action.id))!.state !== 'requested',
    );
    const after = (await stores.actions.get(action.id))!;
    expect(after.state).toBe('refused');
    expect(after.error).toMatch(
      /step gate \(probe\) failed in staging: before: attempt 1 failed/,
    );
    expect(stagingOnMain()).toBe('v1');
    expect(await stores.locks.holderOf('demo', 'staging')).toBeUndefined();
  });

  it('before steps that pass (one attempt still running, continued by another runner) let the write go on; after steps verify it', async () => {
    const { stores, ledger, runUntil, promote, stagingOnMain } = await setup();
    answers.set('before', ['running', 'passed']);
    const { action } = await promote(
      { sourceEnvironment: 'dev' },
      'before-pass-01',
    );
    await runUntil(async () =>
      ['succeeded', 'failed'].includes(
        (await stores.actions.get(action.id))!.state,
      ),
    );
    expect(stagingOnMain()).toBe('v2');
    expect((await stores.actions.get(action.id))!.state).toBe('succeeded');
    const steps = await stores.steps.ofAction(action.id);
    expect(steps.map(s => [s.phase, s.name, s.state, s.attempt])).toEqual([
      ['after', 'smoke', 'passed', 1],
      ['after', 'tell', 'skipped', 0],
      ['before', 'gate', 'passed', 2],
    ]);
    const { rows } = await ledger.listRollouts({
      repositoryId: 'demo',
      service: 'cart',
      environment: 'staging',
      limit: 1,
    });
    expect(rows[0]).toMatchObject({
      to_version: 'v2',
      outcome: 'verified',
      outcome_detail: null,
    });
  });

  it('before steps that pass while the request still holds the action (a fast step) let the write go on at once, not at the next reconciliation', async () => {
    const { stores, runner, promote, serviceLogger } = await setup();
    const { action } = await promote(
      { sourceEnvironment: 'dev' },
      'fast-before-1',
    );
    expect(action.state).toBe('requested');
    // The request that planned the step has not let the action go yet.
    const held = await stores.leases.claim(action.id, 'the-request', 30_000, [
      'requested',
    ]);
    expect(held).toBeDefined();
    setTimeout(() => stores.leases.release(action.id, held!), 300);
    await runner('replica-a').tick();
    const after = (await stores.actions.get(action.id))!;
    // A failure says where it stood (it failed once on PostgreSQL in a
    // loaded full run): the action, its before steps, the service's warnings.
    expect({
      state: after.state,
      error: after.error,
      steps: (await stores.steps.ofAction(action.id, 'before')).map(
        r => `${r.name} ${r.state}`,
      ),
      warnings: serviceLogger.warn.mock.calls.map(c => String(c[0])),
    }).toMatchObject({ state: expect.not.stringMatching(/^requested$/) });
  });

  it('before steps that pass while the request lets the action go at that very moment (between the failed claim and the check) still let the write go on at once', async () => {
    const { stores, runner, promote } = await setup();
    const { action } = await promote(
      { sourceEnvironment: 'dev' },
      'fast-before-2',
    );
    const held = await stores.leases.claim(action.id, 'the-request', 30_000, [
      'requested',
    ]);
    expect(held).toBeDefined();
    // The step's claim finds the action held; the request lets it go right
    // after, before the step's handler looks again.
    const claim = stores.leases.claim.bind(stores.leases);
    let raced = false;
    stores.leases.claim = async (...args) => {
      const got = await claim(...args);
      if (!got && !raced && args[1] !== 'the-request') {
        raced = true;
        await stores.leases.release(action.id, held!);
      }
      return got;
    };
    await runner('replica-a').tick();
    expect(raced).toBe(true);
    expect((await stores.actions.get(action.id))!.state).not.toBe('requested');
  });

  /**
   * The merge is recorded, its ingestion has not run yet (held), and a
   * replica's round runs the after step at once: it ends before the ledger
   * knows the rollout.
   */
  async function afterStepBeforeIngestion(key: string) {
    const env = await setup({ wake: true });
    const { stores, runner, holdIngestion, promote } = env;
    const release = holdIngestion();
    const { action } = await promote({ sourceEnvironment: 'dev' }, key);
    const stateOf = async () => (await stores.actions.get(action.id))!.state;
    const smoke = async () =>
      (await stores.steps.ofAction(action.id, 'after')).find(
        s => s.name === 'smoke',
      );
    // Up to 60 s on a loaded CI machine; a failure says where it stood.
    const mergedBy = Date.now() + 60_000;
    while (Date.now() < mergedBy && (await stateOf()) === 'requested')
      await new Promise(r => setTimeout(r, 50));
    const merged = (await stores.actions.get(action.id))!;
    expect({ state: merged.state, error: merged.error }).toEqual({
      state: 'merged',
      error: undefined,
    });
    // The after steps are planned right after the merge is recorded; then
    // another replica's round runs the step while the merge's ingestion
    // waits (the round then waits too: the outcome needs the rollout).
    const plannedBy = Date.now() + 60_000;
    while (Date.now() < plannedBy && !(await smoke()))
      await new Promise(r => setTimeout(r, 50));
    const round = runner('replica-b').tick();
    const finishedBy = Date.now() + 60_000;
    while (
      Date.now() < finishedBy &&
      !['passed', 'failed'].includes((await smoke())?.state ?? '')
    )
      await new Promise(r => setTimeout(r, 50));
    // The premise of these tests: the step finished, the merge is not ingested.
    expect(['passed', 'failed']).toContain((await smoke())?.state);
    expect(
      (
        await env.ledger.listRollouts({
          repositoryId: 'demo',
          service: 'cart',
          environment: 'staging',
          limit: 1,
        })
      ).rows[0]?.to_version,
    ).not.toBe('v2');
    release();
    await round;
    return { ...env, action };
  }

  it('an after step that finishes before the merge is ingested still records the rollout verified', async () => {
    const { stores, ledger, runUntil, action } = await afterStepBeforeIngestion(
      'fast-after-01',
    );
    await runUntil(
      async () => (await stores.actions.get(action.id))!.state === 'succeeded',
    );
    const { rows } = await ledger.listRollouts({
      repositoryId: 'demo',
      service: 'cart',
      environment: 'staging',
      limit: 1,
    });
    expect(rows[0]).toMatchObject({ to_version: 'v2', outcome: 'verified' });
  });

  it('an after step that fails before the merge is ingested still rolls back (the environment has not moved on)', async () => {
    answers.set('smoke', ['failed']);
    const { stores, runUntil, stagingOnMain, action } =
      await afterStepBeforeIngestion('fast-after-02');
    await runUntil(
      async () => (await stores.actions.get(action.id))!.state === 'failed',
    );
    const rollbacks = (await stores.actions.list({ limit: 10 })).filter(
      a => a.requestedBy === AUTO_ROLLBACK_INITIATOR,
    );
    expect(rollbacks.map(a => [a.kind, a.version])).toEqual([
      ['rollback', 'v1'],
    ]);
    await runUntil(async () =>
      // Its own smoke test fails too (a rollback is never rolled back).
      ['merged', 'succeeded', 'failed'].includes(
        (await stores.actions.get(rollbacks[0].id))!.state,
      ),
    );
    expect(stagingOnMain()).toBe('v1');
  });

  it('a failed after step rolls the environment back through Git, with a hold, once; the onFailure step runs', async () => {
    const { stores, ledger, runUntil, promote, stagingOnMain } = await setup();
    answers.set('smoke', ['failed']);
    const { action } = await promote(
      { sourceEnvironment: 'dev' },
      'after-fails-1',
    );
    await runUntil(
      async () => (await stores.actions.get(action.id))!.state === 'failed',
    );
    const failed = (await stores.actions.get(action.id))!;
    expect(failed.error).toMatch(/verification failed in staging: smoke/);
    expect(
      (await stores.steps.ofAction(action.id, 'after')).map(s => [
        s.name,
        s.state,
      ]),
    ).toEqual([
      ['smoke', 'failed'],
      ['tell', 'passed'],
    ]);
    // The automatic rollback: policy:auto-rollback, back to v1, a hold on v2.
    const rollbacks = (await stores.actions.list({ limit: 10 })).filter(
      a => a.requestedBy === AUTO_ROLLBACK_INITIATOR,
    );
    expect(rollbacks.map(a => [a.kind, a.version])).toEqual([
      ['rollback', 'v1'],
    ]);
    await runUntil(async () =>
      ['merged', 'succeeded'].includes(
        (await stores.actions.get(rollbacks[0].id))!.state,
      ),
    );
    expect(stagingOnMain()).toBe('v1');
    expect(
      (await stores.holds.active('demo', 'cart')).map(h => [
        h.environment,
        h.version,
      ]),
    ).toEqual([['staging', 'v2']]);
    const { rows } = await ledger.listRollouts({
      repositoryId: 'demo',
      service: 'cart',
      environment: 'staging',
      limit: 2,
    });
    expect(rows.map(r => [r.to_version, r.kind])).toEqual([
      ['v1', 'rollback'],
      ['v2', 'promotion'],
    ]);
    // v2's rollout failed its verification, then the rollback took it away:
    // rolled-back, saying both.
    expect(rows[1].outcome).toBe('rolled-back');
    expect(rows[1].outcome_detail).toBe(
      'step smoke (probe) failed in staging: smoke: attempt 1 failed',
    );
    expect(rows[1].rolled_back_by).toBe(rows[0].commit_sha);
    expect(rows[0].initiator).toBe(AUTO_ROLLBACK_INITIATOR);
  });

  it('a failed phase handed on again (its replica died after requesting the rollback) names that rollback; no second one', async () => {
    const { stores, runUntil, promote, promotions, stagingOnMain } =
      await setup();
    answers.set('smoke', ['failed']);
    const { action } = await promote(
      { sourceEnvironment: 'dev' },
      'after-fails-2',
    );
    await runUntil(
      async () => (await stores.actions.get(action.id))!.state === 'failed',
    );
    const autoRollbacks = async () =>
      (await stores.actions.list({ limit: 20 })).filter(
        a => a.requestedBy === AUTO_ROLLBACK_INITIATOR,
      );
    const [rollback] = await autoRollbacks();
    await runUntil(async () =>
      ['merged', 'succeeded'].includes(
        (await stores.actions.get(rollback.id))!.state,
      ),
    );
    // staging runs v1 again, because of that rollback; the steps' engine
    // hands the failed phase on once more (what another replica does when
    // the first died before finishing the hand-on).
    expect(stagingOnMain()).toBe('v1');
    await promotions.onStepPhaseFinished({
      action: (await stores.actions.get(action.id))!,
      environment: 'staging',
      phase: 'after',
      passed: false,
      failedStep: { name: 'smoke', type: 'probe', message: 'failed' },
    });
    expect((await autoRollbacks()).map(a => a.id)).toEqual([rollback.id]);
    const decisions = (await stores.auditLog.entries())
      .filter(a => a.action === 'verification-policy')
      .map(a => a.message);
    expect(decisions).toHaveLength(2);
    expect(decisions).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          new RegExp(`rolling back to v1: action #${rollback.id} `),
        ),
        expect.stringMatching(
          new RegExp(`already rolling back: action #${rollback.id} `),
        ),
      ]),
    );
    expect((await stores.actions.get(action.id))!.state).toBe('failed');
  });

  it('a merge whose verification cannot be planned fails the action (fail closed), and cluster outcomes do not turn it into a success', async () => {
    const { stores, promotions, promote, stagingOnMain } = await setup();
    const plan = stores.steps.plan.bind(stores.steps);
    jest
      .spyOn(stores.steps, 'plan')
      .mockImplementation(async (id, env, phase, steps) => {
        if (phase === 'after') throw new Error('database went away');
        return plan(id, env, phase, steps);
      });
    const { action } = await promote(
      { sourceEnvironment: 'dev' },
      'not-planned-1',
    );
    for (let i = 0; i < 40; i++) {
      await new StepRunner({
        store: stores.steps,
        stepTypes,
        getAction: id => stores.actions.get(id),
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
        onPhaseFinished: r => promotions.onStepPhaseFinished(r),
        logger: mockServices.logger.mock(),
        owner: 'replica-0',
      }).tick();
      if ((await stores.actions.get(action.id))!.state === 'failed') break;
      await new Promise(r => setTimeout(r, 120));
    }
    expect(stagingOnMain()).toBe('v2');
    const failed = (await stores.actions.get(action.id))!;
    expect(failed.state).toBe('failed');
    expect(failed.error).toBe('verification not planned: database went away');
    await promotions.followOutcomes();
    expect((await stores.actions.get(action.id))!.state).toBe('failed');
  });

  it('a merge cut before its after steps were planned is not ended by the cluster report meanwhile: reconciliation plans the steps, and they decide', async () => {
    const {
      knex,
      stores,
      promotions,
      promote,
      runUntil,
      stagingOnMain,
      ingester,
    } = await setup();
    // The cut: the first follow-up after the compare-and-set fails.
    jest.spyOn(stores.locks, 'unlock').mockImplementationOnce(async () => {
      throw new Error('connection reset');
    });
    const { action } = await promote(
      { sourceEnvironment: 'dev' },
      'cut-before-plan-1',
    );
    await runUntil(
      async () => (await stores.actions.get(action.id))!.state !== 'requested',
    );
    expect(stagingOnMain()).toBe('v2');
    expect((await stores.actions.get(action.id))!.state).toBe('merged');
    expect(await stores.steps.ofAction(action.id, 'after')).toHaveLength(0);
    // Meanwhile the merge is ingested (a push webhook, the schedule) and
    // the cluster reports staging degraded: the outcome follower fails it.
    await ingester.ingest();
    await knex('gitops_rollouts')
      .where({ service: 'cart', environment: 'staging', to_version: 'v2' })
      .update({ outcome: 'degraded' });
    await promotions.followOutcomes();
    // Its verification is not planned yet: the outcome follower leaves it
    // alone (else the steps planned later would overturn its verdict).
    expect((await stores.actions.get(action.id))!.state).toBe('merged');
    // Reconciliation finishes the cut merge: it plans the after steps, and
    // they end the action, once.
    await promotions.reconcile();
    await runUntil(async () => {
      const runs = await stores.steps.ofAction(action.id, 'after');
      return (
        runs.length > 0 &&
        runs.every(r => !['pending', 'running'].includes(r.state))
      );
    });
    await runUntil(
      async () => (await stores.actions.get(action.id))!.state !== 'merged',
    );
    const runs = await stores.steps.ofAction(action.id, 'after');
    const after = (await stores.actions.get(action.id))!;
    expect(runs.filter(r => r.state === 'failed')).toEqual([]);
    expect(after.state).toBe('succeeded');
  });

  it('a cut merge the cluster reported succeeded meanwhile, whose verification then cannot be planned, fails (fail closed)', async () => {
    const { knex, stores, promotions, promote, runUntil, ingester } =
      await setup();
    jest.spyOn(stores.locks, 'unlock').mockImplementationOnce(async () => {
      throw new Error('connection reset');
    });
    const { action } = await promote(
      { sourceEnvironment: 'dev' },
      'cut-before-plan-2',
    );
    await runUntil(
      async () => (await stores.actions.get(action.id))!.state !== 'requested',
    );
    expect((await stores.actions.get(action.id))!.state).toBe('merged');
    await ingester.ingest();
    await knex('gitops_rollouts')
      .where({ service: 'cart', environment: 'staging', to_version: 'v2' })
      .update({ outcome: 'succeeded' });
    await promotions.followOutcomes();
    // Not moved on by the cluster while the merge is unfinished.
    expect((await stores.actions.get(action.id))!.state).toBe('merged');
    const plan = stores.steps.plan.bind(stores.steps);
    jest
      .spyOn(stores.steps, 'plan')
      .mockImplementation(async (id, env, phase, steps) => {
        if (phase === 'after') throw new Error('database went away');
        return plan(id, env, phase, steps);
      });
    await promotions.reconcile();
    const after = (await stores.actions.get(action.id))!;
    expect(after.state).toBe('failed');
    expect(after.error).toBe('verification not planned: database went away');
  });

  it('never rolls back a rollback whose verification failed: it holds', async () => {
    const { stores, runUntil, promote, stagingOnMain, promotions } =
      await setup();
    // v2 reaches staging and verifies; then someone rolls back to v1, whose
    // verification fails: only a hold, no rollback of the rollback.
    const { action } = await promote(
      { sourceEnvironment: 'dev' },
      'moved-on-0001',
    );
    await runUntil(
      async () => (await stores.actions.get(action.id))!.state === 'succeeded',
    );
    answers.set('smoke', ['passed', 'failed']);
    answers.clear();
    answers.set('smoke', ['failed']);
    const { action: rollback } = await promotions.request(
      {
        kind: 'rollback',
        repositoryId: 'demo',
        service: 'cart',
        body: { environment: 'staging', reason: 'by hand' },
      },
      alice,
      'manual-rollback-1',
    );
    expect(rollback.state).toBe('merged');
    await runUntil(
      async () => (await stores.actions.get(rollback.id))!.state === 'failed',
    );
    expect(stagingOnMain()).toBe('v1');
    expect(
      (await stores.actions.list({ limit: 20 })).filter(
        a => a.requestedBy === AUTO_ROLLBACK_INITIATOR,
      ),
    ).toEqual([]);
    const audit = await stores.auditLog.entries();
    expect(
      audit.find(a => a.action === 'verification-policy')?.message,
    ).toMatch(/held v1; a rollback is never rolled back automatically/);
  });

  it('a failed verification whose automatic rollback the gates refuse still holds the failed version (fail closed)', async () => {
    const { stores, runUntil, promote, stagingOnMain } = await setup();
    // v1 was rolled back from staging once and its hold was never lifted:
    // the hold gate refuses a rollback of staging to v1.
    await stores.holds.create({
      repositoryId: 'demo',
      service: 'cart',
      environment: 'staging',
      version: 'v1',
      reason: 'an earlier rollback',
      createdBy: 'user:default/bob',
      actionId: '424242',
    });
    answers.set('smoke', ['failed']);
    const { action } = await promote(
      { sourceEnvironment: 'dev' },
      'rollback-refused-1',
    );
    await runUntil(
      async () => (await stores.actions.get(action.id))!.state === 'failed',
    );
    // Staging still runs the version that failed its verification: it must
    // not travel further (prod) unheld.
    expect(stagingOnMain()).toBe('v2');
    expect(
      (await stores.holds.active('demo', 'cart'))
        .map(h => [h.environment, h.version])
        .sort(),
    ).toEqual([
      ['staging', 'v1'],
      ['staging', 'v2'],
    ]);
    const audit = await stores.auditLog.entries();
    expect(
      audit.find(a => a.action === 'verification-policy')?.message,
    ).toMatch(/held v2/);
  });

  it('never rolls back an environment that moved on since the failed version', async () => {
    const { stores, runUntil, promote, stagingOnMain, ingester } =
      await setup();
    answers.set('smoke', ['failed']);
    const { action } = await promote(
      { sourceEnvironment: 'dev' },
      'moved-on-0002',
    );
    // Its before step passes; the promotion is written.
    await runUntil(
      async () => (await stores.actions.get(action.id))!.state === 'merged',
    );
    // Before the smoke test runs, someone ships v3 to staging by hand.
    repo.write('apps/cart/staging/kustomization.yaml', kustomization('v3'));
    repo.commit('hotfix: cart v3 to staging');
    await ingester.ingest();
    await runUntil(
      async () => (await stores.actions.get(action.id))!.state === 'failed',
    );
    expect(stagingOnMain()).toBe('v3');
    expect(
      (await stores.actions.list({ limit: 20 })).filter(
        a => a.requestedBy === AUTO_ROLLBACK_INITIATOR,
      ),
    ).toEqual([]);
    const audit = await stores.auditLog.entries();
    expect(
      audit.find(a => a.action === 'verification-policy')?.message,
    ).toMatch(/nothing done: staging runs v3 now, not v2/);
  });
  it('a pending automatic rollback waits as a pull request for a person, who may cancel it: the environment keeps the version, nothing is held, no second rollback', async () => {
    repo.write(
      'gitops-pipeline.yaml',
      PIPELINE.replace(
        '        mode: direct\n',
        '        mode: pull-request\n',
      ),
    );
    repo.commit('staging by pull request');
    const {
      stores,
      ledger,
      runUntil,
      promotions,
      stagingOnMain: staging,
    } = await setup();
    const bob: Caller = {
      credentials: mockCredentials.user('user:default/bob'),
      initiator: 'user:default/bob',
      door: 'http',
    };

    answers.set('smoke', ['failed']);
    const { action } = await promotions.request(
      {
        kind: 'promotion',
        repositoryId: 'demo',
        service: 'cart',
        body: { sourceEnvironment: 'dev' },
      },
      alice,
      'pr-mode-0001',
    );
    await runUntil(
      async () =>
        (await stores.actions.get(action.id))!.state === 'pull-request-open',
    );
    await promotions.merge(action.id, bob);
    expect(staging()).toBe('v2');
    await runUntil(
      async () => (await stores.actions.get(action.id))!.state === 'failed',
    );
    const [rollback] = (await stores.actions.list({ limit: 10 })).filter(
      a => a.requestedBy === AUTO_ROLLBACK_INITIATOR,
    );
    expect(rollback).toMatchObject({
      kind: 'rollback',
      version: 'v1',
      mode: 'pull-request',
    });
    await runUntil(
      async () =>
        (await stores.actions.get(rollback.id))!.state === 'pull-request-open',
    );
    // Nothing merged by itself: a person decides.
    expect(staging()).toBe('v2');
    const cancelled = await promotions.cancel(rollback.id, bob);
    expect(cancelled.state).toBe('cancelled');
    expect(staging()).toBe('v2');
    expect(await stores.holds.active('demo', 'cart')).toEqual([]);
    // The failed rollout stays failed (not rolled back); no second attempt.
    const { rows } = await ledger.listRollouts({
      repositoryId: 'demo',
      service: 'cart',
      environment: 'staging',
      limit: 1,
    });
    expect(rows[0]).toMatchObject({ to_version: 'v2', outcome: 'failed' });
    await runUntil(async () => false);
    expect(
      (await stores.actions.list({ limit: 10 })).filter(
        a => a.requestedBy === AUTO_ROLLBACK_INITIATOR,
      ),
    ).toHaveLength(1);
  });
});
