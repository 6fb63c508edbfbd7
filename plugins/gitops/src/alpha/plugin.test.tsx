import { screen } from '@testing-library/react';
import {
  createExtensionTester,
  renderTestApp,
} from '@backstage/frontend-test-utils';
import { coreExtensionData } from '@backstage/frontend-plugin-api';
import {
  EntityCardBlueprint,
  EntityContentBlueprint,
} from '@backstage/plugin-catalog-react/alpha';
import { gitopsApiRef } from '../api';
import {
  createFakeGitopsApi,
  entity,
  entityWithoutAnnotation,
} from '../__testUtils__/fixtures';
import defaultExport, {
  gitopsApprovalsSubPage,
  gitopsDashboardSubPage,
  gitopsEntityCard,
  gitopsEntityContent,
  gitopsFeaturesSubPage,
  gitopsOverviewSubPage,
  gitopsPage,
  gitopsPlugin,
} from './index';

describe('gitops alpha plugin', () => {
  it('is the default export and has the expected extensions', () => {
    expect(defaultExport).toBe(gitopsPlugin);
    expect(gitopsPlugin.pluginId).toBe('gitops');
    expect(gitopsPlugin.title).toBe('GitOps');
    expect(gitopsPlugin.getExtension('api:gitops')).toBeDefined();
    expect(gitopsPlugin.getExtension('entity-content:gitops')).toBeDefined();
    expect(
      gitopsPlugin.getExtension('entity-card:gitops/overview'),
    ).toBeDefined();
    expect(gitopsPlugin.getExtension('page:gitops')).toBeDefined();
    expect(gitopsPlugin.getExtension('sub-page:gitops/overview')).toBeDefined();
    expect(gitopsPlugin.getExtension('sub-page:gitops/features')).toBeDefined();
    expect(
      gitopsPlugin.getExtension('sub-page:gitops/approvals'),
    ).toBeDefined();
  });

  it('mounts the GitOps tab at gitops, for entities with a GitOps repository', () => {
    const tester = createExtensionTester(gitopsEntityContent);
    expect(tester.get(coreExtensionData.routePath)).toBe('gitops');
    expect(tester.get(EntityContentBlueprint.dataRefs.title)).toBe('GitOps');
    const filter = tester.get(EntityContentBlueprint.dataRefs.filterFunction);
    expect(filter?.(entity)).toBe(true);
    expect(filter?.(entityWithoutAnnotation)).toBe(false);
  });

  it('shows the overview card only for entities with a GitOps repository', () => {
    const tester = createExtensionTester(gitopsEntityCard);
    const filter = tester.get(EntityCardBlueprint.dataRefs.filterFunction);
    expect(filter?.(entity)).toBe(true);
    expect(filter?.(entityWithoutAnnotation)).toBe(false);
  });

  const pages = [
    gitopsPage,
    gitopsOverviewSubPage,
    gitopsFeaturesSubPage,
    gitopsApprovalsSubPage,
  ];

  it('renders the overview tab at /gitops/overview', async () => {
    const api = createFakeGitopsApi();
    renderTestApp({
      extensions: pages,
      apis: [[gitopsApiRef, api]],
      initialRouteEntries: ['/gitops/overview'],
    });
    expect(
      await screen.findByTestId('gitops-repository-platform-gitops'),
    ).toBeInTheDocument();
    expect(api.getRepositories).toHaveBeenCalled();
    expect(
      (await screen.findAllByTestId('gitops-recent-row')).length,
    ).toBeGreaterThan(0);
    expect(
      screen.getByRole('tab', { name: 'Feature tracker' }),
    ).toBeInTheDocument();
    expect(api.lookupFeature).not.toHaveBeenCalled();
  });

  it('renders the feature tracker at /gitops/features, with the search from the URL', async () => {
    const api = createFakeGitopsApi();
    renderTestApp({
      extensions: pages,
      apis: [[gitopsApiRef, api]],
      initialRouteEntries: ['/gitops/features?q=SAAS-1543'],
    });
    expect(
      await screen.findByTestId('gitops-feature-service-guestbook-ui'),
    ).toBeInTheDocument();
    expect(screen.getByTestId('gitops-feature-search')).toHaveValue(
      'SAAS-1543',
    );
    expect(api.lookupFeature).toHaveBeenCalledWith('SAAS-1543');
    expect(api.getRepositories).not.toHaveBeenCalled();
  });

  it('renders the approval inbox at /gitops/approvals', async () => {
    const api = createFakeGitopsApi();
    renderTestApp({
      extensions: pages,
      apis: [[gitopsApiRef, api]],
      initialRouteEntries: ['/gitops/approvals'],
    });
    expect(await screen.findAllByTestId('gitops-inbox-row')).toHaveLength(2);
    expect(screen.getByRole('tab', { name: 'Approvals' })).toBeInTheDocument();
    expect(api.getRepositories).not.toHaveBeenCalled();
  });

  it('leads /gitops to the dashboard, its first tab', async () => {
    expect(
      gitopsPlugin.getExtension('sub-page:gitops/dashboard'),
    ).toBeDefined();
    const api = createFakeGitopsApi();
    renderTestApp({
      extensions: [gitopsPage, gitopsDashboardSubPage, ...pages.slice(1)],
      apis: [[gitopsApiRef, api]],
      initialRouteEntries: ['/gitops'],
    });
    expect(
      await screen.findByTestId('gitops-dashboard-env-staging'),
    ).toBeInTheDocument();
    expect(screen.getAllByRole('tab')[0]).toHaveTextContent('Dashboard');
  });

  it('renders the dashboard at /gitops/dashboard', async () => {
    const api = createFakeGitopsApi();
    renderTestApp({
      extensions: [gitopsPage, gitopsDashboardSubPage, ...pages.slice(1)],
      apis: [[gitopsApiRef, api]],
      initialRouteEntries: ['/gitops/dashboard'],
    });
    expect(
      await screen.findByTestId('gitops-dashboard-matrix'),
    ).toBeInTheDocument();
    expect(api.getDashboard).toHaveBeenCalledWith('platform-gitops');
  });
});
