import {
  act,
  fireEvent,
  screen,
  waitFor,
  within,
} from '@testing-library/react';
import { TestApiProvider, renderInTestApp } from '@backstage/test-utils';
import { signalApiRef } from '@backstage/plugin-signals-react';
import { gitopsApiRef } from '../../api';
import {
  MockGitopsApi,
  createFakeGitopsApi,
  makeChangeSummary,
  makeRollbackSummary,
  repository,
} from '../../__testUtils__/fixtures';
import { makeDashboard } from '../../__testUtils__/liveFixtures';
import { fakeSignals } from '../../__testUtils__/fakeSignals';
import { GitopsPage } from '../GitopsPage';
import { Dashboard } from './Dashboard';

function render(api: MockGitopsApi, signals?: ReturnType<typeof fakeSignals>) {
  return renderInTestApp(
    <TestApiProvider
      apis={[
        [gitopsApiRef, api],
        ...(signals ? [[signalApiRef, signals.api] as const] : []),
      ]}
    >
      <Dashboard />
    </TestApiProvider>,
  );
}

const env = (name: string) =>
  screen.getByTestId(`gitops-dashboard-env-${name}`);
const status = (name: string) =>
  within(env(name)).getByTestId('gitops-dashboard-status');

describe('Dashboard', () => {
  it('shows each environment with its status, URL, cluster, connection and counts', async () => {
    const api = createFakeGitopsApi();
    await render(api);
    await screen.findByTestId('gitops-dashboard-env-dev');
    expect(api.getDashboard).toHaveBeenCalledWith('platform-gitops');

    expect(status('dev')).toHaveTextContent('DEPLOYED');
    expect(status('qa')).toHaveTextContent('IN PROGRESS');
    expect(status('staging')).toHaveTextContent('ERROR');
    expect(status('prod-us')).toHaveTextContent('DEPLOYED');
    expect(status('prod-eu')).toHaveTextContent('ERROR');

    const staging = env('staging');
    expect(
      within(staging).getByText('https://staging.guestbook.example.com'),
    ).toBeInTheDocument();
    expect(staging).toHaveTextContent('cluster staging-cluster');
    expect(
      within(staging).getByTestId('gitops-dashboard-connection'),
    ).toHaveTextContent('staging-cluster: connected');
    expect(staging).toHaveTextContent('2 services');
    expect(
      within(staging).getByTestId('gitops-dashboard-deployments'),
    ).toHaveTextContent('2 deployments: 1 healthy, 0 progressing, 1 degraded');
    expect(
      within(staging).getByTestId('gitops-dashboard-pods'),
    ).toHaveTextContent(
      '4 pods: 3 running, 0 pending, 0 failed, 1 crash-looping',
    );

    // The backend leaves out the connection of a connected cluster.
    expect(
      within(env('prod-us')).getByTestId('gitops-dashboard-connection'),
    ).toHaveTextContent('prod-us-cluster: connected');
    expect(
      within(env('prod-eu')).getByTestId('gitops-dashboard-connection'),
    ).toHaveTextContent('prod-eu-cluster: unreachable since 15 minutes ago');
  });

  it('lists the last 5 rollouts of an environment with their outcome', async () => {
    const api = createFakeGitopsApi();
    await render(api);
    await screen.findByTestId('gitops-dashboard-env-dev');
    const rows = within(env('dev')).getAllByTestId('gitops-dashboard-rollout');
    expect(rows).toHaveLength(5);
    expect(rows[0]).toHaveTextContent(
      'guestbook-ui1.5.0-rc.1 → 1.5.0-rc.2succeeded',
    );
    expect(
      within(env('staging')).getByTestId('gitops-dashboard-rollout'),
    ).toHaveTextContent('1.4.0 → 1.4.2degraded');
    expect(within(env('prod-us')).getByText('none')).toBeInTheDocument();
  });

  it('shows the verification result of each rollout: verified, failed, rolled back', async () => {
    const api = createFakeGitopsApi();
    const dashboard = makeDashboard();
    const staging = dashboard.environments[2];
    const recent = staging.recentRollouts[0];
    staging.recentRollouts = [
      {
        ...recent,
        id: '42',
        fromVersion: '1.4.3',
        toVersion: '1.4.2',
        kind: 'rollback',
        outcome: 'verified',
      },
      {
        ...recent,
        id: '41',
        fromVersion: '1.4.2',
        toVersion: '1.4.3',
        outcome: 'rolled-back',
      },
      {
        ...recent,
        id: '40',
        fromVersion: '1.4.1',
        toVersion: '1.4.2',
        outcome: 'failed',
      },
    ];
    api.getDashboard.mockResolvedValue(dashboard);
    await render(api);
    await screen.findByTestId('gitops-dashboard-env-staging');
    const rows = within(env('staging')).getAllByTestId(
      'gitops-dashboard-rollout',
    );
    expect(rows.map(r => r.getAttribute('data-outcome'))).toEqual([
      'verified',
      'rolled-back',
      'failed',
    ]);
    expect(rows[0]).toHaveTextContent('1.4.3 → 1.4.2verified');
    expect(rows[1]).toHaveTextContent('1.4.2 → 1.4.3rolled back');
    expect(rows[2]).toHaveTextContent('1.4.1 → 1.4.2failed');
  });

  it('shows what each recent rollout carried, and what a rollback removed', async () => {
    const api = createFakeGitopsApi();
    const dashboard = makeDashboard();
    const staging = dashboard.environments[2];
    const recent = staging.recentRollouts[0];
    staging.recentRollouts = [
      {
        ...recent,
        id: '42',
        kind: 'rollback',
        outcome: 'not-observed',
        changes: makeRollbackSummary(),
      },
      {
        ...recent,
        id: '41',
        outcome: 'superseded',
        changes: makeChangeSummary(),
      },
    ];
    api.getDashboard.mockResolvedValue(dashboard);
    await render(api);
    await screen.findByTestId('gitops-dashboard-env-staging');
    const rows = within(env('staging')).getAllByTestId(
      'gitops-dashboard-rollout',
    );
    expect(rows[0]).toHaveTextContent('not observed');
    expect(
      within(rows[0]).getByTestId('gitops-change-summary'),
    ).toHaveTextContent(/^removed:SAAS-1543/);
    expect(rows[1]).toHaveTextContent('superseded');
    expect(
      within(rows[1]).getByTestId('gitops-change-summary'),
    ).toHaveTextContent('#150 Dark mode');
  });

  it('shows the services × environments matrix with versions, lag, health and drift', async () => {
    const api = createFakeGitopsApi();
    await render(api);
    const matrix = await screen.findByTestId('gitops-dashboard-matrix');
    const cell = (service: string, name: string) =>
      within(matrix).getByTestId(`gitops-matrix-${service}-${name}`);

    expect(
      within(cell('guestbook-ui', 'dev')).getByTestId('gitops-matrix-version'),
    ).toHaveTextContent('1.5.0-rc.2');
    expect(
      within(cell('guestbook-ui', 'qa')).getByTestId('gitops-matrix-behind'),
    ).toHaveTextContent('2 behind');
    expect(cell('guestbook-ui', 'staging')).toHaveAttribute(
      'data-health',
      'Degraded',
    );
    expect(
      within(cell('guestbook-ui', 'staging')).queryByTestId(
        'gitops-matrix-behind',
      ),
    ).not.toBeInTheDocument();
    expect(
      within(cell('guestbook-ui', 'prod-us')).getByTestId(
        'gitops-matrix-drift',
      ),
    ).toBeInTheDocument();
    expect(cell('guestbook-api', 'prod-eu')).toHaveTextContent('—');
  });

  it('offers the repositories when there are several, and shows the chosen one', async () => {
    const api = createFakeGitopsApi();
    await render(api);
    await screen.findByTestId('gitops-dashboard-env-dev');

    // A native select, named by its visible label (keyboard and screen
    // readers need nothing special).
    const select = screen.getByRole('combobox', { name: 'Repository' });
    expect(select).toBe(screen.getByTestId('gitops-dashboard-repository'));
    expect(select.tagName).toBe('SELECT');
    fireEvent.change(select, { target: { value: 'legacy-gitops' } });

    expect(
      await screen.findByTestId('gitops-dashboard-env-legacy'),
    ).toBeInTheDocument();
    expect(api.getDashboard).toHaveBeenLastCalledWith('legacy-gitops');
    expect(status('legacy')).toHaveTextContent('UNKNOWN');
    expect(
      screen.queryByTestId('gitops-dashboard-env-dev'),
    ).not.toBeInTheDocument();
  });

  it('has no repository selector with one repository', async () => {
    const api = createFakeGitopsApi();
    api.getRepositories.mockResolvedValue({ items: [repository] });
    await render(api);
    await screen.findByTestId('gitops-dashboard-env-dev');
    expect(
      screen.queryByTestId('gitops-dashboard-repository'),
    ).not.toBeInTheDocument();
  });

  it('shows the error when the dashboard cannot be loaded', async () => {
    const api = createFakeGitopsApi();
    api.getDashboard.mockRejectedValue(new Error('store unavailable'));
    await render(api);
    expect(
      (await screen.findAllByText(/store unavailable/)).length,
    ).toBeGreaterThan(0);
  });

  it('is the first tab of the GitOps page (legacy), at /dashboard', async () => {
    const api = createFakeGitopsApi();
    await renderInTestApp(
      <TestApiProvider apis={[[gitopsApiRef, api]]}>
        <GitopsPage />
      </TestApiProvider>,
      { routeEntries: ['/dashboard'] },
    );
    expect(
      await screen.findByTestId('gitops-dashboard-env-staging'),
    ).toBeInTheDocument();
    const tabs = screen.getAllByRole('tab');
    expect(tabs[0]).toHaveTextContent('Dashboard');
  });
});

describe('Dashboard: live updates', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('without signals, polls every 60 s (not before) and keeps the last data on screen, also when a refetch fails', async () => {
    const api = createFakeGitopsApi();
    await render(api);
    await screen.findByTestId('gitops-dashboard-env-staging');
    const calls = api.getDashboard.mock.calls.length;

    const next = makeDashboard();
    next.environments[2] = { ...next.environments[2], status: 'DEPLOYED' };
    api.getDashboard.mockResolvedValueOnce(next);
    await act(async () => {
      jest.advanceTimersByTime(30_000);
    });
    expect(api.getDashboard.mock.calls.length).toBe(calls);
    await act(async () => {
      jest.advanceTimersByTime(30_000);
    });
    await waitFor(() =>
      expect(status('staging')).toHaveTextContent('DEPLOYED'),
    );
    expect(api.getDashboard.mock.calls.length).toBe(calls + 1);

    api.getDashboard.mockRejectedValueOnce(new Error('backend restarting'));
    await act(async () => {
      jest.advanceTimersByTime(60_000);
    });
    await waitFor(() =>
      expect(screen.getByTestId('gitops-dashboard-stale')).toHaveTextContent(
        'backend restarting',
      ),
    );
    expect(status('staging')).toHaveTextContent('DEPLOYED');
  });

  it('with connected signals (heartbeats), does not poll; a change signal refetches it within 2 s', async () => {
    const api = createFakeGitopsApi();
    const signals = fakeSignals();
    await render(api, signals);
    await screen.findByTestId('gitops-dashboard-env-staging');
    await signals.heartbeat();
    const calls = api.getDashboard.mock.calls.length;
    for (let i = 0; i < 9; i++) {
      await act(async () => {
        jest.advanceTimersByTime(20_000);
      });
      await signals.heartbeat();
    }
    expect(api.getDashboard.mock.calls.length).toBe(calls);

    await signals.send({
      key: 'c0ffee00c0ffee00c0ffee00c0ffee00',
      kind: 'live',
    });
    await act(async () => {
      jest.advanceTimersByTime(2000);
    });
    expect(api.getDashboard.mock.calls.length).toBe(calls + 1);
  });
});
