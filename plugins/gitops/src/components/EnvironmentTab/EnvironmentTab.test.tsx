import { screen, within } from '@testing-library/react';
import { TestApiProvider, renderInTestApp } from '@backstage/test-utils';
import {
  EntityProvider,
  entityRouteRef,
} from '@backstage/plugin-catalog-react';
import type { Entity } from '@backstage/catalog-model';
import { gitopsApiRef } from '../../api';
import { createFakeGitopsApi } from '../../__testUtils__/fixtures';
import { EnvironmentTab } from './EnvironmentTab';

const environment = (name: string): Entity => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Resource',
  metadata: {
    name: `platform-gitops.${name}`,
    annotations: {
      'gitops2.io/environment-repo': 'platform-gitops',
      'gitops2.io/environment': name,
    },
  },
  spec: { type: 'environment', owner: 'group:default/platform' },
});

async function render(name: string) {
  const api = createFakeGitopsApi();
  await renderInTestApp(
    <TestApiProvider apis={[[gitopsApiRef, api]]}>
      <EntityProvider entity={environment(name)}>
        <EnvironmentTab />
      </EntityProvider>
    </TestApiProvider>,
    {
      mountedRoutes: {
        '/catalog/:namespace/:kind/:name': entityRouteRef,
      },
    },
  );
  return api;
}

describe('EnvironmentTab', () => {
  it("lists every service's version, health and pending changes in the environment, from the repository's dashboard", async () => {
    const api = await render('staging');
    const ui = await screen.findByTestId(
      'gitops-environment-service-guestbook-ui',
    );
    expect(api.getDashboard).toHaveBeenCalledWith('platform-gitops');
    expect(
      within(ui).getByTestId('gitops-environment-version'),
    ).toHaveTextContent('1.4.2');
    expect(ui).toHaveTextContent('Degraded');
    expect(
      within(ui).getByTestId('gitops-environment-pending'),
    ).toHaveTextContent('up to date with qa');
    const apiRow = screen.getByTestId(
      'gitops-environment-service-guestbook-api',
    );
    expect(
      within(apiRow).getByTestId('gitops-environment-version'),
    ).toHaveTextContent('2.0.0');
    expect(
      within(apiRow).getByTestId('gitops-environment-pending'),
    ).toHaveTextContent('1 behind qa');
    // The service links to its own GitOps tab.
    expect(
      within(ui).getByRole('link', { name: 'guestbook-ui' }),
    ).toHaveAttribute('href', '/catalog/default/component/guestbook-ui/gitops');
  });

  it('shows the recent rollouts of that environment only', async () => {
    await render('dev');
    const rollouts = await screen.findByTestId('gitops-environment-rollouts');
    const rows = within(rollouts).getAllByTestId('gitops-environment-rollout');
    expect(rows).toHaveLength(5);
    expect(rows[0]).toHaveTextContent('1.5.0-rc.1 → 1.5.0-rc.2');
    expect(
      screen.getByTestId('gitops-environment-service-guestbook-ui'),
    ).toHaveTextContent('first stage: nothing to promote from');
  });

  it('says so when the environment is no longer in the pipeline', async () => {
    await render('perf');
    expect(
      await screen.findByText('perf is not in the pipeline'),
    ).toBeInTheDocument();
  });
});
