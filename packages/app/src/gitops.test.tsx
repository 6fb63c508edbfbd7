import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { renderTestApp } from '@backstage/frontend-test-utils';
import { discoveryApiRef, fetchApiRef } from '@backstage/frontend-plugin-api';
import catalogPlugin from '@backstage/plugin-catalog/alpha';
import gitopsPlugin from '@gitops2/plugin-gitops/alpha';
import notificationsPlugin from '@backstage/plugin-notifications/alpha';
import { navModule } from './modules/nav';

/**
 * The app wiring of the GitOps plugin, with the real catalog and gitops
 * clients against a fake backend.
 */

const entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: {
    name: 'guestbook-ui',
    namespace: 'default',
    uid: 'guestbook-ui-uid',
    annotations: { 'gitops2.io/gitops-repo': 'platform-gitops' },
  },
  spec: { type: 'service', owner: 'team-a', lifecycle: 'production' },
};

const status = {
  service: 'guestbook-ui',
  repository: {
    id: 'platform-gitops',
    provider: 'local',
    // A local repository: the API gives no location (never a server path).
    branch: 'main',
    pipelineFile: 'gitops-pipeline.yaml',
    lastCommitSha: '9f8e7d6c5b4a39281706f5e4d3c2b1a098765432',
    lastIngestedAt: new Date().toISOString(),
    error: null,
  },
  pipeline: {
    name: 'guestbook',
    stages: [
      { name: 'dev', environments: ['dev'] },
      { name: 'prod', environments: ['prod-us', 'prod-eu'] },
    ],
    environments: [],
  },
  pipelineError: null,
  environments: ['dev', 'prod-us', 'prod-eu'].map((name, i) => ({
    environment: {
      name,
      stage: name === 'dev' ? 'dev' : 'prod',
      stageIndex: name === 'dev' ? 0 : 1,
    },
    desired: {
      version: `1.${i}.0`,
      file: `apps/guestbook-ui/${name}/values.yaml`,
      line: 3,
    },
    error: null,
  })),
};

const rollout = {
  id: '42',
  service: 'guestbook-ui',
  environment: 'prod-eu',
  fromVersion: '1.1.0',
  toVersion: '1.2.0',
  kind: 'promotion',
  outcome: 'pending',
  commit: {
    sha: 'c0ffee1234567890c0ffee1234567890c0ffee12',
    authorName: 'Carol',
    committedAt: new Date().toISOString(),
    subject: 'Promote guestbook-ui 1.2.0 to prod-eu',
  },
  desiredAt: new Date().toISOString(),
  initiator: 'Carol',
  file: 'apps/guestbook-ui/prod-eu/values.yaml',
};

function featureLookup(q: string) {
  return {
    query: q,
    kind: 'issue',
    services: [
      {
        repositoryId: 'platform-gitops',
        service: 'guestbook-ui',
        commits: [],
        environments: [
          {
            environment: 'dev',
            present: true,
            since: new Date(Date.now() - 3600_000).toISOString(),
          },
          { environment: 'prod-us', present: false },
        ],
        dwell: [],
      },
    ],
  };
}

const awaiting = {
  id: '15',
  kind: 'promotion',
  state: 'awaiting-approval',
  repositoryId: 'platform-gitops',
  service: 'guestbook-ui',
  sourceEnvironment: 'dev',
  environments: ['prod-us', 'prod-eu'],
  version: '1.0.0',
  mode: 'pull-request',
  requestedBy: 'user:default/bob',
  reason: 'Weekly release',
  createdAt: new Date().toISOString(),
  updatedAt: new Date().toISOString(),
  changes: [],
  gates: [],
  approvals: [],
  requiredApprovals: 1,
};

const hold = {
  id: '7',
  repositoryId: 'platform-gitops',
  service: 'guestbook-ui',
  environment: 'prod-eu',
  version: '1.3.0',
  reason: 'INC-2211',
  createdBy: 'user:default/nadia',
  createdAt: new Date().toISOString(),
};

const diff = (env: string, from: string) =>
  [
    `--- a/apps/guestbook-ui/${env}/values.yaml`,
    `+++ b/apps/guestbook-ui/${env}/values.yaml`,
    '@@ -2,3 +2,3 @@',
    ' image:',
    `-  tag: ${from}`,
    '+  tag: 1.0.0',
    ' replicas: 2',
    '',
  ].join('\n');

const preview = {
  kind: 'promotion',
  service: 'guestbook-ui',
  version: '1.0.0',
  sourceEnvironment: 'dev',
  environments: ['prod-us', 'prod-eu'],
  changes: [
    {
      environment: 'prod-us',
      file: 'apps/guestbook-ui/prod-us/values.yaml',
      fromVersion: '1.1.0',
      toVersion: '1.0.0',
      diff: diff('prod-us', '1.1.0'),
    },
    {
      environment: 'prod-eu',
      file: 'apps/guestbook-ui/prod-eu/values.yaml',
      fromVersion: '1.2.0',
      toVersion: '1.0.0',
      diff: diff('prod-eu', '1.2.0'),
    },
  ],
  gates: [
    { gate: 'permission', status: 'passed', message: 'allowed' },
    { gate: 'approvals', status: 'pending', message: 'needs 1 approval' },
  ],
  allowed: true,
};

function json(body: unknown, statusCode = 200) {
  return new Response(JSON.stringify(body), {
    status: statusCode,
    headers: { 'content-type': 'application/json' },
  });
}

function dashboard(repository: string | null) {
  const pods = { running: 3, pending: 0, failed: 0, crashLooping: 0, total: 3 };
  return {
    repositoryId: repository ?? 'platform-gitops',
    environments: [
      {
        name: 'prod-eu',
        stage: 'prod',
        cluster: 'prod-eu-cluster',
        status: 'ERROR',
        counts: {
          services: 1,
          deployments: 1,
          healthy: 0,
          progressing: 0,
          degraded: 1,
          pods,
        },
        recentRollouts: [],
        connection: { cluster: 'prod-eu-cluster', state: 'connected' },
      },
    ],
    matrix: [
      {
        service: 'guestbook-ui',
        cells: { 'prod-eu': { version: '1.2.0', health: 'Degraded' } },
      },
    ],
    generatedAt: new Date().toISOString(),
  };
}

const requests: string[] = [];
const writes: Array<{ path: string; key: string | null; body: unknown }> = [];

async function fakeBackend(
  input: RequestInfo | URL,
  init?: RequestInit,
): Promise<Response> {
  const request = new Request(input, init);
  const url = new URL(request.url);
  requests.push(url.pathname);
  const path = url.pathname;
  const entityPath = '/api/gitops/v1/entities/default/component/guestbook-ui';
  if (request.method === 'POST') {
    const body = await request.json().catch(() => undefined);
    writes.push({ path, key: request.headers.get('idempotency-key'), body });
    if (path === `${entityPath}/promotions/preview`) return json(preview);
    if (path === `${entityPath}/promotions`) {
      return json(
        { ...awaiting, id: '16', requestedBy: 'user:default/guest' },
        201,
      );
    }
  }
  if (path === `${entityPath}/actions`) return json({ items: [awaiting] });
  if (/^\/api\/gitops\/v1\/actions\/[0-9]+\/steps$/.test(path)) {
    return json({ items: [] });
  }
  if (path === `${entityPath}/holds`) return json({ items: [hold] });
  if (path === '/api/gitops/v1/actions') return json({ items: [awaiting] });
  if (path === '/api/catalog/entities/by-name/component/default/guestbook-ui') {
    return json(entity);
  }
  if (path.startsWith('/api/catalog/')) {
    return json({ items: [], totalItems: 0, pageInfo: {} });
  }
  if (
    path === '/api/gitops/v1/entities/default/component/guestbook-ui/status'
  ) {
    return json(status);
  }
  if (
    path === '/api/gitops/v1/entities/default/component/guestbook-ui/rollouts'
  ) {
    return json({ items: [], totalCount: 0 });
  }
  if (
    path === '/api/gitops/v1/entities/default/component/guestbook-ui/pending'
  ) {
    return json({
      from: url.searchParams.get('from'),
      to: url.searchParams.get('to'),
      changeSet: {
        status: 'resolved',
        added: [],
        removed: [],
        pullRequests: [],
        issueKeys: [],
        authors: [],
      },
    });
  }
  if (path === '/api/gitops/v1/rollouts') {
    return json({ items: [rollout], totalCount: 1 });
  }
  if (path === '/api/gitops/v1/features') {
    return json(featureLookup(url.searchParams.get('q') ?? ''));
  }
  if (path === '/api/gitops/v1/dashboard') {
    return json(dashboard(url.searchParams.get('repository')));
  }
  if (path === `${entityPath}/live`) {
    return json({
      service: 'guestbook-ui',
      environments: [
        {
          service: 'guestbook-ui',
          environment: 'prod-eu',
          cluster: 'prod-eu-cluster',
          health: 'Degraded',
          sync: 'Synced',
          observedVersions: ['1.2.0'],
          replicas: { ready: 1, desired: 3 },
        },
      ],
      clusters: [],
    });
  }
  if (path === '/api/gitops/v1/repositories') {
    return json({ items: [status.repository] });
  }
  return json({ error: { name: 'NotFoundError', message: 'not found' } }, 404);
}

const apis = [
  [fetchApiRef, { fetch: fakeBackend as typeof fetch }],
  [
    discoveryApiRef,
    { getBaseUrl: async (id: string) => `http://backend.test/api/${id}` },
  ],
] as const;

// The whole app renders; its first test also pays for loading it. The waits
// inside the tests allow 15 s (setupTests.ts), so the tests themselves get more.
jest.setTimeout(60_000);

describe('GitOps in the app', () => {
  beforeEach(() => {
    requests.length = 0;
    writes.length = 0;
  });

  it('shows the GitOps tab on the page of a Component with the annotation', async () => {
    renderTestApp({
      features: [catalogPlugin, gitopsPlugin],
      apis,
      initialRouteEntries: ['/catalog/default/component/guestbook-ui/gitops'],
    });

    const pipeline = await screen.findByTestId('gitops-pipeline');
    expect(
      within(pipeline).getByTestId('gitops-env-prod-eu'),
    ).toHaveTextContent('1.2.0');
    expect(screen.getAllByText('GitOps').length).toBeGreaterThan(0);
    expect(requests).toContain(
      '/api/gitops/v1/entities/default/component/guestbook-ui/status',
    );
  });

  it('shows the GitOps card on the overview, linking to the tab', async () => {
    renderTestApp({
      features: [catalogPlugin, gitopsPlugin],
      apis,
      initialRouteEntries: ['/catalog/default/component/guestbook-ui'],
    });

    const dev = await screen.findByTestId('gitops-overview-env-dev');
    expect(dev).toHaveTextContent('1.0.0');
    expect(
      screen.getByRole('link', { name: /View GitOps tab/ }),
    ).toHaveAttribute('href', '/catalog/default/component/guestbook-ui/gitops');
    // The entity page's tab ("GitOps", alone in the deployment group).
    expect(
      screen
        .getAllByRole('link', { name: 'GitOps' })
        .map(link => link.getAttribute('href')),
    ).toContain('/catalog/default/component/guestbook-ui/gitops');
  });

  it('has a GitOps page, listed in the sidebar', async () => {
    renderTestApp({
      features: [catalogPlugin, gitopsPlugin, notificationsPlugin, navModule],
      apis,
      initialRouteEntries: ['/gitops/overview'],
    });

    await screen.findByTestId('gitops-repository-platform-gitops');
    const sidebar = await screen.findByRole('navigation', {
      name: 'sidebar nav',
    });
    expect(
      within(sidebar).getByRole('link', { name: /GitOps/ }),
    ).toHaveAttribute('href', '/gitops');
  });

  it('has a feature tracker under /gitops/features, with the search in the URL', async () => {
    renderTestApp({
      features: [catalogPlugin, gitopsPlugin, notificationsPlugin, navModule],
      apis,
      initialRouteEntries: ['/gitops/features?q=SAAS-1543'],
    });

    const service = await screen.findByTestId(
      'gitops-feature-service-guestbook-ui',
    );
    expect(
      within(service).getByTestId('gitops-feature-env-dev'),
    ).toHaveTextContent('present');
    expect(
      within(service).getByTestId('gitops-feature-env-prod-us'),
    ).toHaveTextContent('absent');
    expect(requests).toContain('/api/gitops/v1/features');
    expect(screen.getByRole('tab', { name: 'Overview' })).toBeInTheDocument();
  });

  it('opens the GitOps page on the multi-environment dashboard', async () => {
    renderTestApp({
      features: [catalogPlugin, gitopsPlugin],
      apis,
      initialRouteEntries: ['/gitops'],
    });
    const env = await screen.findByTestId('gitops-dashboard-env-prod-eu');
    expect(
      within(env).getByTestId('gitops-dashboard-status'),
    ).toHaveTextContent('ERROR');
    expect(requests).toContain('/api/gitops/v1/dashboard');
    expect(
      within(screen.getByTestId('gitops-dashboard-matrix')).getByText('1.2.0'),
    ).toBeInTheDocument();
  });

  it('shows the live status on the GitOps tab', async () => {
    renderTestApp({
      features: [catalogPlugin, gitopsPlugin],
      apis,
      initialRouteEntries: ['/catalog/default/component/guestbook-ui/gitops'],
    });
    const card = await screen.findByTestId('gitops-env-prod-eu');
    expect(
      await within(card).findByTestId('gitops-env-health'),
    ).toHaveTextContent('Degraded');
    expect(requests).toContain(
      '/api/gitops/v1/entities/default/component/guestbook-ui/live',
    );
  });

  it('shows the recent deployments on the GitOps page', async () => {
    renderTestApp({
      features: [catalogPlugin, gitopsPlugin],
      apis,
      initialRouteEntries: ['/gitops/overview'],
    });
    const row = await screen.findByTestId('gitops-recent-row');
    expect(row).toHaveTextContent('prod-eu');
    expect(row).toHaveTextContent('1.1.0 → 1.2.0');
  });

  it('promotes from the GitOps tab through the gitops client, with an idempotency key', async () => {
    renderTestApp({
      features: [catalogPlugin, gitopsPlugin],
      apis,
      initialRouteEntries: ['/catalog/default/component/guestbook-ui/gitops'],
    });
    const pipeline = await screen.findByTestId('gitops-pipeline');
    expect(
      await within(pipeline).findByTestId('gitops-env-hold'),
    ).toHaveTextContent('Hold: 1.3.0 (INC-2211, by nadia');
    expect(await screen.findAllByTestId('gitops-action-row')).toHaveLength(1);

    fireEvent.click(
      within(within(pipeline).getByTestId('gitops-env-dev')).getByTestId(
        'gitops-env-promote',
      ),
    );
    const dialog = within(await screen.findByTestId('gitops-promote-dialog'));
    expect(await dialog.findByTestId('gitops-preview-diff')).toHaveTextContent(
      'prod-eu: apps/guestbook-ui/prod-eu/values.yaml',
    );
    fireEvent.click(dialog.getByTestId('gitops-promote-confirm'));
    expect(await dialog.findByTestId('gitops-action-result')).toHaveTextContent(
      'Promotion #16 is awaiting approval (0 of 1)',
    );

    const promote = writes.find(w => w.path.endsWith('/promotions'));
    expect(promote?.body).toEqual({ sourceEnvironment: 'dev' });
    expect(promote?.key).toMatch(/^[A-Za-z0-9._:-]{8,128}$/);
    expect(
      writes.find(w => w.path.endsWith('/promotions/preview'))?.key,
    ).toBeNull();
    // The result shows the request's deployment steps, through the client.
    expect(
      await dialog.findByRole('region', {
        name: 'Deployment steps of action #16',
      }),
    ).toHaveTextContent('No deployment steps for');
    expect(requests).toContain('/api/gitops/v1/actions/16/steps');
  });

  it('has an approval inbox under /gitops/approvals', async () => {
    renderTestApp({
      features: [catalogPlugin, gitopsPlugin, notificationsPlugin, navModule],
      apis,
      initialRouteEntries: ['/gitops/approvals'],
    });
    const row = await screen.findByTestId('gitops-inbox-row');
    expect(row).toHaveTextContent('user:default/bob');
    expect(row).toHaveTextContent('awaiting approval');
    expect(requests).toContain('/api/gitops/v1/actions');
    await waitFor(() =>
      expect(
        screen.getByRole('tab', { name: 'Approvals' }),
      ).toBeInTheDocument(),
    );
  });
});
