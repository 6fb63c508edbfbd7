import {
  githubSourceId,
  parseGithubSourceId,
  SourceRepositoryResolver,
  sourceRepositoryIdOf,
} from './sourceRepositories';
import type { SourceRepository } from './types';

const entity = (annotations: Record<string, string>) => ({
  metadata: { name: 'cart', annotations },
});

describe('GitHub source repositories on github.com and GitHub Enterprise Server', () => {
  it('names a project slug on github.com by owner/name, and on the host of backstage.io/source-location otherwise', () => {
    expect(
      sourceRepositoryIdOf(entity({ 'github.com/project-slug': 'acme/cart' })),
    ).toBe('github:acme/cart');
    expect(
      sourceRepositoryIdOf(
        entity({
          'github.com/project-slug': 'acme/cart',
          'backstage.io/source-location':
            'url:https://github.com/acme/cart/tree/main/',
        }),
      ),
    ).toBe('github:acme/cart');
    expect(
      sourceRepositoryIdOf(
        entity({
          'github.com/project-slug': 'acme/cart',
          'backstage.io/source-location':
            'url:https://GHE.example.com/acme/cart/tree/main/',
        }),
      ),
    ).toBe('github:ghe.example.com/acme/cart');
    // An unreadable location is not a host.
    expect(
      sourceRepositoryIdOf(
        entity({
          'github.com/project-slug': 'acme/cart',
          'backstage.io/source-location': 'url:not a url',
        }),
      ),
    ).toBe('github:acme/cart');
  });

  it('reads the ids back, and refuses what is not a host and owner/name', () => {
    expect(
      parseGithubSourceId(githubSourceId('github.com', 'acme/cart')),
    ).toEqual({
      host: 'github.com',
      owner: 'acme',
      name: 'cart',
      slug: 'acme/cart',
    });
    expect(
      parseGithubSourceId(githubSourceId('ghe.example.com:8443', 'acme/cart')),
    ).toEqual({
      host: 'ghe.example.com:8443',
      owner: 'acme',
      name: 'cart',
      slug: 'acme/cart',
    });
    for (const bad of [
      'github:acme',
      'github:a/b/c/d',
      'github:bad host/acme/cart',
      'github:ghe.example.com/acme/ca rt',
      'demo:cart',
    ]) {
      expect(parseGithubSourceId(bad)).toBeUndefined();
    }
  });

  it('opens a GitHub Enterprise source repository on its host', () => {
    const opened: string[] = [];
    const resolver = new SourceRepositoryResolver([], '/', (slug, host) => {
      opened.push(`${host} ${slug}`);
      return { id: githubSourceId(host, slug) } as SourceRepository;
    });
    const ghe = resolver.resolve('github:ghe.example.com/acme/cart');
    const dotcom = resolver.resolve('github:acme/cart');
    expect([ghe.ok, dotcom.ok]).toEqual([true, true]);
    expect(opened).toEqual([
      'ghe.example.com acme/cart',
      'github.com acme/cart',
    ]);
    expect(resolver.resolve('github:ghe.example.com/acme')).toMatchObject({
      ok: false,
      message: expect.stringContaining('is not a GitHub owner/name'),
    });
  });
});
