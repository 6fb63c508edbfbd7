import { TestDatabases } from '@backstage/backend-test-utils';
import { LedgerStore } from '../database/LedgerStore';
import { RepositoryConfig } from '../config';
import { GitopsService } from './GitopsService';

const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });

const repo = {
  id: 'demo',
  provider: 'local',
  url: '/srv/gitops',
  branch: 'main',
  pipelineFile: 'gitops-pipeline.yaml',
} as unknown as RepositoryConfig;

describe.each(databases.eachSupportedId())(
  'rollout outcomes as the API presents them, on %p',
  databaseId => {
    it('reads pending only for the latest rollout of a watched environment; earlier ones read superseded or not observed', async () => {
      const knex = await databases.init(databaseId);
      const store = await LedgerStore.fromKnex(knex);
      await store.ensureRepository('demo');
      await store.finishRun({
        repositoryId: 'demo',
        at: new Date('2026-11-30T12:00:00Z'),
        pipeline: {
          definition: {
            name: 'p',
            stages: [
              { name: 'dev', environments: ['dev'] },
              { name: 'prod', environments: ['prod'] },
            ],
            environments: [
              { name: 'dev', stage: 'dev', stageIndex: 0 },
              { name: 'prod', stage: 'prod', stageIndex: 1, cluster: 'c1' },
            ],
          },
          services: {},
          environmentErrors: {},
        },
        pipelineError: null,
      });
      const row = (
        n: number,
        environment: string,
        desired: string,
        recorded: string,
        outcome = 'pending',
      ) => ({
        repository_id: 'demo',
        service: 'cart',
        environment,
        from_version: n > 1 ? `v${n - 1}` : null,
        to_version: `v${n}`,
        kind: 'promotion',
        outcome,
        commit_sha: `sha${n}${environment}`,
        author_name: 'Alice',
        subject: `bump ${n}`,
        initiator: 'Alice',
        file: `envs/${environment}/cart.yaml`,
        desired_at: new Date(desired),
        recorded_at: new Date(recorded),
      });
      await knex('gitops_rollouts').insert([
        // Historic: recorded (with v2) after it had been replaced.
        row(1, 'prod', '2026-11-01T10:00:00Z', '2026-11-30T10:00:10Z'),
        // Recorded at 10:00, replaced at 10:05 before the cluster saw it.
        row(2, 'prod', '2026-11-30T10:00:00Z', '2026-11-30T10:00:10Z'),
        row(
          3,
          'prod',
          '2026-11-30T10:05:00Z',
          '2026-11-30T10:05:10Z',
          'verified',
        ),
        row(4, 'prod', '2026-11-30T11:00:00Z', '2026-11-30T11:00:10Z'),
        // dev has no cluster: never pending.
        row(1, 'dev', '2026-11-30T09:00:00Z', '2026-11-30T09:00:10Z'),
      ]);
      const service = new GitopsService(store, [repo], new Map());
      service.setWatchedClusters(['c1']);
      const page = await service.listRollouts({ limit: 10 });
      const outcomes = page.items.map(r => [
        r.environment,
        r.toVersion,
        r.outcome,
      ]);
      expect(outcomes).toEqual([
        ['dev', 'v1', 'not-observed'],
        ['prod', 'v4', 'pending'],
        ['prod', 'v3', 'verified'],
        ['prod', 'v2', 'superseded'],
        ['prod', 'v1', 'not-observed'],
      ]);

      // A cluster named in the pipeline but not watched is no cluster.
      service.setWatchedClusters([]);
      const unwatched = await service.listRollouts({
        limit: 10,
        environment: 'prod',
      });
      expect(unwatched.items.map(r => r.outcome)).toEqual([
        'not-observed',
        'verified',
        'not-observed',
        'not-observed',
      ]);

      // Argo CD / Flux events report on dev (events-only mode): its latest
      // rollout waits for them.
      service.setEventEnvironments(async () => new Set(['demo\u0000dev']));
      const reported = await service.listRollouts({
        limit: 10,
        environment: 'dev',
      });
      expect(reported.items.map(r => r.outcome)).toEqual(['pending']);
      await knex.destroy();
    });
  },
);
