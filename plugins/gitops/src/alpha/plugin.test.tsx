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
  gitopsEntityCard,
  gitopsEntityContent,
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

  it('renders the GitOps page at /gitops', async () => {
    const api = createFakeGitopsApi();
    renderTestApp({
      extensions: [gitopsPage],
      apis: [[gitopsApiRef, api]],
      initialRouteEntries: ['/gitops'],
    });
    expect(
      await screen.findByTestId('gitops-repository-platform-gitops'),
    ).toBeInTheDocument();
    expect(api.getRepositories).toHaveBeenCalled();
  });
});
