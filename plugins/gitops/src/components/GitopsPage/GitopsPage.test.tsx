import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { TestApiProvider, renderInTestApp } from '@backstage/test-utils';
import { gitopsApiRef } from '../../api';
import {
  MockGitopsApi,
  createFakeGitopsApi,
} from '../../__testUtils__/fixtures';
import { GitopsPage } from './GitopsPage';

function render(api: MockGitopsApi, url = '/') {
  return renderInTestApp(
    <TestApiProvider apis={[[gitopsApiRef, api]]}>
      <GitopsPage />
    </TestApiProvider>,
    { routeEntries: [url] },
  );
}

describe('GitopsPage', () => {
  it('lists the repositories with their ingestion state', async () => {
    const api = createFakeGitopsApi();
    await render(api);

    expect(screen.getAllByText('GitOps').length).toBeGreaterThan(0);
    const ok = await screen.findByTestId('gitops-repository-platform-gitops');
    expect(ok).toHaveTextContent('github.com/acme/platform-gitops');
    expect(ok).toHaveTextContent('main');
    expect(ok).toHaveTextContent('9f8e7d6');
    expect(ok).toHaveTextContent('ingested');

    const broken = screen.getByTestId('gitops-repository-legacy-gitops');
    expect(broken).toHaveTextContent('never');
    expect(broken).toHaveTextContent(
      'gitops-pipeline.yaml:12: stage "prod" has no environments',
    );
  });

  it('says how many commits a repository skipped, and the latest', async () => {
    const api = createFakeGitopsApi();
    const { items } = await api.getRepositories();
    api.getRepositories.mockResolvedValue({
      items: items.map(r =>
        r.id === 'platform-gitops'
          ? {
              ...r,
              ingestionErrorCount: 1,
              ingestionErrors: [
                {
                  commitSha: 'a7c3e1f0a7c3e1f0a7c3e1f0a7c3e1f0a7c3e1f0',
                  message:
                    "not recorded: the database refused this commit's rows: value too long",
                  recordedAt: new Date().toISOString(),
                },
              ],
            }
          : r,
      ),
    });
    await render(api);
    const row = await screen.findByTestId('gitops-repository-platform-gitops');
    expect(row).toHaveTextContent('ingested');
    expect(
      within(row).getByTestId('gitops-ingestion-errors'),
    ).toHaveTextContent(
      "1 commit could not be ingested and was skipped. Latest: a7c3e1f: not recorded: the database refused this commit's rows: value too long",
    );
  });

  it('refreshes a repository', async () => {
    const api = createFakeGitopsApi();
    await render(api);
    const row = await screen.findByTestId('gitops-repository-legacy-gitops');

    fireEvent.click(
      within(row).getByRole('button', { name: 'Refresh legacy-gitops' }),
    );

    await waitFor(() =>
      expect(screen.getByTestId('gitops-refresh-notice')).toHaveTextContent(
        'Refreshed legacy-gitops',
      ),
    );
    expect(api.refreshRepository).toHaveBeenCalledWith('legacy-gitops');
    expect(
      screen.getByTestId('gitops-repository-legacy-gitops'),
    ).toHaveTextContent('ingested');
  });

  it('shows the error of a refresh that is not allowed', async () => {
    const api = createFakeGitopsApi();
    api.refreshRepository.mockRejectedValue(
      Object.assign(
        new Error(
          'Request failed with 403 Forbidden, not allowed to refresh repositories',
        ),
        { name: 'NotAllowedError' },
      ),
    );
    await render(api);
    const row = await screen.findByTestId('gitops-repository-platform-gitops');

    fireEvent.click(within(row).getByRole('button', { name: /Refresh/ }));

    await waitFor(() =>
      expect(screen.getByTestId('gitops-refresh-notice')).toHaveTextContent(
        'Could not refresh platform-gitops: Request failed with 403 Forbidden, not allowed to refresh repositories',
      ),
    );
    expect(within(row).getByRole('button', { name: /Refresh/ })).toBeEnabled();
  });

  it('shows the error of the API', async () => {
    const api = createFakeGitopsApi();
    api.getRepositories.mockRejectedValue(new Error('backend unavailable'));
    await render(api);
    expect(
      (await screen.findAllByText(/backend unavailable/)).length,
    ).toBeGreaterThan(0);
  });

  it('says so when no repository is configured', async () => {
    const api = createFakeGitopsApi();
    api.getRepositories.mockResolvedValue({ items: [] });
    await render(api);
    expect(
      await screen.findByText('No GitOps repositories'),
    ).toBeInTheDocument();
  });

  it('has an overview tab with the recent deployments, and a feature tracker tab', async () => {
    const api = createFakeGitopsApi();
    await render(api);
    expect(
      (await screen.findAllByTestId('gitops-recent-row')).length,
    ).toBeGreaterThan(0);
    const tab = screen.getByRole('tab', { name: 'Feature tracker' });
    expect(api.lookupFeature).not.toHaveBeenCalled();

    fireEvent.click(tab);
    search('#142');
    expect(
      await screen.findByTestId('gitops-feature-service-guestbook-ui'),
    ).toBeInTheDocument();
    expect(api.lookupFeature).toHaveBeenCalledWith('#142');
  });

  it('opens the feature tracker at /features with the search of the URL', async () => {
    const api = createFakeGitopsApi();
    await render(api, '/features?q=SAAS-1543');
    expect(
      await screen.findByTestId('gitops-feature-service-guestbook-ui'),
    ).toBeInTheDocument();
    expect(api.lookupFeature).toHaveBeenCalledWith('SAAS-1543');
    expect(api.getRepositories).not.toHaveBeenCalled();
  });

  it('has an approval inbox tab at /approvals', async () => {
    const api = createFakeGitopsApi();
    await render(api, '/approvals');
    expect(await screen.findAllByTestId('gitops-inbox-row')).toHaveLength(2);
    expect(api.getApprovalInbox).toHaveBeenCalled();
    expect(screen.getByRole('tab', { name: 'Approvals' })).toBeInTheDocument();
  });
});

function search(q: string) {
  fireEvent.change(screen.getByTestId('gitops-feature-search'), {
    target: { value: q },
  });
  fireEvent.click(screen.getByRole('button', { name: 'Search' }));
}
