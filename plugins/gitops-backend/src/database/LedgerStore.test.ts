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
});
