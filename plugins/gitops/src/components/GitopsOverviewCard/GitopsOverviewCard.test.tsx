import { screen, within } from '@testing-library/react';
import { TestApiProvider, renderInTestApp } from '@backstage/test-utils';
import {
  EntityProvider,
  entityRouteRef,
} from '@backstage/plugin-catalog-react';
import type { Entity } from '@backstage/catalog-model';
import { gitopsApiRef } from '../../api';
import {
  MockGitopsApi,
  createFakeGitopsApi,
  entity,
  entityWithoutAnnotation,
  makeStatus,
  stagingError,
} from '../../__testUtils__/fixtures';
import { GitopsOverviewCard } from './GitopsOverviewCard';

function render(api: MockGitopsApi, subject: Entity = entity) {
  return renderInTestApp(
    <TestApiProvider apis={[[gitopsApiRef, api]]}>
      <EntityProvider entity={subject}>
        <GitopsOverviewCard />
      </EntityProvider>
    </TestApiProvider>,
    { mountedRoutes: { '/catalog/:namespace/:kind/:name': entityRouteRef } },
  );
}

describe('GitopsOverviewCard', () => {
  it('lists each environment in pipeline order with its version and age', async () => {
    const api = createFakeGitopsApi();
    await render(api);

    expect(await screen.findByText('GitOps')).toBeInTheDocument();
    const rows = await screen.findAllByTestId(/^gitops-overview-env-/);
    expect(rows.map(r => r.getAttribute('data-testid'))).toEqual([
      'gitops-overview-env-dev',
      'gitops-overview-env-qa',
      'gitops-overview-env-staging',
      'gitops-overview-env-prod-us',
      'gitops-overview-env-prod-eu',
    ]);
    const dev = screen.getByTestId('gitops-overview-env-dev');
    expect(dev).toHaveTextContent('1.5.0-rc.2');
    expect(dev).toHaveTextContent('2 hours ago');
    expect(screen.getByTestId('gitops-overview-env-prod-eu')).toHaveTextContent(
      '1.4.1',
    );
  });

  it('marks a broken environment with an error icon', async () => {
    const api = createFakeGitopsApi();
    await render(api);

    const staging = await screen.findByTestId('gitops-overview-env-staging');
    expect(
      within(staging).getByTestId('gitops-env-error-icon'),
    ).toBeInTheDocument();
    expect(staging).toHaveTextContent(
      `${stagingError.file}:7: ${stagingError.message}`,
    );
    expect(screen.getAllByTestId('gitops-env-error-icon')).toHaveLength(1);
  });

  it('shows each environment on one line: name, version and age side by side, long values cut with their full text on hover', async () => {
    const api = createFakeGitopsApi();
    await render(api);
    const dev = await screen.findByTestId('gitops-overview-env-dev');
    // One row element holds name, version and age (no second line below).
    expect(dev.tagName).toBe('LI');
    expect(within(dev).getByTitle('dev')).toHaveTextContent('dev');
    expect(within(dev).getByTitle('1.5.0-rc.2')).toHaveTextContent(
      '1.5.0-rc.2',
    );
    expect(dev.querySelectorAll('p')).toHaveLength(0);
  });

  it('lists the open promotions and rollbacks with their state, not the finished ones', async () => {
    const api = createFakeGitopsApi();
    await render(api);
    const actions = await screen.findAllByTestId('gitops-overview-action');
    expect(actions.map(a => a.textContent)).toEqual([
      expect.stringMatching(
        /^awaiting approvalpromote 1\.4\.2 to staging \(0 of 1 approvals\)/,
      ),
      expect.stringMatching(/^pull request openpromote 1\.5\.0-rc\.1 to qa/),
      expect.stringMatching(
        /^awaiting approvalpromote 1\.4\.2 to prod-us, prod-eu \(1 of 2 approvals\)/,
      ),
    ]);
    expect(screen.queryByText(/roll back prod-us/)).not.toBeInTheDocument();
  });

  it('still shows the environments when the actions cannot be loaded', async () => {
    const api = createFakeGitopsApi();
    api.getActions.mockRejectedValue(new Error('actions unavailable'));
    await render(api);
    expect(
      await screen.findByTestId('gitops-overview-env-prod-eu'),
    ).toHaveTextContent('1.4.1');
    expect(
      screen.queryByTestId('gitops-overview-action'),
    ).not.toBeInTheDocument();
  });

  it('says once that the service is not in the pipeline, instead of an error per environment', async () => {
    const api = createFakeGitopsApi();
    const status = makeStatus();
    api.getServiceStatus.mockResolvedValue({
      ...status,
      notInPipeline: true,
      environments: status.environments.map(e => ({
        ...e,
        desired: null,
        error: {
          message: 'service "guestbook-ui" is not listed under spec.services',
        },
      })),
    });
    await render(api);
    expect(
      await screen.findByTestId('gitops-overview-not-in-pipeline'),
    ).toHaveTextContent(
      'guestbook-ui is not in the pipeline of platform-gitops: the GitOps tab says how to add it.',
    );
    expect(screen.queryAllByTestId(/^gitops-overview-env-/)).toEqual([]);
    expect(screen.queryByText(/not listed under/)).not.toBeInTheDocument();
  });

  it('links to the GitOps tab of the entity', async () => {
    const api = createFakeGitopsApi();
    await render(api);
    const link = await screen.findByRole('link', { name: /View GitOps tab/ });
    expect(link).toHaveAttribute(
      'href',
      '/catalog/default/component/guestbook-ui/gitops',
    );
  });

  it('shows the error of the API', async () => {
    const api = createFakeGitopsApi();
    api.getServiceStatus.mockRejectedValue(new Error('backend unavailable'));
    await render(api);
    expect(
      (await screen.findAllByText(/backend unavailable/)).length,
    ).toBeGreaterThan(0);
  });

  it('shows the missing annotation state', async () => {
    const api = createFakeGitopsApi();
    await render(api, entityWithoutAnnotation);
    expect(
      (await screen.findAllByText(/gitops2\.io\/gitops-repo/)).length,
    ).toBeGreaterThan(0);
    expect(api.getServiceStatus).not.toHaveBeenCalled();
  });
});
