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
import { Caller } from '../types';

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

const ingestionFails = { on: false };

const alice: Caller = {
  credentials: mockCredentials.user('user:default/alice'),
  initiator: 'user:default/alice',
  door: 'http',
};

describe.each(databases.eachSupportedId())(
  'hostile recordOutcome on %p',
  dbId => {
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
        logger: mockServices.logger.mock(),
        recordPortalCommit: (r, sha, id) =>
          ledger.recordPortalCommit(r, sha, id),
        stepsPlanned: () => woken.runner?.wake(),
        afterMerge: async () => {
          if (ingestionFails.on) throw new Error('GitHub unavailable (test)');
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

    it('a rollback whose commit is not ingested (ingestion fails) must not write its verification onto the rollout that first brought the version', async () => {
      ingestionFails.on = false;
      const { stores, ledger, runUntil, promote, promotions, stagingOnMain } =
        await setup();
      const { action } = await promote(
        { sourceEnvironment: 'dev' },
        'hostile-ro-1',
      );
      await runUntil(
        async () =>
          (await stores.actions.get(action.id))!.state === 'succeeded',
      );
      const before = await ledger.listRollouts({
        repositoryId: 'demo',
        service: 'cart',
        environment: 'staging',
        limit: 10,
      });
      const firstV1 = before.rows.find(r => r.to_version === 'v1')!;
      expect(firstV1).toBeDefined();
      const firstV1Outcome = firstV1.outcome;
      // From now on the ingestion after merges fails (GitHub down, replica
      // killed before its ingestion): the rollback's own rollout never lands.
      ingestionFails.on = true;
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
        'hostile-ro-rb-1',
      );
      expect(rollback.state).toBe('merged');
      await runUntil(
        async () => (await stores.actions.get(rollback.id))!.state === 'failed',
      );
      expect(stagingOnMain()).toBe('v1');
      const after = await ledger.listRollouts({
        repositoryId: 'demo',
        service: 'cart',
        environment: 'staging',
        limit: 10,
      });
      // The rollback's commit is not in the ledger …
      expect(after.rows.map(r => r.kind)).not.toContain('rollback');
      // … so the rollout that first brought v1 (another commit, not this
      // action's) must keep its outcome: the actionId restriction promised so.
      const firstV1After = after.rows.find(r => r.id === firstV1.id)!;
      expect(firstV1After.outcome).toBe(firstV1Outcome);
      expect(firstV1After.outcome_detail ?? null).toBe(
        firstV1.outcome_detail ?? null,
      );
    });
  },
);
