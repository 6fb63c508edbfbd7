import type {
  DashboardResponse,
  EnvironmentLiveStatus,
  PodCounts,
  ServiceLiveResponse,
} from '@gitops2/plugin-gitops-common';

const HOUR = 3600 * 1000;

function hoursAgo(hours: number): string {
  return new Date(Date.now() - hours * HOUR).toISOString();
}

/** Cluster observation: the sha Git holds and one the cluster applied before. */
export const liveShas = {
  desired: '9f8e7d6c5b4a39281706f5e4d3c2b1a098765432',
  previous: '0a1b2c3d4e5f60718293a4b5c6d7e8f901234567',
};

const pods = (p: Partial<PodCounts>): PodCounts => ({
  running: 0,
  pending: 0,
  failed: 0,
  crashLooping: 0,
  total: 0,
  ...p,
});

function live(
  environment: string,
  cluster: string,
  fields: Partial<EnvironmentLiveStatus>,
): EnvironmentLiveStatus {
  return {
    service: 'guestbook-ui',
    environment,
    cluster,
    namespace: 'guestbook',
    health: 'Healthy',
    sync: 'Synced',
    appliedRevision: liveShas.desired,
    desiredRevision: liveShas.desired,
    observedVersions: [],
    lastSyncAt: hoursAgo(1),
    updatedAt: hoursAgo(0.5),
    ...fields,
  };
}

/**
 * Live state of guestbook-ui: dev healthy, qa progressing (out of sync),
 * staging degraded (crash-looping), prod-us drifted (a hotfix nobody
 * committed), prod-eu's cluster unreachable (last known state kept).
 */
export function makeLive(): ServiceLiveResponse {
  const unreachable = {
    cluster: 'prod-eu-cluster',
    state: 'unreachable' as const,
    since: hoursAgo(0.25),
    message: 'connect ECONNREFUSED 10.0.0.7:6443',
  };
  return {
    service: 'guestbook-ui',
    environments: [
      live('dev', 'dev-cluster', {
        replicas: { ready: 2, desired: 2, updated: 2 },
        pods: pods({ running: 2, total: 2 }),
        observedVersions: ['1.5.0-rc.2'],
      }),
      live('qa', 'dev-cluster', {
        health: 'Progressing',
        sync: 'OutOfSync',
        appliedRevision: liveShas.previous,
        replicas: { ready: 1, desired: 2, updated: 1 },
        pods: pods({ running: 1, pending: 1, total: 2 }),
        observedVersions: ['1.4.1', '1.4.2'],
      }),
      live('staging', 'staging-cluster', {
        health: 'Degraded',
        replicas: { ready: 1, desired: 2, updated: 1 },
        pods: pods({ running: 1, crashLooping: 1, total: 2 }),
        observedVersions: ['1.4.0', '1.4.2'],
      }),
      live('prod-us', 'prod-us-cluster', {
        replicas: { ready: 3, desired: 3, updated: 3 },
        pods: pods({ running: 3, total: 3 }),
        observedVersions: ['1.4.1-hotfix'],
        drift: {
          desired: '1.4.1',
          observed: ['1.4.1-hotfix'],
          message: 'Git wants 1.4.1, the cluster runs 1.4.1-hotfix',
        },
      }),
      live('prod-eu', 'prod-eu-cluster', {
        replicas: { ready: 3, desired: 3, updated: 3 },
        pods: pods({ running: 3, total: 3 }),
        observedVersions: ['1.4.1'],
        connection: unreachable,
      }),
    ],
    clusters: [
      { cluster: 'dev-cluster', state: 'connected' },
      { cluster: 'staging-cluster', state: 'connected' },
      { cluster: 'prod-us-cluster', state: 'connected' },
      unreachable,
    ],
  };
}

type DashboardCounts = DashboardResponse['environments'][number]['counts'];

const counts = (
  c: Partial<Omit<DashboardCounts, 'pods'>>,
  p: Partial<PodCounts> = {},
): DashboardCounts => ({
  services: 2,
  deployments: 2,
  healthy: 2,
  progressing: 0,
  degraded: 0,
  ...c,
  pods: pods({ running: 4, total: 4, ...p }),
});

const recent = (
  id: string,
  service: string,
  fromVersion: string | null,
  toVersion: string,
  outcome: string,
  hours: number,
) => ({
  id,
  service,
  fromVersion,
  toVersion,
  kind: 'promotion',
  outcome,
  desiredAt: hoursAgo(hours),
});

/**
 * The dashboard of platform-gitops: dev and prod-us DEPLOYED, qa IN
 * PROGRESS, staging ERROR (degraded), prod-eu ERROR (unreachable). Any
 * other repository has one environment, `legacy`, UNKNOWN.
 */
export function makeDashboard(
  repositoryId = 'platform-gitops',
): DashboardResponse {
  if (repositoryId !== 'platform-gitops') {
    return {
      repositoryId,
      environments: [
        {
          name: 'legacy',
          stage: 'legacy',
          status: 'UNKNOWN',
          counts: counts({ services: 0, deployments: 0, healthy: 0 }),
          recentRollouts: [],
        },
      ],
      matrix: [],
      generatedAt: new Date().toISOString(),
    };
  }
  return {
    repositoryId,
    environments: [
      {
        name: 'dev',
        stage: 'dev',
        url: 'https://dev.guestbook.example.com',
        cluster: 'dev-cluster',
        status: 'DEPLOYED',
        counts: counts({}),
        recentRollouts: [
          recent(
            '32',
            'guestbook-ui',
            '1.5.0-rc.1',
            '1.5.0-rc.2',
            'succeeded',
            2,
          ),
          recent('31', 'guestbook-api', '2.0.0', '2.1.0', 'succeeded', 3),
          recent('30', 'guestbook-ui', '1.4.2', '1.5.0-rc.1', 'succeeded', 10),
          recent('29', 'guestbook-api', '1.9.0', '2.0.0', 'succeeded', 20),
          recent('28', 'guestbook-ui', '1.4.1', '1.4.2', 'succeeded', 30),
        ],
        connection: { cluster: 'dev-cluster', state: 'connected' },
      },
      {
        name: 'qa',
        stage: 'qa',
        url: 'https://qa.guestbook.example.com',
        cluster: 'dev-cluster',
        status: 'IN PROGRESS',
        counts: counts(
          { healthy: 1, progressing: 1 },
          { running: 3, pending: 1 },
        ),
        recentRollouts: [
          recent('26', 'guestbook-ui', '1.4.1', '1.4.2', 'progressing', 0.1),
        ],
        connection: { cluster: 'dev-cluster', state: 'connected' },
      },
      {
        name: 'staging',
        stage: 'staging',
        url: 'https://staging.guestbook.example.com',
        cluster: 'staging-cluster',
        status: 'ERROR',
        counts: counts(
          { healthy: 1, degraded: 1 },
          { running: 3, crashLooping: 1 },
        ),
        recentRollouts: [
          recent('25', 'guestbook-ui', '1.4.0', '1.4.2', 'degraded', 1),
        ],
        connection: { cluster: 'staging-cluster', state: 'connected' },
      },
      {
        name: 'prod-us',
        stage: 'prod',
        url: 'https://prod-us.guestbook.example.com',
        cluster: 'prod-us-cluster',
        status: 'DEPLOYED',
        counts: counts({}, { running: 6, total: 6 }),
        recentRollouts: [],
      },
      {
        name: 'prod-eu',
        stage: 'prod',
        url: 'https://prod-eu.guestbook.example.com',
        cluster: 'prod-eu-cluster',
        status: 'ERROR',
        counts: counts({}, { running: 6, total: 6 }),
        recentRollouts: [],
        connection: {
          cluster: 'prod-eu-cluster',
          state: 'unreachable',
          since: hoursAgo(0.25),
        },
      },
    ],
    matrix: [
      {
        service: 'guestbook-ui',
        cells: {
          dev: { version: '1.5.0-rc.2', health: 'Healthy', drift: false },
          qa: {
            version: '1.4.2',
            behind: 2,
            health: 'Progressing',
            drift: false,
          },
          staging: {
            version: '1.4.2',
            behind: 0,
            health: 'Degraded',
            drift: false,
          },
          'prod-us': {
            version: '1.4.1',
            behind: 1,
            health: 'Healthy',
            drift: true,
          },
          'prod-eu': {
            version: '1.4.1',
            behind: 1,
            health: 'Healthy',
            drift: false,
          },
        },
      },
      {
        service: 'guestbook-api',
        cells: {
          dev: { version: '2.1.0', health: 'Healthy', drift: false },
          qa: { version: '2.1.0', behind: 0, health: 'Healthy', drift: false },
          staging: {
            version: '2.0.0',
            behind: 1,
            health: 'Healthy',
            drift: false,
          },
          'prod-us': {
            version: '2.0.0',
            behind: 0,
            health: 'Healthy',
            drift: false,
          },
          'prod-eu': { version: null, health: 'Missing', drift: false },
        },
      },
    ],
    generatedAt: new Date().toISOString(),
  };
}
