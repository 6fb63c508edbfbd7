import { act, renderHook } from '@testing-library/react';
import { useRollouts } from './useRollouts';

function controlledApi() {
  const pending: Array<(page: any) => void> = [];
  const api = {
    getRollouts: jest.fn(
      () =>
        new Promise(resolve => {
          pending.push(resolve);
        }),
    ),
  } as any;
  const page = (version: string) => ({
    items: [{ id: version, version }],
    totalCount: 1,
  });
  return { api, pending, page };
}

const entity = { kind: 'component', namespace: 'default', name: 'cart' };

describe('useRollouts', () => {
  it('shows a refetch as soon as it answers while a newer refetch is still running, and never goes back to an older answer', async () => {
    const { api, pending, page } = controlledApi();
    const { result, rerender } = renderHook(
      ({ key }) => useRollouts(api, entity, undefined, key),
      { initialProps: { key: 0 } },
    );
    await act(async () => pending[0](page('v1')));
    expect(result.current.items.map(r => r.id)).toEqual(['v1']);
    rerender({ key: 1 });
    rerender({ key: 2 });
    expect(pending).toHaveLength(3);
    // The first refetch answers while the second still runs: shown.
    await act(async () => pending[1](page('v2')));
    expect(result.current.items.map(r => r.id)).toEqual(['v2']);
    await act(async () => pending[2](page('v3')));
    expect(result.current.items.map(r => r.id)).toEqual(['v3']);
  });

  it('drops an older refetch that answers after a newer one, and answers of another environment', async () => {
    const { api, pending, page } = controlledApi();
    const { result, rerender } = renderHook(
      ({ key, env }: { key: number; env?: string }) =>
        useRollouts(api, entity, env, key),
      { initialProps: { key: 0 } as { key: number; env?: string } },
    );
    rerender({ key: 1 });
    await act(async () => pending[1](page('new')));
    await act(async () => pending[0](page('old')));
    expect(result.current.items.map(r => r.id)).toEqual(['new']);
    rerender({ key: 2 });
    rerender({ key: 2, env: 'prod' });
    expect(pending).toHaveLength(4);
    await act(async () => pending[2](page('unfiltered')));
    expect(result.current.items).toEqual([]);
    await act(async () => pending[3](page('prod-only')));
    expect(result.current.items.map(r => r.id)).toEqual(['prod-only']);
  });
});
