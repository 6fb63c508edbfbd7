import { KustomizeImageLocator } from './KustomizeImageLocator';
import {
  createDefaultLocatorRegistry,
  VersionLocatorRegistry,
} from './VersionLocatorRegistry';

describe('VersionLocatorRegistry', () => {
  it('holds the four built-in locators', () => {
    const registry = createDefaultLocatorRegistry();
    expect(registry.types()).toEqual([
      'argocd-application',
      'container-image',
      'helm-values',
      'kustomize-image',
    ]);
    for (const type of registry.types())
      expect(registry.get(type)?.type).toBe(type);
    expect(registry.get('kustomise-image')).toBeUndefined();
  });

  it('refuses two locators of the same type', () => {
    const registry = new VersionLocatorRegistry().register(
      new KustomizeImageLocator(),
    );
    expect(() => registry.register(new KustomizeImageLocator())).toThrow(
      'a version locator of type "kustomize-image" is already registered',
    );
  });
});
