import {
  EntityGitopsContent,
  EntityGitopsOverviewCard,
  GitopsPage,
  gitopsApiRef,
  gitopsPlugin,
  isGitopsAvailable,
  rootRouteRef,
} from './index';
import { entity, entityWithoutAnnotation } from './__testUtils__/fixtures';

describe('gitops legacy plugin', () => {
  it('exports the plugin, its extensions and the API ref', () => {
    expect(gitopsPlugin.getId()).toBe('gitops');
    expect(gitopsPlugin.routes.root).toBe(rootRouteRef);
    expect(gitopsApiRef.id).toBe('plugin.gitops.api');
    expect([...gitopsPlugin.getApis()].map(factory => factory.api.id)).toEqual([
      'plugin.gitops.api',
    ]);
    expect(EntityGitopsContent).toBeDefined();
    expect(EntityGitopsOverviewCard).toBeDefined();
    expect(GitopsPage).toBeDefined();
  });

  it('re-exports isGitopsAvailable', () => {
    expect(isGitopsAvailable(entity)).toBe(true);
    expect(isGitopsAvailable(entityWithoutAnnotation)).toBe(false);
  });
});
