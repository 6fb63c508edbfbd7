import { mockCredentials, mockServices } from '@backstage/backend-test-utils';
import { actionsRegistryServiceMock } from '@backstage/backend-test-utils/alpha';
import type { Entity } from '@backstage/catalog-model';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import type { FeatureServicePresence } from '@gitops2/plugin-gitops-common';
import { ActionAccess } from './ActionAccess';
import { closestNames, editDistance } from './closestNames';
import { registerLookupFeatureAction } from './lookupFeatureAction';
import { PortalLinks } from './portalLinks';

const entity = (name: string): Entity => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: {
    name,
    namespace: 'default',
    annotations: { 'gitops2.io/gitops-repo': 'shop' },
  },
});

const presence = (service: string, shas: string[]): FeatureServicePresence => ({
  repositoryId: 'shop',
  service,
  commits: shas.map(sha => ({
    sha,
    subject: `change ${sha.slice(0, 4)}`,
    authorName: 'A',
    committedAt: '2026-11-01T00:00:00.000Z',
    pullRequests: [],
    issueKeys: [],
  })),
  environments: [],
  dwell: [],
});

/** The feature lookup's ambiguity answers, on a ledger the test makes up. */
describe('lookup-feature ambiguity', () => {
  function setup(services: FeatureServicePresence[], hidden: string[] = []) {
    const registry = actionsRegistryServiceMock();
    const catalog = catalogServiceMock({
      entities: ['cart', 'checkout', 'ledger']
        .filter(n => !hidden.includes(n))
        .map(entity),
    });
    registerLookupFeatureAction(registry, {
      access: new ActionAccess({
        permissions: mockServices.permissions(),
        catalog,
        service: {
          resolveEntity: e => ({
            repo: { id: 'shop' } as any,
            service: e.metadata.name,
          }),
        },
      }),
      links: new PortalLinks('https://portal.example'),
      gitops: {} as any,
      correlation: {
        lookupFeature: async (q: string) => ({
          query: q,
          kind: 'commit' as const,
          services,
        }),
        featureCandidates: async () => [],
      } as any,
    });
    return (query: string) =>
      registry.invoke({
        id: 'test:lookup-feature',
        input: { query },
        credentials: mockCredentials.user(),
      });
  }

  it('a commit prefix of several commits answers with the candidates', async () => {
    const a = `abcdef1${'0'.repeat(33)}`;
    const b = `abcdef1${'1'.repeat(33)}`;
    const invoke = setup([presence('cart', [a]), presence('checkout', [b])]);
    await expect(invoke('abcdef1')).rejects.toThrow(
      'commit "abcdef1" is ambiguous: it prefixes 2 commits. Candidates: abcdef100000 (cart: change abcd), abcdef111111 (checkout: change abcd). Ask again with a longer prefix.',
    );
  });

  it('one commit in several services is one answer; a hidden service is no candidate', async () => {
    const a = `abcdef1${'0'.repeat(33)}`;
    const b = `abcdef1${'1'.repeat(33)}`;
    const one = setup([presence('cart', [a]), presence('ledger', [a])]);
    const out: any = (await one('abcdef1')).output;
    expect(out.services.map((s: any) => s.service)).toEqual(['cart', 'ledger']);
    const hidden = setup(
      [presence('cart', [a]), presence('checkout', [b])],
      ['checkout'],
    );
    const visible: any = (await hidden('abcdef1')).output;
    expect(visible.services.map((s: any) => s.service)).toEqual(['cart']);
  });
});

describe('closestNames', () => {
  it('ranks by edit distance, names containing the wanted one first', () => {
    expect(editDistance('guestbok-api', 'guestbook-api')).toBe(1);
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(
      closestNames('guestbok-api', [
        'guestbook-worker',
        'guestbook-ui',
        'guestbook-api',
      ]),
    ).toEqual(['guestbook-api', 'guestbook-ui', 'guestbook-worker']);
    expect(closestNames('ui', ['payments', 'guestbook-ui'], 1)).toEqual([
      'guestbook-ui',
    ]);
  });
});
