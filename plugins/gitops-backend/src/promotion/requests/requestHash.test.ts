import { requestHashOf } from './requestHash';

describe('requestHashOf', () => {
  const base = {
    kind: 'promotion' as const,
    repositoryId: 'demo',
    service: 'cart',
    body: { sourceEnvironment: 'dev', environments: ['prod-us', 'prod-eu'] },
  };

  it('is the same for the same request with its environments in another order', () => {
    expect(requestHashOf(base)).toBe(
      requestHashOf({
        ...base,
        body: { ...base.body, environments: ['prod-eu', 'prod-us'] },
      }),
    );
  });

  it('differs when the request names another catalog entity (an idempotency key replayed for another entity is refused)', () => {
    expect(
      requestHashOf({ ...base, entityRef: 'component:default/cart' }),
    ).not.toBe(
      requestHashOf({ ...base, entityRef: 'component:default/cart-eu' }),
    );
    expect(requestHashOf(base)).not.toBe(
      requestHashOf({ ...base, entityRef: 'component:default/cart' }),
    );
  });
});
