import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { TestApiProvider, renderInTestApp } from '@backstage/test-utils';
import { useLocation } from 'react-router-dom';
import { gitopsApiRef } from '../../api';
import {
  MockGitopsApi,
  createFakeGitopsApi,
} from '../../__testUtils__/fixtures';
import { formatDuration } from '../shared';
import { FeatureTracker } from './FeatureTracker';

const Location = () => {
  const location = useLocation();
  return <div data-testid="location">{location.search}</div>;
};

function render(api: MockGitopsApi, url = '/') {
  return renderInTestApp(
    <TestApiProvider apis={[[gitopsApiRef, api]]}>
      <FeatureTracker />
      <Location />
    </TestApiProvider>,
    { routeEntries: [url] },
  );
}

function search(q: string) {
  fireEvent.change(screen.getByTestId('gitops-feature-search'), {
    target: { value: q },
  });
  fireEvent.click(screen.getByRole('button', { name: 'Search' }));
}

describe('FeatureTracker', () => {
  it('rejects a search that is no issue key, pull request or commit, inline and without a request', async () => {
    const api = createFakeGitopsApi();
    await render(api);
    search('dark mode');

    expect(
      await screen.findByText(
        '"dark mode" is neither an issue key (SAAS-1543), a pull request (#142) nor a commit sha (7-40 hex digits)',
      ),
    ).toBeInTheDocument();
    expect(screen.getByTestId('gitops-feature-search')).toHaveAttribute(
      'aria-invalid',
      'true',
    );
    expect(api.lookupFeature).not.toHaveBeenCalled();
    expect(screen.getByTestId('location')).toHaveTextContent(/^$/);

    // Typing again clears the error.
    fireEvent.change(screen.getByTestId('gitops-feature-search'), {
      target: { value: 'SAAS-' },
    });
    expect(
      screen.queryByText(/is neither an issue key/),
    ).not.toBeInTheDocument();
  });

  it('shows, per service and environment in pipeline order, where SAAS-1543 is', async () => {
    const api = createFakeGitopsApi();
    await render(api);
    search('saas-1543');

    const ui = await screen.findByTestId('gitops-feature-service-guestbook-ui');
    expect(api.lookupFeature).toHaveBeenCalledWith('saas-1543');
    expect(screen.getByTestId('location')).toHaveTextContent('?q=saas-1543');

    const rows = within(ui)
      .getAllByTestId(/^gitops-feature-env-/)
      .map(r => r.getAttribute('data-testid'));
    expect(rows).toEqual([
      'gitops-feature-env-dev',
      'gitops-feature-env-qa',
      'gitops-feature-env-staging',
      'gitops-feature-env-prod-us',
      'gitops-feature-env-prod-eu',
    ]);
    const row = (env: string) =>
      within(ui).getByTestId(`gitops-feature-env-${env}`);

    expect(row('dev')).toHaveTextContent('present');
    expect(row('dev')).toHaveTextContent('since 3 days ago');
    expect(row('dev')).toHaveTextContent('6 h in dev before qa');
    expect(row('staging')).toHaveTextContent('present');
    expect(row('staging')).toHaveTextContent(
      '2 d 4 h in staging before prod-us',
    );
    const since = within(row('staging')).getByText('3 days ago');
    expect(since.tagName).toBe('TIME');
    expect(since).toHaveAttribute('title');

    expect(row('prod-us')).toHaveTextContent('absent');
    expect(row('prod-us')).not.toHaveTextContent('present');
    expect(row('prod-us')).toHaveTextContent('arrived 20 hours ago');
    expect(row('prod-us')).toHaveTextContent('removed by rollback 5 hours ago');

    expect(row('prod-eu')).toHaveTextContent('absent');
    expect(row('prod-eu')).toHaveTextContent('never');

    expect(ui).toHaveTextContent(
      'SAAS-1543: guestbook entries can be edited (#142)',
    );
    expect(ui).toHaveTextContent('Erin');

    const api2 = screen.getByTestId('gitops-feature-service-guestbook-api');
    expect(
      within(api2).getByTestId('gitops-feature-env-dev'),
    ).toHaveTextContent('present');
    expect(api2).toHaveTextContent('SAAS-1543: PUT /entries/:id');
  });

  it('runs the search of a shared link', async () => {
    const api = createFakeGitopsApi();
    await render(api, '/?q=%23142');
    expect(
      await screen.findByTestId('gitops-feature-service-guestbook-ui'),
    ).toBeInTheDocument();
    expect(api.lookupFeature).toHaveBeenCalledWith('#142');
    expect(screen.getByTestId('gitops-feature-search')).toHaveValue('#142');
  });

  it('shows the error of an invalid shared link without a request', async () => {
    const api = createFakeGitopsApi();
    await render(api, '/?q=hello');
    expect(
      await screen.findByText(/"hello" is neither an issue key/),
    ).toBeInTheDocument();
    expect(api.lookupFeature).not.toHaveBeenCalled();
  });

  it('says so when nothing matches', async () => {
    const api = createFakeGitopsApi();
    await render(api);
    search('SAAS-9999');
    expect(
      await screen.findByText('Nothing matches SAAS-9999'),
    ).toBeInTheDocument();
    expect(
      screen.queryByTestId(/^gitops-feature-service-/),
    ).not.toBeInTheDocument();
  });

  it('shows the error of the backend', async () => {
    const api = createFakeGitopsApi();
    api.lookupFeature.mockRejectedValue(new Error('ledger unavailable'));
    await render(api);
    search('3d9b390');
    await waitFor(() =>
      expect(screen.getAllByText(/ledger unavailable/).length).toBeGreaterThan(
        0,
      ),
    );
    expect(api.lookupFeature).toHaveBeenCalledWith('3d9b390');
  });
});

describe('formatDuration', () => {
  it('is coarse', () => {
    expect(formatDuration(30)).toBe('< 1 min');
    expect(formatDuration(45 * 60)).toBe('45 min');
    expect(formatDuration(3 * 3600 + 12 * 60)).toBe('3 h 12 min');
    expect(formatDuration(2 * 3600)).toBe('2 h');
    expect(formatDuration(52 * 3600)).toBe('2 d 4 h');
    expect(formatDuration(3 * 86400 + 59)).toBe('3 d');
  });
});
