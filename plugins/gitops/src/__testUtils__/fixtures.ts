import type { Entity } from '@backstage/catalog-model';
import type {
  EnvironmentDefinition,
  GitopsApi,
  RepositoryState,
  Rollout,
  RolloutPage,
  ServiceStatusResponse,
} from '@gitops2/plugin-gitops-common';

const HOUR = 3600 * 1000;

export function hoursAgo(hours: number): string {
  return new Date(Date.now() - hours * HOUR).toISOString();
}

export const entity: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: {
    name: 'guestbook-ui',
    namespace: 'default',
    annotations: { 'gitops2.io/gitops-repo': 'platform-gitops' },
  },
  spec: { type: 'service', owner: 'team-a', lifecycle: 'production' },
};

export const entityWithoutAnnotation: Entity = {
  ...entity,
  metadata: { name: 'legacy-service', namespace: 'default' },
};

const env = (
  name: string,
  stage: string,
  stageIndex: number,
  cluster: string,
  namespace = 'guestbook',
): EnvironmentDefinition => ({
  name,
  stage,
  stageIndex,
  cluster,
  namespace,
  url: `https://${name}.guestbook.example.com`,
});

export const environments = {
  dev: env('dev', 'dev', 0, 'dev-cluster', 'guestbook-dev'),
  qa: env('qa', 'qa', 1, 'dev-cluster', 'guestbook-qa'),
  staging: env('staging', 'staging', 2, 'staging-cluster'),
  'prod-us': env('prod-us', 'prod', 3, 'prod-us-cluster'),
  'prod-eu': env('prod-eu', 'prod', 3, 'prod-eu-cluster'),
};

const manifest = (name: string) =>
  `apps/guestbook-ui/overlays/${name}/kustomization.yaml`;

export const repository: RepositoryState = {
  id: 'platform-gitops',
  provider: 'github',
  location: 'github.com/acme/platform-gitops',
  branch: 'main',
  pipelineFile: 'gitops-pipeline.yaml',
  lastCommitSha: '9f8e7d6c5b4a39281706f5e4d3c2b1a098765432',
  lastIngestedAt: hoursAgo(0.1),
  error: null,
};

export const stagingError = {
  file: manifest('staging'),
  line: 7,
  message: 'images has no entry named ghcr.io/acme/guestbook-ui (found: nginx)',
};

/** Five environments, prod-us + prod-eu in one stage, staging broken. */
export function makeStatus(): ServiceStatusResponse {
  return {
    service: 'guestbook-ui',
    repository,
    pipeline: {
      name: 'guestbook',
      stages: [
        { name: 'dev', environments: ['dev'] },
        { name: 'qa', environments: ['qa'] },
        { name: 'staging', environments: ['staging'] },
        { name: 'prod', environments: ['prod-us', 'prod-eu'] },
      ],
      environments: Object.values(environments),
    },
    pipelineError: null,
    // Deliberately not in pipeline order: the view must sort.
    environments: [
      {
        environment: environments['prod-eu'],
        desired: {
          version: '1.4.1',
          file: manifest('prod-eu'),
          line: 9,
          lastChange: {
            sha: 'c0ffee1234567890c0ffee1234567890c0ffee12',
            url: 'https://github.com/acme/platform-gitops/commit/c0ffee1234567890c0ffee1234567890c0ffee12',
            authorName: 'Carol',
            committedAt: hoursAgo(72),
            subject: 'Promote guestbook-ui 1.4.1 to prod',
          },
        },
        error: null,
      },
      {
        environment: environments.dev,
        desired: {
          version: '1.5.0-rc.2',
          file: manifest('dev'),
          line: 9,
          lastChange: {
            sha: 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678',
            url: 'https://github.com/acme/platform-gitops/commit/a1b2c3d4e5f60718293a4b5c6d7e8f9012345678',
            authorName: 'Alice',
            committedAt: hoursAgo(2),
            subject: 'guestbook-ui: bump dev to 1.5.0-rc.2',
          },
        },
        error: null,
      },
      {
        environment: environments.qa,
        desired: {
          version: '1.4.2',
          file: manifest('qa'),
          line: 9,
          lastChange: {
            sha: 'b2c3d4e5f60718293a4b5c6d7e8f901234567890',
            authorName: 'Bob',
            committedAt: hoursAgo(26),
            subject: 'Promote guestbook-ui 1.4.2 to qa',
          },
        },
        error: null,
      },
      {
        environment: environments.staging,
        desired: null,
        error: stagingError,
      },
      {
        environment: environments['prod-us'],
        desired: {
          version: '1.4.1',
          file: manifest('prod-us'),
          line: 9,
          lastChange: {
            sha: 'd4e5f60718293a4b5c6d7e8f9012345678901234',
            url: 'https://github.com/acme/platform-gitops/commit/d4e5f60718293a4b5c6d7e8f9012345678901234',
            authorName: 'Dave',
            committedAt: hoursAgo(5),
            subject: 'Rollback prod-us to 1.4.1',
          },
        },
        error: null,
      },
    ],
  };
}

function rollout(
  id: number,
  environment: string,
  fromVersion: string | null,
  toVersion: string,
  kind: Rollout['kind'],
  hours: number,
  author: string,
  subject: string,
  initiator = author,
): Rollout {
  const sha = `${id}`.repeat(40).slice(0, 40);
  return {
    id: `${id}`,
    service: 'guestbook-ui',
    environment,
    fromVersion,
    toVersion,
    kind,
    outcome: kind === 'rollback' ? 'succeeded' : 'pending',
    commit: {
      sha,
      url: `https://github.com/acme/platform-gitops/commit/${sha}`,
      authorName: author,
      committedAt: hoursAgo(hours),
      subject,
    },
    desiredAt: hoursAgo(hours),
    initiator,
    file: manifest(environment),
  };
}

/** The whole ledger, newest first. */
export const rollouts: Rollout[] = [
  rollout(5, 'dev', '1.4.2', '1.5.0-rc.2', 'direct', 2, 'Alice', 'bump dev'),
  rollout(
    4,
    'prod-us',
    '1.4.2',
    '1.4.1',
    'rollback',
    5,
    'Dave',
    'Rollback prod-us to 1.4.1',
    'user:default/dave',
  ),
  rollout(
    3,
    'prod-us',
    '1.4.1',
    '1.4.2',
    'promotion',
    20,
    'Carol',
    'Promote 1.4.2 to prod-us',
  ),
  rollout(
    2,
    'qa',
    '1.4.1',
    '1.4.2',
    'promotion',
    26,
    'Bob',
    'Promote 1.4.2 to qa',
  ),
  rollout(1, 'dev', null, '1.4.1', 'direct', 200, 'Alice', 'Add guestbook-ui'),
];

/**
 * Pages over `rollouts` like the backend: filter by environment, newest
 * first, `before` is the id of the last rollout of the previous page.
 */
export function pageOfRollouts(query: {
  environment?: string;
  limit?: number;
  before?: string;
}): RolloutPage {
  const matching = rollouts.filter(
    r => !query.environment || r.environment === query.environment,
  );
  const start = query.before
    ? matching.findIndex(r => Number(r.id) < Number(query.before))
    : 0;
  const limit = query.limit ?? 50;
  const items = start === -1 ? [] : matching.slice(start, start + limit);
  const last = items[items.length - 1];
  const more = start !== -1 && start + limit < matching.length;
  return {
    items,
    nextCursor: more && last ? last.id : undefined,
    totalCount: matching.length,
  };
}

export type MockGitopsApi = jest.Mocked<GitopsApi>;

/** A fake backend; pages of at most 3 rollouts. */
export function createFakeGitopsApi(): MockGitopsApi {
  const legacyRepository: RepositoryState = {
    id: 'legacy-gitops',
    provider: 'local',
    location: '/srv/gitops/legacy',
    branch: 'master',
    pipelineFile: 'gitops-pipeline.yaml',
    error: {
      file: 'gitops-pipeline.yaml',
      line: 12,
      message: 'stage "prod" has no environments',
    },
  };
  const fake: GitopsApi = {
    getServiceStatus: async () => makeStatus(),
    getRollouts: async (_entity, query = {}) =>
      pageOfRollouts({
        environment: query.environment,
        before: query.before,
        limit: Math.min(Number(query.limit ?? 50), 3),
      }),
    getRepositories: async () => ({ items: [repository, legacyRepository] }),
    refreshRepository: async (id: string) => ({
      ...repository,
      id,
      lastIngestedAt: new Date().toISOString(),
    }),
  };
  return {
    getServiceStatus: jest.fn(fake.getServiceStatus),
    getRollouts: jest.fn(fake.getRollouts),
    getRepositories: jest.fn(fake.getRepositories),
    refreshRepository: jest.fn(fake.refreshRepository),
  };
}
