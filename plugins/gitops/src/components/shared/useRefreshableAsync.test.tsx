import { act, renderHook } from '@testing-library/react';
import { useRefreshableAsync } from './useRefreshableAsync';

/** A request the test answers by hand. */
function deferred<T>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>(r => {
    resolve = r;
  });
  return { promise, resolve };
}

/** The hook of one identity, refetched on each `tick`; each request answered by hand. */
function renderRefetched() {
  const requests: Array<ReturnType<typeof deferred<string>>> = [];
  const hook = renderHook(
    ({ identity, tick }: { identity: string; tick: number }) =>
      useRefreshableAsync(
        () => {
          const d = deferred<string>();
          requests.push(d);
          return d.promise;
        },
        identity,
        [tick],
      ),
    { initialProps: { identity: 'service-a', tick: 0 } },
  );
  return { requests, ...hook };
}

describe('useRefreshableAsync', () => {
  it('shows the answer of a refetch that a newer one superseded while that newer one is still running', async () => {
    const { requests, result, rerender } = renderRefetched();
    await act(async () => requests[0].resolve('v1'));
    expect(result.current).toMatchObject({ loading: false, value: 'v1' });

    // A change signal, then another one before the first refetch answers
    // (a push's rollouts, then its outcome 200 ms later).
    rerender({ identity: 'service-a', tick: 1 });
    rerender({ identity: 'service-a', tick: 2 });
    expect(requests).toHaveLength(3);
    await act(async () => requests[1].resolve('v2'));
    // The new version is on screen now, not only once the last one answers.
    expect(result.current).toMatchObject({ loading: true, value: 'v2' });
    await act(async () => requests[2].resolve('v3'));
    expect(result.current).toMatchObject({ loading: false, value: 'v3' });
  });

  it('never replaces a newer answer with an older one that arrives late', async () => {
    const { requests, result, rerender } = renderRefetched();
    rerender({ identity: 'service-a', tick: 1 });
    await act(async () => requests[1].resolve('new'));
    expect(result.current).toMatchObject({ loading: false, value: 'new' });
    await act(async () => requests[0].resolve('old'));
    expect(result.current).toMatchObject({ loading: false, value: 'new' });
  });

  it("drops another entity's answers once the identity changed", async () => {
    const { requests, result, rerender } = renderRefetched();
    rerender({ identity: 'service-b', tick: 0 });
    await act(async () => requests[0].resolve('of a'));
    expect(result.current).toEqual({ loading: true });
    await act(async () => requests[1].resolve('of b'));
    expect(result.current).toMatchObject({ loading: false, value: 'of b' });
  });
});
