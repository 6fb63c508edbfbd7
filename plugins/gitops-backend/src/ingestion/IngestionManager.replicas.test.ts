import type { SchedulerService } from '@backstage/backend-plugin-api';
import { mockServices } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import knexFactory, { Knex } from 'knex';
import { readGitopsConfig } from '../config';
import { LedgerStore } from '../database/LedgerStore';
import { LocalGitSource } from '../git/LocalGitSource';
import { createDefaultLocatorRegistry } from '../locators/VersionLocatorRegistry';
import {
  GitRepoFixture,
  kustomization,
  TWO_STAGE_PIPELINE,
} from '../testing/GitRepoFixture';
import { IngestionManager } from './IngestionManager';

/*
 * Two replicas = two IngestionManagers (two stores) on one database, each
 * with its own sources whose head can be held, counting how often each
 * replica started reading a repository.
 */

const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

interface Gated {
  source: LocalGitSource;
  reads: number;
  hold(): void;
  release(): void;
}

function gatedSource(dir: string): Gated {
  const source = new LocalGitSource(dir, 'main');
  const headCommit = source.headCommit.bind(source);
  let gate: Promise<void> = Promise.resolve();
  let open: () => void = () => undefined;
  const g: Gated = {
    source,
    reads: 0,
    hold() {
      gate = new Promise(r => {
        open = r;
      });
    },
    release: () => open(),
  };
  source.headCommit = async () => {
    g.reads++;
    const head = await headCommit();
    await gate;
    return head;
  };
  return g;
}

/** The fns the manager schedules, by task id. */
function fakeScheduler() {
  const tasks = new Map<string, (signal: AbortSignal) => Promise<void>>();
  const scheduler = {
    scheduleTask: async (t: any) => {
      tasks.set(t.id, t.fn);
    },
  } as unknown as SchedulerService;
  const tick = (repositoryId: string) =>
    tasks.get(`gitops-ingest:${repositoryId}`)!(new AbortController().signal);
  return { scheduler, tick };
}

describe('IngestionManager on several replicas', () => {
  const repos: GitRepoFixture[] = [];
  let knex: Knex;
  afterEach(async () => {
    repos.splice(0).forEach(r => r.cleanup());
    await knex?.destroy();
  });

  function gitopsRepo(): GitRepoFixture {
    const repo = new GitRepoFixture();
    repo.write('gitops-pipeline.yaml', TWO_STAGE_PIPELINE);
    repo.write('apps/cart/dev/kustomization.yaml', kustomization('v1'));
    repo.commit('bootstrap');
    repos.push(repo);
    return repo;
  }

  async function replica(
    holder: string,
    dirs: Record<string, string>,
    extra: {
      maxConcurrentRuns?: number;
      leaseTtlMs?: number;
      afterIngest?: (result: { commits: number }) => Promise<unknown>;
      /** Changes this replica's store (e.g. slows its lease renewals). */
      wrapStore?: (store: LedgerStore) => void;
      logger?: ReturnType<typeof mockServices.logger.mock>;
    } = {},
  ) {
    const store = await LedgerStore.fromKnex(knex);
    extra.wrapStore?.(store);
    const sources = Object.fromEntries(
      Object.entries(dirs).map(([id, dir]) => [id, gatedSource(dir)]),
    );
    const manager = new IngestionManager({
      config: readGitopsConfig(
        new ConfigReader({
          gitops: {
            repositories: Object.entries(dirs).map(([id, url]) => ({
              id,
              provider: 'local',
              url,
            })),
            ...(extra.maxConcurrentRuns !== undefined
              ? { ingestion: { maxConcurrentRuns: extra.maxConcurrentRuns } }
              : {}),
          },
        }),
      ),
      store,
      locators: createDefaultLocatorRegistry(),
      logger: extra.logger ?? mockServices.logger.mock(),
      createSource: r => sources[r.id].source,
      holder,
      leaseTtlMs: extra.leaseTtlMs,
      afterIngest: extra.afterIngest,
    });
    const { scheduler, tick } = fakeScheduler();
    await manager.schedule(scheduler);
    return { manager, sources, tick };
  }

  beforeEach(() => {
    knex = knexFactory({
      client: 'better-sqlite3',
      connection: ':memory:',
      useNullAsDefault: true,
    });
  });

  const versions = async () =>
    (await knex('gitops_rollouts').orderBy('id')).map(
      (r: any) => `${r.environment} ${r.to_version}`,
    );

  /** Waits until the held source has been asked for its head (the run has started). */
  async function started(g: Gated) {
    for (let i = 0; i < 200 && g.reads === 0; i++) await sleep(10);
    expect(g.reads).toBeGreaterThan(0);
  }

  it("skips a scheduled run of a repository another replica is ingesting, and runs the next one after that replica's run", async () => {
    const repo = gitopsRepo();
    const a = await replica('replica-a', { demo: repo.dir });
    const b = await replica('replica-b', { demo: repo.dir });
    a.sources.demo.hold();
    const running = a.manager.ingest('demo');
    await started(a.sources.demo);

    await b.tick('demo');
    expect(b.sources.demo.reads).toBe(0);

    a.sources.demo.release();
    expect((await running).commits).toBe(1);
    repo.write('apps/cart/dev/kustomization.yaml', kustomization('v2'));
    repo.commit('cart v2 to dev');
    await b.tick('demo');
    expect(b.sources.demo.reads).toBe(1);
    expect(await versions()).toEqual(['dev v1', 'dev v2']);
  });

  it('keeps the repository for a run that outlasts its lease: the lease is renewed while the run lasts', async () => {
    const repo = gitopsRepo();
    const a = await replica(
      'replica-a',
      { demo: repo.dir },
      { leaseTtlMs: 300 },
    );
    const b = await replica(
      'replica-b',
      { demo: repo.dir },
      { leaseTtlMs: 300 },
    );
    a.sources.demo.hold();
    const running = a.manager.ingest('demo');
    await started(a.sources.demo);
    for (let i = 0; i < 4; i++) {
      await sleep(250); // 1 s in all: three times the lease
      await b.tick('demo');
    }
    expect(b.sources.demo.reads).toBe(0);
    a.sources.demo.release();
    await running;
    expect(await versions()).toEqual(['dev v1']);
  });

  it('a run whose lease renewals came too late (a starved replica) stops before it writes; the replica that took the repository ingests it alone, then the first run resumes from the cursor', async () => {
    const repo = gitopsRepo();
    const logger = mockServices.logger.mock();
    const a = await replica(
      'replica-a',
      { demo: repo.dir },
      {
        leaseTtlMs: 300,
        logger,
        // Each renewal waits 1 s for the event loop and a pool connection.
        wrapStore: store => {
          const renew = store.renewIngestionRun.bind(store);
          store.renewIngestionRun = async (...args) => {
            await sleep(1000);
            return renew(...args);
          };
        },
      },
    );
    const b = await replica(
      'replica-b',
      { demo: repo.dir },
      { leaseTtlMs: 300 },
    );
    a.sources.demo.hold();
    const running = a.manager.ingest('demo');
    await started(a.sources.demo);
    await sleep(400); // a's lease expired: its renewal is still waiting
    b.sources.demo.hold();
    const taken = b.tick('demo');
    await started(b.sources.demo);

    a.sources.demo.release();
    const stopped = () =>
      logger.warn.mock.calls.some(c =>
        /ingestion run of demo \(replica-a#1\) stopped: .*another replica may be ingesting/.test(
          String(c[0]),
        ),
      );
    for (let i = 0; i < 300 && !stopped(); i++) await sleep(10);
    expect(stopped()).toBe(true);
    expect(await versions()).toEqual([]);

    b.sources.demo.release();
    await taken;
    expect(await versions()).toEqual(['dev v1']);
    // The first run's caller (a push, a refresh) waited for the lease and
    // ran again from the cursor: nothing left, nothing twice.
    expect((await running).commits).toBe(0);
    expect(await versions()).toEqual(['dev v1']);
  });

  it('a run that lost its lease after writing a batch still announces what it wrote (afterIngest: signals, correlation), and nothing is written twice', async () => {
    const repo = gitopsRepo();
    const announced: number[] = [];
    // The replica is starved from its first write on: its lease renewals
    // and its run wait until `wake()`.
    let wake!: () => void;
    const awake = new Promise<void>(r => {
      wake = r;
    });
    let writes = 0;
    const a = await replica(
      'replica-a',
      { demo: repo.dir },
      {
        leaseTtlMs: 300,
        afterIngest: async r => announced.push(r.commits),
        wrapStore: store => {
          const renew = store.renewIngestionRun.bind(store);
          store.renewIngestionRun = async (...args) => {
            if (writes > 0) await awake;
            return renew(...args);
          };
          const apply = store.applyBatch.bind(store);
          store.applyBatch = async (...args) => {
            const out = await apply(...args);
            writes++;
            await awake;
            return out;
          };
        },
      },
    );
    const b = await replica(
      'replica-b',
      { demo: repo.dir },
      { leaseTtlMs: 300 },
    );
    const running = a.manager.ingest('demo');
    for (let i = 0; i < 300 && writes === 0; i++) await sleep(10);
    expect(await versions()).toEqual(['dev v1']);
    await sleep(400); // a's lease expired meanwhile
    await b.tick('demo'); // b takes the repository: nothing left to ingest
    expect(b.sources.demo.reads).toBe(1);

    wake();
    // a's caller waited for the lease and ran again from the cursor.
    expect((await running).commits).toBe(0);
    expect(await versions()).toEqual(['dev v1']);
    // The stopped run's commit announced, then the run after it.
    expect(announced).toEqual([1, 0]);
  });

  it("takes over the repository of a replica that died mid-run once that replica's lease has expired", async () => {
    const repo = gitopsRepo();
    const b = await replica(
      'replica-b',
      { demo: repo.dir },
      { leaseTtlMs: 300 },
    );
    // A replica took the repository and died: nothing renews its lease.
    const store = await LedgerStore.fromKnex(knex);
    await store.ensureRepository('demo');
    expect(
      await store.claimIngestionRun(
        'demo',
        'replica-that-died',
        Date.now(),
        300,
      ),
    ).toBe(true);

    await b.tick('demo');
    expect(b.sources.demo.reads).toBe(0);
    await sleep(400);
    await b.tick('demo');
    expect(b.sources.demo.reads).toBe(1);
    expect(await versions()).toEqual(['dev v1']);
  });

  it("ingestFromNow on a second replica waits for the first replica's run, then ingests the push after it", async () => {
    const repo = gitopsRepo();
    const a = await replica('replica-a', { demo: repo.dir });
    const b = await replica('replica-b', { demo: repo.dir });
    a.sources.demo.hold();
    const running = a.manager.ingest('demo'); // has read the head: bootstrap
    await started(a.sources.demo);
    repo.write('apps/cart/dev/kustomization.yaml', kustomization('v2'));
    repo.commit('cart v2 to dev'); // the push, announced to replica-b
    const fresh = b.manager.ingestFromNow('demo');
    await sleep(200);
    expect(b.sources.demo.reads).toBe(0);
    a.sources.demo.release();
    expect((await running).commits).toBe(1);
    expect((await fresh).commits).toBe(1);
    expect(await versions()).toEqual(['dev v1', 'dev v2']);
  });

  it('leaves a due repository to another replica when this one already runs gitops.ingestion.maxConcurrentRuns runs', async () => {
    const one = gitopsRepo();
    const two = gitopsRepo();
    const dirs = { one: one.dir, two: two.dir };
    const a = await replica('replica-a', dirs, { maxConcurrentRuns: 1 });
    const b = await replica('replica-b', dirs, { maxConcurrentRuns: 1 });
    a.sources.one.hold();
    const running = a.manager.ingest('one');
    await started(a.sources.one);

    await a.tick('two');
    expect(a.sources.two.reads).toBe(0);
    await b.tick('two');
    expect(b.sources.two.reads).toBe(1);

    a.sources.one.release();
    await running;
    expect((await knex('gitops_rollouts')).length).toBe(2);
  });

  it('gives the repository and its run slot up before the correlation that follows a run (afterIngest, across all repositories)', async () => {
    const one = gitopsRepo();
    const two = gitopsRepo();
    const dirs = { one: one.dir, two: two.dir };
    let correlating = false;
    let endCorrelation: () => void = () => undefined;
    const correlation = new Promise<void>(r => {
      endCorrelation = r;
    });
    const a = await replica('replica-a', dirs, {
      maxConcurrentRuns: 1,
      afterIngest: async () => {
        correlating = true;
        await correlation;
      },
    });
    const b = await replica('replica-b', dirs);
    const first = a.manager.ingest('one');
    for (let i = 0; i < 300 && !correlating; i++) await sleep(10);
    expect(correlating).toBe(true);

    await b.tick('one');
    expect(b.sources.one.reads).toBe(1);
    const second = a.manager.ingestScheduled('two');
    for (let i = 0; i < 300 && a.sources.two.reads === 0; i++) await sleep(10);
    expect(a.sources.two.reads).toBe(1);

    endCorrelation();
    expect((await first).commits).toBe(1);
    expect((await second)?.commits).toBe(1);
  });
});
