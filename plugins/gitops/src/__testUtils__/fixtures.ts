import type { Entity } from '@backstage/catalog-model';
import { NotFoundError, ResponseError } from '@backstage/errors';
import {
  type PipelineChoices,
  parseFeatureQuery,
  type ActionPreview,
  type GateResult,
  type GitopsAction,
  type Hold,
  type PromotionPolicy,
  type PromotionRequest,
  type RollbackRequest,
  type ChangeSet,
  type EnvironmentDefinition,
  type FeatureLookupResponse,
  type PendingChangesResponse,
  type SourceCommit,
  type RepositoryState,
  type Rollout,
  type RolloutPage,
  type ServiceStatusResponse,
  type DeliveryMetrics,
  type MetricsResponse,
  RolloutChangeSummary,
} from '@gitops2/plugin-gitops-common';
import type { GitopsFrontendApi } from '../api';
import { makeDashboard, makeLive } from './liveFixtures';

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
  promotion?: PromotionPolicy,
): EnvironmentDefinition => ({
  name,
  stage,
  stageIndex,
  cluster,
  namespace,
  url: `https://${name}.guestbook.example.com`,
  ...(promotion ? { promotion } : {}),
});

const prodPolicy: PromotionPolicy = {
  mode: 'pull-request',
  approvals: 2,
  approverGroup: 'group:default/sre',
  soakTimeSeconds: 24 * 3600,
};

export const environments = {
  dev: env('dev', 'dev', 0, 'dev-cluster', 'guestbook-dev', {
    mode: 'direct',
    approvals: 0,
  }),
  qa: env('qa', 'qa', 1, 'dev-cluster', 'guestbook-qa', {
    mode: 'pull-request',
    approvals: 0,
  }),
  staging: env('staging', 'staging', 2, 'staging-cluster', 'guestbook', {
    mode: 'pull-request',
    approvals: 1,
  }),
  'prod-us': env(
    'prod-us',
    'prod',
    3,
    'prod-us-cluster',
    'guestbook',
    prodPolicy,
  ),
  'prod-eu': env(
    'prod-eu',
    'prod',
    3,
    'prod-eu-cluster',
    'guestbook',
    prodPolicy,
  ),
};

const manifest = (name: string) =>
  `apps/guestbook-ui/overlays/${name}/kustomization.yaml`;

export const repository: RepositoryState = {
  id: 'platform-gitops',
  provider: 'github',
  location: 'https://github.com/acme/platform-gitops',
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

const SOURCE = 'https://github.com/acme/guestbook-ui';

function commit(
  sha: string,
  subject: string,
  authorName: string,
  hours: number,
  pullRequests: number[],
  issueKeys: string[],
): SourceCommit {
  const full = sha.repeat(40).slice(0, 40);
  return {
    sha: full,
    subject,
    authorName,
    authorEmail: `${authorName.toLowerCase().replace(/\W/g, '')}@acme.test`,
    committedAt: hoursAgo(hours),
    url: `${SOURCE}/commit/${full}`,
    pullRequests,
    issueKeys,
  };
}

/** Commits of the source repository of guestbook-ui. */
export const commits = {
  saas1543: commit(
    'a15430',
    'SAAS-1543: guestbook entries can be edited (#142)',
    'Erin',
    90,
    [142],
    ['SAAS-1543'],
  ),
  saas1550: commit(
    'a15500',
    'Fix pagination of the entry list (#145)',
    'Frank',
    85,
    [145],
    ['SAAS-1550'],
  ),
  saas1601: commit(
    'b16010',
    'SAAS-1601: dark mode (#150)',
    'Grace',
    4,
    [150],
    ['SAAS-1601'],
  ),
  chore: commit(
    'b15100',
    'chore(deps): bump react to 18.3.1 (#151)',
    'renovate[bot]',
    3,
    [151],
    [],
  ),
};

const pr = (number: number, title: string, branch?: string) => ({
  number,
  title,
  url: `${SOURCE}/pull/${number}`,
  branch,
});

const issue = (key: string) => ({
  key,
  url: `https://acme.atlassian.net/browse/${key}`,
});

const prs = {
  142: pr(142, 'Guestbook entries can be edited', 'feature/SAAS-1543-edit'),
  145: pr(145, 'Fix pagination of the entry list', 'fix/SAAS-1550-pagination'),
  150: pr(150, 'Dark mode', 'feature/SAAS-1601-dark-mode'),
  151: pr(151, 'chore(deps): bump react to 18.3.1'),
};

/** What 1.4.2 brings over 1.4.1: SAAS-1543 (#142) and SAAS-1550 (#145). */
function release142(): Omit<ChangeSet, 'rolloutId'> {
  return {
    status: 'resolved',
    sourceRepository: 'github.com/acme/guestbook-ui',
    fromCommit: 'c14100'.repeat(7).slice(0, 40),
    toCommit: commits.saas1550.sha,
    added: [commits.saas1550, commits.saas1543],
    removed: [],
    pullRequests: [prs[145], prs[142]],
    issueKeys: [issue('SAAS-1550'), issue('SAAS-1543')],
    authors: ['Frank', 'Erin'],
    checks: {
      total: 3,
      passed: 3,
      failed: 0,
      pending: 0,
      items: [
        { name: 'unit-tests', conclusion: 'success' },
        { name: 'e2e', conclusion: 'success' },
        { name: 'trivy-scan', conclusion: 'success' },
      ],
    },
  };
}

/** Change sets by rollout id, like GET /v1/rollouts/:id/change-set. */
export function makeChangeSets(): Record<string, ChangeSet> {
  const r142 = release142();
  return {
    '5': {
      rolloutId: '5',
      status: 'resolved',
      sourceRepository: 'github.com/acme/guestbook-ui',
      fromCommit: commits.saas1550.sha,
      toCommit: commits.chore.sha,
      added: [commits.chore, commits.saas1601],
      removed: [],
      pullRequests: [prs[151], prs[150]],
      issueKeys: [{ key: 'SAAS-1601' }],
      authors: ['renovate[bot]', 'Grace'],
      checks: {
        total: 4,
        passed: 2,
        failed: 1,
        pending: 1,
        items: [
          { name: 'unit-tests', conclusion: 'success' },
          { name: 'e2e', conclusion: 'success' },
          {
            name: 'trivy-scan',
            conclusion: 'failure',
            url: `${SOURCE}/actions/runs/9001`,
          },
          { name: 'sonarqube', conclusion: 'pending' },
        ],
      },
    },
    // The rollback of prod-us from 1.4.2 to 1.4.1 takes SAAS-1543 away.
    '4': {
      ...r142,
      rolloutId: '4',
      fromCommit: r142.toCommit,
      toCommit: r142.fromCommit,
      added: [],
      removed: r142.added,
      checks: undefined,
    },
    '3': { ...r142, rolloutId: '3' },
    '2': { ...r142, rolloutId: '2' },
    '1': {
      rolloutId: '1',
      status: 'unmapped',
      message: "tag 'latest' is not a commit sha",
      added: [],
      removed: [],
      pullRequests: [],
      issueKeys: [],
      authors: [],
    },
  };
}

/** Rollouts of another service, for the views across services. */
export const otherRollouts: Rollout[] = [
  {
    ...rollout(
      7,
      'staging',
      '2.0.0',
      '2.1.0',
      'promotion',
      1,
      'Heidi',
      'Promote guestbook-api 2.1.0 to staging',
    ),
    service: 'guestbook-api',
  },
  {
    ...rollout(
      6,
      'prod-eu',
      '1.9.0',
      '2.0.0',
      'promotion',
      30,
      'Heidi',
      'Promote guestbook-api 2.0.0 to prod-eu',
    ),
    service: 'guestbook-api',
  },
];

/**
 * Every service's rollouts, newest first, like GET /v1/rollouts; `before` is
 * the id of the last rollout of the previous page.
 */
export function pageOfAllRollouts(query: {
  environment?: string;
  since?: string;
  until?: string;
  limit?: number;
  before?: string;
}): RolloutPage {
  const matching = [...otherRollouts, ...rollouts]
    .filter(r => !query.environment || r.environment === query.environment)
    .filter(
      r => !query.since || Date.parse(r.desiredAt) >= Date.parse(query.since),
    )
    .filter(
      r => !query.until || Date.parse(r.desiredAt) < Date.parse(query.until),
    )
    .sort((a, b) => Date.parse(b.desiredAt) - Date.parse(a.desiredAt));
  const start = query.before
    ? matching.findIndex(r => r.id === query.before) + 1
    : 0;
  const limit = query.limit ?? 50;
  const items = matching.slice(start, start + limit);
  const more = start + limit < matching.length;
  return {
    items,
    nextCursor: more ? items[items.length - 1]?.id : undefined,
    totalCount: matching.length,
  };
}

/** Where SAAS-1543 (#142, commit a154…) is: removed from prod-us by the rollback. */
export function makeFeatureLookup(query: string): FeatureLookupResponse {
  const parsed = parseFeatureQuery(query);
  if ('error' in parsed) throw new Error(parsed.error);
  const matches =
    (parsed.kind === 'issue' && parsed.value === 'SAAS-1543') ||
    (parsed.kind === 'pull-request' && parsed.value === '142') ||
    (parsed.kind === 'commit' && commits.saas1543.sha.startsWith(parsed.value));
  if (!matches) return { query, kind: parsed.kind, services: [] };
  return {
    query,
    kind: parsed.kind,
    services: [
      {
        repositoryId: 'platform-gitops',
        service: 'guestbook-ui',
        commits: [commits.saas1543],
        environments: [
          {
            environment: 'dev',
            present: true,
            since: hoursAgo(80),
            rolloutId: '11',
          },
          {
            environment: 'qa',
            present: true,
            since: hoursAgo(74),
            rolloutId: '12',
          },
          {
            environment: 'staging',
            present: true,
            since: hoursAgo(72),
            rolloutId: '13',
          },
          {
            environment: 'prod-us',
            present: false,
            since: hoursAgo(20),
            rolloutId: '3',
            removedAt: hoursAgo(5),
            removedByRolloutId: '4',
            removedByKind: 'rollback',
          },
          { environment: 'prod-eu', present: false },
        ],
        dwell: [
          { from: 'dev', to: 'qa', seconds: 6 * 3600 },
          { from: 'qa', to: 'staging', seconds: 2 * 3600 },
          { from: 'staging', to: 'prod-us', seconds: 52 * 3600 },
        ],
      },
      {
        repositoryId: 'platform-gitops',
        service: 'guestbook-api',
        commits: [
          {
            ...commits.saas1543,
            sha: 'e15430'.repeat(7).slice(0, 40),
            subject: 'SAAS-1543: PUT /entries/:id',
            url: undefined,
            authorName: 'Ivan',
          },
        ],
        environments: [
          {
            environment: 'dev',
            present: true,
            since: hoursAgo(50),
            rolloutId: '21',
          },
          { environment: 'prod-eu', present: false },
        ],
        dwell: [],
      },
    ],
  };
}

/** What promoting one environment into the next would bring. */
export function makePending(from: string, to: string): PendingChangesResponse {
  const none: Omit<ChangeSet, 'rolloutId'> = {
    status: 'resolved',
    added: [],
    removed: [],
    pullRequests: [],
    issueKeys: [],
    authors: [],
  };
  if (from === 'dev' && to === 'qa') {
    const cs = makeChangeSets()['5'];
    const { rolloutId: _id, ...changeSet } = cs;
    return {
      from,
      to,
      fromVersion: '1.5.0-rc.2',
      toVersion: '1.4.2',
      changeSet,
    };
  }
  if (from === 'qa' && to === 'staging') {
    return { from, to, fromVersion: '1.4.2', changeSet: release142() };
  }
  return { from, to, changeSet: none };
}

/** The user of the tests (see `identityApiRef` in the tests). */
export const currentUser = 'user:default/alice';

/** The version each environment runs, as in `makeStatus` (staging: broken). */
const desiredVersions: Record<string, string | null> = {
  dev: '1.5.0-rc.2',
  qa: '1.4.2',
  staging: '1.4.2',
  'prod-us': '1.4.1',
  'prod-eu': '1.4.1',
};

/** A unified diff of the image tag in an environment's kustomization. */
export function kustomizationDiff(
  environment: string,
  fromVersion: string | null,
  toVersion: string,
): string {
  const file = manifest(environment);
  return [
    `--- a/${file}`,
    `+++ b/${file}`,
    '@@ -5,6 +5,6 @@',
    ` namespace: ${environment === 'dev' ? 'guestbook-dev' : 'guestbook'}`,
    ' images:',
    '   - name: ghcr.io/acme/guestbook-ui',
    `-    newTag: ${fromVersion ?? '""'} # managed by gitops2`,
    `+    newTag: ${toVersion} # managed by gitops2`,
    ' replicas:',
    '   - name: guestbook-ui',
    '',
  ].join('\n');
}

function change(
  environment: string,
  fromVersion: string | null,
  toVersion: string,
) {
  return {
    environment,
    file: manifest(environment),
    fromVersion,
    toVersion,
    diff: kustomizationDiff(environment, fromVersion, toVersion),
  };
}

const passed = (
  gate: string,
  message: string,
  environment?: string,
): GateResult => ({
  gate,
  status: 'passed',
  message,
  ...(environment ? { environment } : {}),
});

/** The next stage of each environment (its environments). */
const nextStage: Record<string, string[]> = {
  dev: ['qa'],
  qa: ['staging'],
  staging: ['prod-us', 'prod-eu'],
};

/** Active holds: prod-us must not get 1.4.2 again (it was rolled back). */
export function makeHolds(): Hold[] {
  return [
    {
      id: '7',
      repositoryId: 'platform-gitops',
      service: 'guestbook-ui',
      environment: 'prod-us',
      version: '1.4.2',
      reason: 'SAAS-1543 makes the cookie banner unreadable (INC-2211)',
      createdBy: 'user:default/dave',
      createdAt: hoursAgo(5),
    },
  ];
}

/**
 * The gates of a promotion. dev → qa fails the checks gate (trivy-scan
 * failed on 1.5.0-rc.2); a version on hold fails the hold gate; approvals
 * are pending where the policy asks for them.
 */
function promotionGates(
  version: string,
  targets: string[],
  holds: Hold[],
): GateResult[] {
  const gates: GateResult[] = targets.map(t =>
    passed('permission', `gitops.promote allowed for ${t}`, t),
  );
  for (const t of targets) {
    const hold = holds.find(
      h => h.environment === t && h.version === version && !h.liftedAt,
    );
    gates.push(
      hold
        ? {
            gate: 'hold',
            status: 'failed',
            message: `${version} was rolled back from ${t} by ${hold.createdBy}: ${hold.reason}`,
            environment: t,
          }
        : passed('hold', `no hold on ${t}`, t),
    );
  }
  if (version === '1.5.0-rc.2') {
    gates.push({
      gate: 'checks',
      status: 'failed',
      message:
        'required check trivy-scan failed on 1.5.0-rc.2 (1 of 4 failed, 1 pending)',
    });
  } else {
    gates.push(passed('checks', `3 of 3 required checks passed on ${version}`));
  }
  for (const t of targets) {
    const policy = (environments as Record<string, EnvironmentDefinition>)[t]
      ?.promotion;
    if (policy && policy.approvals > 0) {
      gates.push({
        gate: 'approvals',
        status: 'pending',
        message: `needs ${policy.approvals} approval${
          policy.approvals === 1 ? '' : 's'
        }${policy.approverGroup ? ` from ${policy.approverGroup}` : ''}`,
        environment: t,
      });
    }
  }
  return gates;
}

export function makePromotionPreview(
  request: PromotionRequest,
  holds: Hold[] = makeHolds(),
): ActionPreview {
  const source = request.sourceEnvironment;
  const targets =
    request.environments ?? (source ? nextStage[source] ?? [] : []);
  const version =
    request.version ?? (source ? desiredVersions[source] : null) ?? '';
  const gates = promotionGates(version, targets, holds);
  return {
    kind: 'promotion',
    service: 'guestbook-ui',
    version,
    sourceEnvironment: source,
    environments: targets,
    changes: targets.map(t => change(t, desiredVersions[t] ?? null, version)),
    gates,
    allowed: !gates.some(g => g.status === 'failed'),
  };
}

/** The version before the current one in an environment, from the ledger. */
function previousVersion(environment: string): string | null {
  const last = rollouts.find(r => r.environment === environment);
  return last?.fromVersion ?? null;
}

export function makeRollbackPreview(request: RollbackRequest): ActionPreview {
  const { environment } = request;
  const version = request.version ?? previousVersion(environment) ?? '';
  return {
    kind: 'rollback',
    service: 'guestbook-ui',
    version,
    environments: [environment],
    changes: [
      change(environment, desiredVersions[environment] ?? null, version),
    ],
    gates: [
      passed(
        'permission',
        `gitops.rollback allowed for ${environment}`,
        environment,
      ),
      passed('lock', `no other action on ${environment}`, environment),
    ],
    allowed: true,
  };
}

/** An action of guestbook-ui; what is not given is realistic and empty. */
export function action(
  partial: Partial<GitopsAction> &
    Pick<
      GitopsAction,
      'id' | 'kind' | 'state' | 'environments' | 'version' | 'requestedBy'
    >,
): GitopsAction {
  const at = partial.createdAt ?? hoursAgo(1);
  return {
    repositoryId: 'platform-gitops',
    service: 'guestbook-ui',
    mode: 'pull-request',
    createdAt: at,
    updatedAt: at,
    changes: partial.environments.map(e =>
      change(e, desiredVersions[e] ?? null, partial.version),
    ),
    gates: [],
    approvals: [],
    requiredApprovals: 0,
    ...partial,
  };
}

/** The service's actions, newest first. */
export function makeActions(): GitopsAction[] {
  return [
    action({
      id: '15',
      kind: 'promotion',
      state: 'awaiting-approval',
      sourceEnvironment: 'qa',
      environments: ['staging'],
      version: '1.4.2',
      requestedBy: 'user:default/bob',
      reason: 'Release SAAS-1543 and SAAS-1550 to staging',
      requiredApprovals: 1,
      createdAt: hoursAgo(0.5),
    }),
    action({
      id: '14',
      kind: 'promotion',
      state: 'pull-request-open',
      sourceEnvironment: 'dev',
      environments: ['qa'],
      version: '1.5.0-rc.1',
      requestedBy: currentUser,
      branch: 'gitops/promotion-14',
      pullRequestUrl: 'https://github.com/acme/platform-gitops/pull/88',
      createdAt: hoursAgo(1),
    }),
    action({
      id: '13',
      kind: 'promotion',
      state: 'awaiting-approval',
      sourceEnvironment: 'staging',
      environments: ['prod-us', 'prod-eu'],
      version: '1.4.2',
      requestedBy: currentUser,
      reason: 'Weekly prod release',
      requiredApprovals: 2,
      approvals: [
        { approver: 'user:default/carol', comment: 'LGTM', at: hoursAgo(1.5) },
      ],
      createdAt: hoursAgo(2),
    }),
    action({
      id: '12',
      kind: 'rollback',
      state: 'succeeded',
      environments: ['prod-us'],
      version: '1.4.1',
      mode: 'direct',
      requestedBy: 'user:default/dave',
      reason: 'SAAS-1543 makes the cookie banner unreadable (INC-2211)',
      commitSha: '4'.repeat(40),
      createdAt: hoursAgo(5),
    }),
  ];
}

/** Actions of others awaiting approval or merge, across services. */
export function makeInbox(): GitopsAction[] {
  return [
    makeActions()[0],
    action({
      id: '21',
      kind: 'promotion',
      state: 'pull-request-open',
      service: 'guestbook-api',
      sourceEnvironment: 'qa',
      environments: ['staging'],
      version: '2.3.1',
      requestedBy: 'user:default/heidi',
      branch: 'gitops/promotion-21',
      createdAt: hoursAgo(3),
    }),
  ];
}

/** A ResponseError as GitopsClient throws it for an error response. */
export function backendError(
  statusCode: number,
  statusText: string,
  name: string,
  message: string,
): Promise<ResponseError> {
  return ResponseError.fromResponse(
    new Response(
      JSON.stringify({ error: { name, message }, response: { statusCode } }),
      {
        status: statusCode,
        statusText,
        headers: { 'content-type': 'application/json' },
      },
    ),
  );
}

/** Delivery metrics of one environment of guestbook-ui, over 7 days. */
export function makeMetrics(
  environment: string,
  overrides: Partial<DeliveryMetrics> = {},
): DeliveryMetrics {
  const days = [
    '2026-03-01',
    '2026-03-02',
    '2026-03-03',
    '2026-03-04',
    '2026-03-05',
    '2026-03-06',
    '2026-03-07',
  ];
  const counts = [1, 0, 2, 0, 1, 3, 0];
  return {
    repository: 'platform-gitops',
    service: 'guestbook-ui',
    environment,
    since: '2026-03-01T00:00:00.000Z',
    until: '2026-03-08T00:00:00.000Z',
    deployments: {
      count: 7,
      perDay: 1,
      daily: days.map((date, i) => ({
        date,
        deployments: counts[i],
        failures: i === 5 ? 1 : 0,
        leadTimeMedianSeconds: counts[i] ? 3600 * (i + 2) : null,
      })),
    },
    leadTime: {
      firstCommit: {
        medianSeconds: 2 * 86400 + 4 * 3600,
        p90Seconds: 5 * 86400,
        samples: 9,
      },
      merge: { medianSeconds: 5 * 3600, p90Seconds: 86400, samples: 9 },
    },
    changeFailure: { rate: 0.25, changes: 4, failures: 1, rollbacks: 1 },
    timeToRestore: {
      medianSeconds: 45 * 60,
      p90Seconds: 45 * 60,
      samples: 1,
      unrestored: 0,
    },
    ...overrides,
  };
}

/** GET …/metrics of guestbook-ui: prod-us and dev have deployments. */
export function makeEntityMetrics(): MetricsResponse {
  return {
    since: '2026-03-01T00:00:00.000Z',
    until: '2026-03-08T00:00:00.000Z',
    items: [
      makeMetrics('dev', {
        deployments: { count: 14, perDay: 2, daily: [] },
        changeFailure: { rate: 0, changes: 14, failures: 0, rollbacks: 0 },
        timeToRestore: {
          medianSeconds: null,
          p90Seconds: null,
          samples: 0,
          unrestored: 0,
        },
      }),
      makeMetrics('prod-us'),
    ],
  };
}

/** GET /v1/metrics: two services. */
export function makeOrgMetrics(): MetricsResponse {
  return {
    since: '2026-03-01T00:00:00.000Z',
    until: '2026-03-08T00:00:00.000Z',
    items: [
      ...makeEntityMetrics().items,
      makeMetrics('prod-us', {
        service: 'cart',
        changeFailure: { rate: null, changes: 0, failures: 0, rollbacks: 0 },
      }),
    ],
  };
}

export type MockGitopsApi = jest.Mocked<GitopsFrontendApi>;

/** A fake backend; pages of at most 3 rollouts. */
export function createFakeGitopsApi(): MockGitopsApi {
  const legacyRepository: RepositoryState = {
    id: 'legacy-gitops',
    provider: 'local',
    branch: 'master',
    pipelineFile: 'gitops-pipeline.yaml',
    error: {
      file: 'gitops-pipeline.yaml',
      line: 12,
      message: 'stage "prod" has no environments',
    },
  };
  // State of the fake promotion backend.
  let actions = makeActions();
  let holds = makeHolds();
  let nextId = 30;
  const byKey = new Map<string, GitopsAction>();
  const find = (id: string) => {
    const found =
      actions.find(a => a.id === id) ?? makeInbox().find(a => a.id === id);
    if (!found) throw new NotFoundError(`unknown action #${id}`);
    return found;
  };
  const save = (a: GitopsAction) => {
    actions = [a, ...actions.filter(x => x.id !== a.id)];
    return a;
  };
  const record = (
    preview: ActionPreview,
    reason: string | undefined,
    key: string,
    mode?: 'direct',
  ) => {
    const known = byKey.get(key);
    if (known) return known;
    const required = Math.max(
      0,
      ...preview.environments.map(
        e =>
          (environments as Record<string, EnvironmentDefinition>)[e]?.promotion
            ?.approvals ?? 0,
      ),
    );
    const direct =
      mode === 'direct' ||
      preview.environments.every(
        e =>
          (environments as Record<string, EnvironmentDefinition>)[e]?.promotion
            ?.mode === 'direct',
      );
    const id = String(nextId++);
    let state: GitopsAction['state'] = 'merged';
    if (preview.kind === 'promotion' && required > 0)
      state = 'awaiting-approval';
    else if (!direct) state = 'pull-request-open';
    const created = action({
      id,
      kind: preview.kind,
      state,
      sourceEnvironment: preview.sourceEnvironment,
      environments: preview.environments,
      version: preview.version,
      requestedBy: currentUser,
      reason,
      mode: direct ? 'direct' : 'pull-request',
      changes: preview.changes,
      gates: preview.gates,
      requiredApprovals: preview.kind === 'promotion' ? required : 0,
      createdAt: new Date().toISOString(),
      ...(state === 'pull-request-open'
        ? { branch: `gitops/${preview.kind}-${id}` }
        : {}),
    });
    byKey.set(key, created);
    return save(created);
  };

  const fake: GitopsFrontendApi = {
    getMetrics: async () => makeEntityMetrics(),
    getOrgMetrics: async () => makeOrgMetrics(),
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
    listRollouts: async (query = {}) =>
      pageOfAllRollouts({
        environment: query.environment,
        since: query.since,
        until: query.until,
        limit: Number(query.limit ?? 50),
        before: query.before,
      }),
    getChangeSet: async (rolloutId: string) => {
      const changeSet = makeChangeSets()[rolloutId];
      if (!changeSet) throw new NotFoundError(`No rollout ${rolloutId}`);
      return changeSet;
    },
    lookupFeature: async (q: string) => makeFeatureLookup(q),
    getPendingChanges: async (_entity, from, to) => makePending(from, to),
    previewPromotion: async (_entity, request) =>
      makePromotionPreview(request, holds),
    promote: async (_entity, request, key) => {
      const preview = makePromotionPreview(request, holds);
      const failed = preview.gates.filter(g => g.status === 'failed');
      if (failed.length) {
        throw await backendError(
          409,
          'Conflict',
          'ConflictError',
          `refused by gates: ${failed
            .map(
              g =>
                `${g.gate}${g.environment ? ` (${g.environment})` : ''}: ${
                  g.message
                }`,
            )
            .join('; ')}`,
        );
      }
      return record(preview, request.reason, key);
    },
    previewRollback: async (_entity, request) => makeRollbackPreview(request),
    rollback: async (_entity, request, key) => {
      const created = record(
        makeRollbackPreview(request),
        request.reason,
        key,
        request.emergency ? 'direct' : undefined,
      );
      if (created.state === 'merged') {
        const c = created.changes[0];
        if (c?.fromVersion) {
          holds = [
            ...holds,
            {
              id: String(nextId++),
              repositoryId: 'platform-gitops',
              service: 'guestbook-ui',
              environment: c.environment,
              version: c.fromVersion,
              reason: request.reason,
              createdBy: currentUser,
              createdAt: new Date().toISOString(),
            },
          ];
        }
      }
      return created;
    },
    getActions: async () => ({ items: actions }),
    getHolds: async () => ({ items: holds.filter(h => !h.liftedAt) }),
    getApprovalInbox: async () => ({ items: makeInbox() }),
    approve: async (id, comment) => {
      const a = find(id);
      if (a.requestedBy === currentUser) {
        throw await backendError(
          403,
          'Forbidden',
          'NotAllowedError',
          'you cannot approve your own request',
        );
      }
      const approvals = [
        ...a.approvals,
        { approver: currentUser, comment, at: new Date().toISOString() },
      ];
      const done = approvals.length >= a.requiredApprovals;
      return save({
        ...a,
        approvals,
        state: done ? 'pull-request-open' : a.state,
        ...(done ? { branch: `gitops/${a.kind}-${a.id}` } : {}),
      });
    },
    merge: async id => {
      const a = find(id);
      if (a.state !== 'pull-request-open') {
        throw await backendError(
          409,
          'Conflict',
          'ConflictError',
          `action #${id} is ${a.state}, not an open pull request`,
        );
      }
      return save({ ...a, state: 'merged', commitSha: 'f'.repeat(40) });
    },
    cancel: async id => save({ ...find(id), state: 'cancelled' }),
    liftHold: async (id, reason) => {
      const hold = holds.find(h => h.id === id);
      if (!hold) throw new NotFoundError(`unknown hold #${id}`);
      const lifted = {
        ...hold,
        liftedBy: currentUser,
        liftedAt: new Date().toISOString(),
      };
      holds = holds.map(h => (h.id === id ? lifted : h));
      void reason;
      return lifted;
    },
    // No action of the fake has deployment steps unless a test says so.
    getActionSteps: async () => ({ items: [] }),
    getLive: async () => makeLive(),
    getDashboard: async (repositoryId?: string) => makeDashboard(repositoryId),
    getPipelineChoices: async repositoryId => makePipelineChoices(repositoryId),
    previewEnvironment: async () => {
      throw new Error('previewEnvironment: not faked');
    },
    previewService: async () => {
      throw new Error('previewService: not faked');
    },
    mergeEnvironmentChange: async (_id, { branch }) => ({
      branch,
      mergeSha: 'a'.repeat(40),
    }),
    closeEnvironmentChange: async (_id, branch) => ({ branch, closed: true }),
  };
  return {
    getServiceStatus: jest.fn(fake.getServiceStatus),
    listRollouts: jest.fn(fake.listRollouts),
    getChangeSet: jest.fn(fake.getChangeSet),
    lookupFeature: jest.fn(fake.lookupFeature),
    getPendingChanges: jest.fn(fake.getPendingChanges),
    getRollouts: jest.fn(fake.getRollouts),
    getRepositories: jest.fn(fake.getRepositories),
    refreshRepository: jest.fn(fake.refreshRepository),
    previewPromotion: jest.fn(fake.previewPromotion),
    promote: jest.fn(fake.promote),
    previewRollback: jest.fn(fake.previewRollback),
    rollback: jest.fn(fake.rollback),
    getActions: jest.fn(fake.getActions),
    getHolds: jest.fn(fake.getHolds),
    getApprovalInbox: jest.fn(fake.getApprovalInbox),
    approve: jest.fn(fake.approve),
    merge: jest.fn(fake.merge),
    cancel: jest.fn(fake.cancel),
    liftHold: jest.fn(fake.liftHold),
    getActionSteps: jest.fn(fake.getActionSteps),
    getLive: jest.fn(fake.getLive),
    getDashboard: jest.fn(fake.getDashboard),
    getMetrics: jest.fn(fake.getMetrics),
    getOrgMetrics: jest.fn(fake.getOrgMetrics),
    getPipelineChoices: jest.fn(fake.getPipelineChoices),
    previewEnvironment: jest.fn(fake.previewEnvironment),
    previewService: jest.fn(fake.previewService),
    mergeEnvironmentChange: jest.fn(fake.mergeEnvironmentChange),
    closeEnvironmentChange: jest.fn(fake.closeEnvironmentChange),
  };
}

/** The demo pipeline's choices, as GET /v1/repositories/:id/pipeline answers. */
export function makePipelineChoices(repositoryId = 'demo'): PipelineChoices {
  return {
    repositoryId,
    headSha: 'b'.repeat(40),
    stages: [
      { name: 'dev', environments: ['dev'] },
      { name: 'staging', environments: ['staging'] },
      { name: 'prod', environments: ['prod-us', 'prod-eu'] },
    ],
    environments: [
      { name: 'dev', stage: 'dev', cluster: 'dev-cluster' },
      { name: 'staging', stage: 'staging', cluster: 'staging-cluster' },
      { name: 'prod-us', stage: 'prod', cluster: 'prod-us-cluster' },
      { name: 'prod-eu', stage: 'prod', cluster: 'prod-eu-cluster' },
    ],
    clusters: [
      { name: 'dev-cluster', configured: true, environments: ['dev'] },
      { name: 'prod-eu-cluster', configured: true, environments: ['prod-eu'] },
      { name: 'prod-us-cluster', configured: true, environments: ['prod-us'] },
      { name: 'staging-cluster', configured: true, environments: ['staging'] },
    ],
    services: ['guestbook-api', 'guestbook-ui'],
    locatorTypes: ['container-image', 'helm-values', 'kustomize-image'],
  };
}

/** What a promotion carried (SAAS-1543 dark mode and more), as the list endpoints sum it up. */
export function makeChangeSummary(): RolloutChangeSummary {
  const none = {
    commits: 0,
    issueKeys: [],
    issueKeyCount: 0,
    pullRequests: [],
    pullRequestCount: 0,
    authors: [],
    authorCount: 0,
  };
  return {
    status: 'resolved',
    added: {
      commits: 7,
      issueKeys: ['SAAS-1543', 'SAAS-1544', 'SAAS-1550'],
      issueKeyCount: 4,
      pullRequests: [
        { number: 151, title: 'fix(theme): remember the dark mode preference' },
        { number: 150, title: 'Dark mode' },
      ],
      pullRequestCount: 3,
      authors: ['Ada Lovelace', 'Grace Hopper', 'linus'],
      authorCount: 5,
    },
    removed: none,
  };
}

/** The same change, seen from the rollback that took it away. */
export function makeRollbackSummary(): RolloutChangeSummary {
  const s = makeChangeSummary();
  return { ...s, added: s.removed, removed: s.added };
}
