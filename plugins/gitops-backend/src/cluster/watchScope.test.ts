import { listPageUrl, namespacedPath } from './watchScope';

describe('watchScope', () => {
  it('puts the namespace before the resource, for core and grouped kinds', () => {
    expect(namespacedPath('/api/v1/pods', 'shop')).toBe(
      '/api/v1/namespaces/shop/pods',
    );
    expect(namespacedPath('/apis/apps/v1/deployments', 'shop')).toBe(
      '/apis/apps/v1/namespaces/shop/deployments',
    );
    expect(namespacedPath('/apis/apps/v1/deployments')).toBe(
      '/apis/apps/v1/deployments',
    );
  });

  it('asks for pages of 500 by default, with the continue token and the label selector', () => {
    expect(listPageUrl('/api/v1/pods', {})).toBe('/api/v1/pods?limit=500');
    const url = new URL(
      `http://x${listPageUrl(
        '/api/v1/pods',
        { pageSize: 50, labelSelector: 'app in (a,b)' },
        'tok=/+',
      )}`,
    );
    expect(Object.fromEntries(url.searchParams)).toEqual({
      limit: '50',
      continue: 'tok=/+',
      labelSelector: 'app in (a,b)',
    });
  });
});
