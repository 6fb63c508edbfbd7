import { changeBranch, parseChangeBranch } from './changeBranches';

const LONG = `e${'x'.repeat(61)}e`; // 63 characters, the longest name

describe('environment change branches', () => {
  it('names every change so that no two different changes share a branch', () => {
    const names = [
      changeBranch({ kind: 'retire', environment: 'prod', service: 'eu-cart' }),
      changeBranch({ kind: 'retire', environment: 'prod-eu', service: 'cart' }),
      changeBranch({ kind: 'retire', environment: 'prod-eu-cart' }),
      changeBranch({ kind: 'service', service: 'Cart' }),
      changeBranch({ kind: 'service', service: 'cart' }),
      changeBranch({ kind: 'environment', environment: 'cart' }),
    ];
    expect(new Set(names).size).toBe(names.length);
  });

  it('reads back what every branch it names is about, the longest names included', () => {
    for (const change of [
      { kind: 'environment', environment: LONG },
      { kind: 'retire', environment: LONG },
      { kind: 'retire', environment: LONG, service: LONG },
      { kind: 'retire', environment: 'prod.eu_1', service: 'Cart.v2' },
      { kind: 'service', service: 'Search_API' },
    ] as const)
      expect(parseChangeBranch(changeBranch(change))).toEqual(change);
  });

  it('reads nothing into a branch it did not name', () => {
    for (const branch of [
      'main',
      'gitops/promotion-12',
      'gitops/environment-',
      'gitops/retire-a@',
      'gitops/retire-a@b@c',
      'gitops/service-a@b',
      'gitops/environment-a/b',
      `gitops/environment-${LONG}x`,
    ])
      expect(parseChangeBranch(branch)).toBeUndefined();
  });
});
