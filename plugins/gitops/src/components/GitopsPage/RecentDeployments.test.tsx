import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { TestApiProvider, renderInTestApp } from '@backstage/test-utils';
import { gitopsApiRef } from '../../api';
import {
  MockGitopsApi,
  createFakeGitopsApi,
  makeChangeSummary,
  makeRollbackSummary,
  pageOfAllRollouts,
} from '../../__testUtils__/fixtures';
import { RecentDeployments, windowOf } from './RecentDeployments';

function render(api: MockGitopsApi) {
  return renderInTestApp(
    <TestApiProvider apis={[[gitopsApiRef, api]]}>
      <RecentDeployments />
    </TestApiProvider>,
  );
}

const DAY = 24 * 3600 * 1000;

describe('RecentDeployments', () => {
  it('lists the deployments of the last 7 days across services, newest first', async () => {
    const api = createFakeGitopsApi();
    const before = Date.now();
    await render(api);

    const rows = await screen.findAllByTestId('gitops-recent-row');
    const query = api.listRollouts.mock.calls[0][0]!;
    expect(query.limit).toBe(200);
    expect(query.environment).toBeUndefined();
    expect(query.until).toBeUndefined();
    const since = Date.parse(query.since!);
    expect(since).toBeGreaterThanOrEqual(before - 7 * DAY);
    expect(since).toBeLessThanOrEqual(Date.now() - 7 * DAY);

    // 6 of 7: the first rollout of guestbook-ui is 200 hours old.
    expect(rows).toHaveLength(6);
    expect(rows[0]).toHaveTextContent('guestbook-api');
    expect(rows[0]).toHaveTextContent('staging');
    expect(rows[0]).toHaveTextContent('2.0.0 → 2.1.0');
    expect(rows[0]).toHaveTextContent('promotion');
    expect(rows[0]).toHaveTextContent('1 hour ago');
    const rollback = rows.find(r => r.textContent?.includes('rollback'))!;
    expect(rollback).toHaveTextContent('guestbook-ui');
    expect(rollback).toHaveTextContent('prod-us');
    expect(rollback).toHaveTextContent('1.4.2 → 1.4.1');
    expect(
      within(rollback).getByTestId('gitops-rollout-kind-rollback'),
    ).toBeInTheDocument();
    expect(screen.getByText('6 deployments')).toBeInTheDocument();
  });

  it('asks for yesterday, midnight to midnight in local time', async () => {
    const api = createFakeGitopsApi();
    await render(api);
    await screen.findAllByTestId('gitops-recent-row');

    fireEvent.change(screen.getByLabelText('Window'), {
      target: { value: 'yesterday' },
    });
    await waitFor(() => expect(api.listRollouts).toHaveBeenCalledTimes(2));
    expect(api.listRollouts).toHaveBeenLastCalledWith({
      ...windowOf('yesterday'),
      environment: undefined,
      limit: 200,
    });
  });

  it('narrows to the last 2 hours and to one environment', async () => {
    const api = createFakeGitopsApi();
    await render(api);
    await screen.findAllByTestId('gitops-recent-row');

    fireEvent.change(screen.getByLabelText('Environment'), {
      target: { value: 'prod-us' },
    });
    await waitFor(() =>
      expect(api.listRollouts).toHaveBeenLastCalledWith(
        expect.objectContaining({ environment: 'prod-us' }),
      ),
    );
    await waitFor(() =>
      expect(screen.getAllByTestId('gitops-recent-row')).toHaveLength(2),
    );
    for (const row of screen.getAllByTestId('gitops-recent-row')) {
      expect(row).toHaveTextContent('prod-us');
    }

    fireEvent.change(screen.getByLabelText('Window'), {
      target: { value: 'last-2-hours' },
    });
    expect(
      await screen.findByText('Nothing was deployed to prod-us last 2 hours.'),
    ).toBeInTheDocument();
    const last = api.listRollouts.mock.lastCall![0]!;
    expect(Date.now() - Date.parse(last.since!)).toBeLessThan(
      2 * 3600 * 1000 + 5000,
    );
    // The environment stays offered while nothing matches.
    expect(
      within(screen.getByLabelText('Environment')).getByRole('option', {
        name: 'prod-us',
      }),
    ).toBeInTheDocument();
  });

  it('loads older deployments of the same window', async () => {
    const api = createFakeGitopsApi();
    api.listRollouts.mockImplementation(async (query = {}) =>
      pageOfAllRollouts({ ...query, limit: 4 }),
    );
    await render(api);
    expect(await screen.findAllByTestId('gitops-recent-row')).toHaveLength(4);
    expect(screen.getByText('Showing 4 of 6')).toBeInTheDocument();

    fireEvent.click(screen.getByRole('button', { name: 'Load more' }));
    await waitFor(() =>
      expect(screen.getAllByTestId('gitops-recent-row')).toHaveLength(6),
    );
    const [first, second] = api.listRollouts.mock.calls.map(c => c[0]!);
    expect(second).toEqual({ ...first, before: '3' });
    expect(screen.getByText('6 deployments')).toBeInTheDocument();
    expect(
      screen.queryByRole('button', { name: 'Load more' }),
    ).not.toBeInTheDocument();
  });

  it('shows the result of each deployment: verified, failed, rolled back', async () => {
    const api = createFakeGitopsApi();
    const page = pageOfAllRollouts({ limit: 200 });
    const outcomes = ['verified', 'failed', 'rolled-back'] as const;
    page.items = page.items
      .slice(0, 3)
      .map((r, i) => ({ ...r, outcome: outcomes[i] }));
    page.items[1].outcomeDetail =
      'step smoke (http) failed in staging: HTTP 500';
    page.totalCount = 3;
    page.nextCursor = undefined;
    api.listRollouts.mockResolvedValue(page);
    await render(api);
    const rows = await screen.findAllByTestId('gitops-recent-row');
    expect(rows.map(r => r.getAttribute('data-outcome'))).toEqual([
      'verified',
      'failed',
      'rolled-back',
    ]);
    expect(rows[0]).toHaveTextContent('verified');
    expect(rows[1]).toHaveTextContent(
      'failedstep smoke (http) failed in staging: HTTP 500',
    );
    expect(
      within(rows[0]).queryByTestId('gitops-rollout-outcome-detail'),
    ).not.toBeInTheDocument();
    expect(rows[2]).toHaveTextContent('rolled back');
  });

  it('shows what each deployment carried, and what a rollback removed', async () => {
    const api = createFakeGitopsApi();
    const page = pageOfAllRollouts({ limit: 200 });
    page.items = [
      { ...page.items[0], changes: makeChangeSummary() },
      { ...page.items[1], kind: 'rollback', changes: makeRollbackSummary() },
    ];
    page.totalCount = 2;
    page.nextCursor = undefined;
    api.listRollouts.mockResolvedValue(page);
    await render(api);
    const rows = await screen.findAllByTestId('gitops-recent-row');
    const carried = within(rows[0]).getByTestId('gitops-change-summary');
    expect(carried).toHaveTextContent('SAAS-1543');
    expect(carried).toHaveTextContent(
      '#151 fix(theme): remember the dark mode preference',
    );
    expect(carried).toHaveTextContent('+2');
    expect(carried).toHaveTextContent('7 commits');
    expect(
      within(rows[1]).getByTestId('gitops-change-summary'),
    ).toHaveTextContent(/^removed:SAAS-1543/);
  });

  it('shows the error of the backend', async () => {
    const api = createFakeGitopsApi();
    api.listRollouts.mockRejectedValue(new Error('ledger unavailable'));
    await render(api);
    expect(
      (await screen.findAllByText(/ledger unavailable/)).length,
    ).toBeGreaterThan(0);
  });
});

describe('windowOf', () => {
  it('gives local midnights for yesterday', () => {
    const now = new Date(2026, 10, 26, 9, 30);
    expect(windowOf('yesterday', now)).toEqual({
      since: new Date(2026, 10, 25).toISOString(),
      until: new Date(2026, 10, 26).toISOString(),
    });
    expect(windowOf('last-2-hours', now)).toEqual({
      since: new Date(2026, 10, 26, 7, 30).toISOString(),
    });
    expect(windowOf('last-7-days', now)).toEqual({
      since: new Date(now.getTime() - 7 * 24 * 3600 * 1000).toISOString(),
    });
  });
});
