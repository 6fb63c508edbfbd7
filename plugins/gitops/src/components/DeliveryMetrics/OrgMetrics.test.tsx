import { fireEvent, screen, within } from '@testing-library/react';
import { TestApiProvider, renderInTestApp } from '@backstage/test-utils';
import { renderTestApp } from '@backstage/frontend-test-utils';
import { gitopsApiRef } from '../../api';
import { gitopsMetricsSubPage, gitopsPage } from '../../alpha/plugin';
import {
  MockGitopsApi,
  createFakeGitopsApi,
} from '../../__testUtils__/fixtures';
import { GitopsPage } from '../GitopsPage';
import { OrgMetrics } from './OrgMetrics';

function render(api: MockGitopsApi) {
  return renderInTestApp(
    <TestApiProvider apis={[[gitopsApiRef, api]]}>
      <OrgMetrics />
    </TestApiProvider>,
  );
}

const rows = () =>
  screen.getAllByTestId('gitops-org-metrics-row').map(r =>
    within(r)
      .getAllByRole('cell')
      .map(c => c.textContent),
  );

describe('OrgMetrics', () => {
  it('lists every service and environment', async () => {
    const api = createFakeGitopsApi();
    await render(api);
    await screen.findAllByTestId('gitops-org-metrics-row');
    expect(api.getOrgMetrics).toHaveBeenCalledWith({
      since: expect.any(String),
    });
    expect(rows()).toEqual([
      ['guestbook-ui', 'dev', '14', '2.0', '2 d 4 h', '5 h', '0 % (0/14)', '—'],
      [
        'guestbook-ui',
        'prod-us',
        '7',
        '1.0',
        '2 d 4 h',
        '5 h',
        '25 % (1/4)',
        '45 min',
      ],
      ['cart', 'prod-us', '7', '1.0', '2 d 4 h', '5 h', '— (0/0)', '45 min'],
    ]);
    expect(
      screen.getByTestId('gitops-metrics-deployments-chart'),
    ).toBeInTheDocument();

    const section = screen.getByTestId('gitops-metrics');
    fireEvent.mouseDown(
      within(section).getByRole('button', { name: /Environment/ }),
    );
    fireEvent.click(await screen.findByRole('option', { name: 'prod-us' }));
    expect(rows().map(r => r[0])).toEqual(['guestbook-ui', 'cart']);
  });

  it('has an empty state and shows errors', async () => {
    const api = createFakeGitopsApi();
    api.getOrgMetrics.mockResolvedValueOnce({
      since: '2026-03-01T00:00:00.000Z',
      until: '2026-03-31T00:00:00.000Z',
      items: [],
    });
    await render(api);
    expect(
      await screen.findByText('No deployments in the last 30 days'),
    ).toBeInTheDocument();

    api.getOrgMetrics.mockRejectedValueOnce(
      new Error('gitops.read denied (403)'),
    );
    const section = screen.getByTestId('gitops-metrics');
    fireEvent.mouseDown(
      within(section).getByRole('button', { name: /Window/ }),
    );
    fireEvent.click(
      await screen.findByRole('option', { name: 'Last 90 days' }),
    );
    expect(await screen.findByTestId('gitops-metrics-error')).toHaveTextContent(
      'gitops.read denied (403)',
    );
  });

  it('is the metrics tab of the legacy GitOps page', async () => {
    const api = createFakeGitopsApi();
    await renderInTestApp(
      <TestApiProvider apis={[[gitopsApiRef, api]]}>
        <GitopsPage />
      </TestApiProvider>,
      { routeEntries: ['/metrics'] },
    );
    expect(await screen.findAllByTestId('gitops-org-metrics-row')).toHaveLength(
      3,
    );
    expect(
      screen.getByRole('tab', { name: 'Delivery metrics' }),
    ).toBeInTheDocument();
    expect(api.getRepositories).not.toHaveBeenCalled();
  });

  it('is the /gitops/metrics sub-page of the new frontend system', async () => {
    const api = createFakeGitopsApi();
    renderTestApp({
      extensions: [gitopsPage, gitopsMetricsSubPage],
      apis: [[gitopsApiRef, api]],
      initialRouteEntries: ['/gitops/metrics'],
    });
    expect(await screen.findAllByTestId('gitops-org-metrics-row')).toHaveLength(
      3,
    );
    expect(
      screen.getByRole('tab', { name: 'Delivery metrics' }),
    ).toBeInTheDocument();
  });
});
