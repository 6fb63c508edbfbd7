import { TestDatabases } from '@backstage/backend-test-utils';
import { LedgerStore } from './LedgerStore';

const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });

describe.each(databases.eachSupportedId())('LedgerStore on %p', databaseId => {
  it('parses the stored pipeline once per ingestion run, and sees the next run', async () => {
    const store = await LedgerStore.fromKnex(await databases.init(databaseId));
    await store.ensureRepository('demo');
    expect(await store.getStoredPipeline('demo')).toBeNull();
    expect(await store.getStoredPipeline('unknown')).toBeNull();

    const pipeline = (name: string) => ({
      definition: { name, stages: [], environments: [] },
      services: {},
      environmentErrors: {},
    });
    await store.finishRun({
      repositoryId: 'demo',
      at: new Date('2026-11-26T10:00:00Z'),
      pipeline: pipeline('first'),
      pipelineError: null,
    });
    const first = await store.getStoredPipeline('demo');
    expect(first?.definition?.name).toBe('first');
    // Same run: the very same parsed object (no re-read, no re-parse).
    expect(await store.getStoredPipeline('demo')).toBe(first);

    await store.finishRun({
      repositoryId: 'demo',
      at: new Date('2026-11-26T10:00:30Z'),
      pipeline: pipeline('second'),
      pipelineError: null,
    });
    expect((await store.getStoredPipeline('demo'))?.definition?.name).toBe(
      'second',
    );
  });

  it("records a run's failure only while the run holds the repository: a run that lost it does not put its error over the replica that took it", async () => {
    const knex = await databases.init(databaseId);
    const store = await LedgerStore.fromKnex(knex);
    await store.ensureRepository('demo');
    const now = Date.now();
    expect(await store.claimIngestionRun('demo', 'replica-a', now, 100)).toBe(
      true,
    );
    // replica-a stalls past its lease; replica-b takes the repository.
    expect(
      await store.claimIngestionRun('demo', 'replica-b', now + 1000, 30_000),
    ).toBe(true);
    expect(
      await store.recordFailure('demo', { message: 'stale' }, 'replica-a'),
    ).toBe(false);
    const row = await knex('gitops_repositories').where({ id: 'demo' }).first();
    expect(row.last_error).toBeNull();
    expect(
      await store.recordFailure('demo', { message: 'real' }, 'replica-b'),
    ).toBe(true);
    const after = await knex('gitops_repositories')
      .where({ id: 'demo' })
      .first();
    expect(JSON.parse(after.last_error)).toEqual({ message: 'real' });
  });

  it("refuses the end of a run whose cursor another replica moved: that replica's pipeline and desired states stay", async () => {
    const knex = await databases.init(databaseId);
    const store = await LedgerStore.fromKnex(knex);
    await store.ensureRepository('demo');
    const pipeline = (name: string) => ({
      definition: { name, stages: [], environments: [] },
      services: {},
      environmentErrors: {},
    });
    const state = (environment: string) => ({
      repository_id: 'demo',
      service: 'cart',
      environment,
      version: 'v1',
      file: `apps/cart/${environment}/kustomization.yaml`,
      line: 1,
      error: null,
    });
    // This run started at cursor A; another replica took the repository
    // meanwhile, ingested B (its pipeline adds prod) and finished.
    const [a, b] = ['a'.repeat(40), 'b'.repeat(40)];
    await knex('gitops_repositories')
      .where({ id: 'demo' })
      .update({ last_commit_sha: b });
    await knex('gitops_desired_states').insert([state('dev'), state('prod')]);
    await store.finishRun({
      repositoryId: 'demo',
      at: new Date('2026-12-02T03:00:00Z'),
      pipeline: pipeline('with prod'),
      pipelineError: null,
      expectedCursor: b,
    });

    await expect(
      store.finishRun({
        repositoryId: 'demo',
        at: new Date('2026-12-02T03:00:01Z'),
        pipeline: pipeline('without prod'),
        pipelineError: null,
        expectedCursor: a,
        keep: [{ service: 'cart', environment: 'dev' }],
      }),
    ).rejects.toThrow(
      /ingestion cursor of repository demo moved during the run \(another replica ingested it\)/,
    );
    expect((await store.getStoredPipeline('demo'))?.definition?.name).toBe(
      'with prod',
    );
    expect(
      (await store.getDesiredStates('demo')).map(r => r.environment).sort(),
    ).toEqual(['dev', 'prod']);
  });
});
