import { act, screen, waitFor, within } from '@testing-library/react';
import { TestApiProvider, renderInTestApp } from '@backstage/test-utils';
import { EntityProvider } from '@backstage/plugin-catalog-react';
import { gitopsApiRef } from '../../api';
import {
  MockGitopsApi,
  createFakeGitopsApi,
  entity,
} from '../../__testUtils__/fixtures';
import { liveShas, makeLive } from '../../__testUtils__/liveFixtures';
import { GitopsTab } from '../GitopsTab';

function render(api: MockGitopsApi) {
  return renderInTestApp(
    <TestApiProvider apis={[[gitopsApiRef, api]]}>
      <EntityProvider entity={entity}>
        <GitopsTab />
      </EntityProvider>
    </TestApiProvider>,
  );
}

const card = (env: string) => screen.getByTestId(`gitops-env-${env}`);
const inCard = (env: string, id: string) => within(card(env)).getByTestId(id);

async function renderLive(api: MockGitopsApi) {
  await render(api);
  await waitFor(() =>
    expect(inCard('prod-eu', 'gitops-env-health')).toBeInTheDocument(),
  );
}

describe('GitopsTab: live status', () => {
  it('shows health, sync, replicas and pods of a healthy environment', async () => {
    const api = createFakeGitopsApi();
    await renderLive(api);
    expect(api.getLive).toHaveBeenCalledWith({
      kind: 'Component',
      namespace: 'default',
      name: 'guestbook-ui',
    });
    expect(inCard('dev', 'gitops-env-health')).toHaveTextContent('Healthy');
    expect(inCard('dev', 'gitops-env-sync')).toHaveTextContent('Synced');
    expect(inCard('dev', 'gitops-env-replicas')).toHaveTextContent(
      '2/2 replicas ready · pods: 2 running',
    );
    expect(inCard('dev', 'gitops-env-last-sync')).toHaveTextContent(
      'last sync 1 hour ago',
    );
    expect(
      within(card('dev')).queryByTestId('gitops-env-drift'),
    ).not.toBeInTheDocument();
    expect(
      within(card('dev')).queryByTestId('gitops-env-connection'),
    ).not.toBeInTheDocument();
  });

  it('shows a progressing, out-of-sync environment with applied vs desired revision', async () => {
    const api = createFakeGitopsApi();
    await renderLive(api);
    expect(inCard('qa', 'gitops-env-health')).toHaveTextContent('Progressing');
    expect(inCard('qa', 'gitops-env-sync')).toHaveTextContent('OutOfSync');
    expect(inCard('qa', 'gitops-env-revisions')).toHaveTextContent(
      `applied ${liveShas.previous.slice(
        0,
        7,
      )}, Git wants ${liveShas.desired.slice(0, 7)}`,
    );
    expect(inCard('qa', 'gitops-env-replicas')).toHaveTextContent(
      '1/2 replicas ready · pods: 1 running, 1 pending',
    );
  });

  it('shows a degraded environment with crash-looping pods', async () => {
    const api = createFakeGitopsApi();
    await renderLive(api);
    const health = inCard('staging', 'gitops-env-health');
    expect(health).toHaveTextContent('Degraded');
    expect(health).toHaveAttribute('data-health', 'Degraded');
    expect(inCard('staging', 'gitops-env-replicas')).toHaveTextContent(
      'pods: 1 running, 1 crash-looping',
    );
  });

  it('warns about drift: Git says X, the cluster runs Y', async () => {
    const api = createFakeGitopsApi();
    await renderLive(api);
    expect(inCard('prod-us', 'gitops-env-drift')).toHaveTextContent(
      'Git says 1.4.1, the cluster runs 1.4.1-hotfix',
    );
  });

  it('marks a status that comes from Argo CD events (no cluster credentials) as such', async () => {
    const api = createFakeGitopsApi();
    const response = makeLive();
    response.environments = response.environments.map(e =>
      e.environment === 'prod-us'
        ? {
            service: e.service,
            environment: 'prod-us',
            health: 'Degraded',
            sync: 'Synced',
            appliedRevision: liveShas.desired,
            desiredRevision: liveShas.desired,
            observedVersions: ['1.4.2'],
            source: 'events',
            events: {
              tool: 'argocd',
              app: 'argocd/guestbook-us',
              at: new Date(Date.now() - 5 * 60_000).toISOString(),
              operationPhase: 'Succeeded',
            },
          }
        : e,
    );
    api.getLive.mockResolvedValue(response);
    await renderLive(api);
    const source = await waitFor(() => inCard('prod-us', 'gitops-env-source'));
    expect(source).toHaveTextContent(
      'from Argo CD events (argocd/guestbook-us), 5 minutes ago',
    );
    expect(inCard('prod-us', 'gitops-env-health')).toHaveTextContent(
      'Degraded',
    );
    // A status read from a watched cluster says nothing of events.
    expect(
      within(card('dev')).queryByTestId('gitops-env-source'),
    ).not.toBeInTheDocument();
  });

  it('says since when a cluster is unreachable and keeps its last known state', async () => {
    const api = createFakeGitopsApi();
    await renderLive(api);
    expect(inCard('prod-eu', 'gitops-env-connection')).toHaveTextContent(
      'prod-eu-cluster: unreachable since 15 minutes ago',
    );
    expect(inCard('prod-eu', 'gitops-env-health')).toHaveTextContent('Healthy');
    expect(inCard('prod-eu', 'gitops-env-replicas')).toHaveTextContent(
      '3/3 replicas ready',
    );
  });

  it('tells how many versions each environment is behind the previous stage, and compares them', async () => {
    const api = createFakeGitopsApi();
    await renderLive(api);
    await waitFor(() =>
      expect(inCard('qa', 'gitops-env-behind')).toHaveTextContent(
        '2 versions behind dev',
      ),
    );
    expect(api.getDashboard).toHaveBeenCalledWith('platform-gitops');
    expect(
      within(card('dev')).queryByTestId('gitops-env-behind'),
    ).not.toBeInTheDocument();
    expect(inCard('staging', 'gitops-env-behind')).toHaveTextContent(
      'up to date with qa',
    );
    expect(inCard('prod-us', 'gitops-env-behind')).toHaveTextContent(
      '1 version behind staging',
    );

    const compare = screen.getByTestId('gitops-env-compare');
    const row = (env: string) =>
      within(compare).getByTestId(`gitops-compare-${env}`);
    expect(
      within(row('qa')).getByTestId('gitops-compare-version'),
    ).toHaveTextContent('1.4.2');
    expect(
      within(row('qa')).getByTestId('gitops-compare-behind'),
    ).toHaveTextContent('2 behind dev');
    expect(row('staging')).toHaveTextContent('Degraded');
    expect(
      within(row('prod-us')).getByTestId('gitops-compare-version'),
    ).toHaveTextContent('1.4.1 (drift)');
  });

  it('shows an error in the card area when the live status cannot be loaded; the rest of the tab works', async () => {
    const api = createFakeGitopsApi();
    api.getLive.mockRejectedValue(new Error('live store unavailable'));
    await render(api);
    await waitFor(() =>
      expect(inCard('dev', 'gitops-env-live-error')).toHaveTextContent(
        'Live status unavailable: live store unavailable',
      ),
    );
    expect(inCard('dev', 'gitops-env-version')).toHaveTextContent('1.5.0-rc.2');
    expect(screen.getByTestId('gitops-pipeline')).toBeInTheDocument();
    expect(screen.queryByTestId('gitops-env-health')).not.toBeInTheDocument();
  });

  it('shows an environment the live status does not know without failing', async () => {
    const api = createFakeGitopsApi();
    const live = makeLive();
    api.getLive.mockResolvedValue({
      ...live,
      environments: live.environments.filter(e => e.environment !== 'dev'),
    });
    await renderLive(api);
    expect(within(card('dev')).getByText('No live status')).toBeInTheDocument();
  });
});

describe('GitopsTab: live updates', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => {
    jest.useRealTimers();
    Object.defineProperty(document, 'visibilityState', {
      configurable: true,
      value: 'visible',
    });
  });

  it('without signals, polls our backend every 60 s (not every 5 s) while visible, keeping the last data on screen', async () => {
    const api = createFakeGitopsApi();
    await renderLive(api);
    const calls = api.getLive.mock.calls.length;

    const live = makeLive();
    live.environments[2] = { ...live.environments[2], health: 'Healthy' };
    let answer: (v: typeof live) => void = () => {};
    api.getLive.mockImplementationOnce(
      () => new Promise(resolve => (answer = resolve)),
    );
    await act(async () => {
      jest.advanceTimersByTime(5000);
    });
    expect(api.getLive.mock.calls.length).toBe(calls);
    await act(async () => {
      jest.advanceTimersByTime(55_000);
    });
    expect(api.getLive.mock.calls.length).toBe(calls + 1);
    // While the refetch runs, the last data stays.
    expect(inCard('staging', 'gitops-env-health')).toHaveTextContent(
      'Degraded',
    );
    await act(async () => answer(live));
    await waitFor(() =>
      expect(inCard('staging', 'gitops-env-health')).toHaveTextContent(
        'Healthy',
      ),
    );
  });

  it('does not poll while the page is hidden, and refetches when it shows again', async () => {
    const api = createFakeGitopsApi();
    await renderLive(api);
    const calls = api.getLive.mock.calls.length;

    Object.defineProperty(document, 'visibilityState', {
      configurable: true,
      value: 'hidden',
    });
    await act(async () => {
      document.dispatchEvent(new Event('visibilitychange'));
      jest.advanceTimersByTime(120_000);
    });
    expect(api.getLive.mock.calls.length).toBe(calls);

    Object.defineProperty(document, 'visibilityState', {
      configurable: true,
      value: 'visible',
    });
    await act(async () => {
      document.dispatchEvent(new Event('visibilitychange'));
    });
    expect(api.getLive.mock.calls.length).toBe(calls + 1);
  });
});
