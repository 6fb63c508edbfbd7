import { DependencyList, useEffect, useRef, useState } from 'react';

export interface RefreshableAsyncState<T> {
  /** A request is running (the last value stays until it answers). */
  loading: boolean;
  /** The last value; kept when a refetch fails (then `error` is set too). */
  value?: T;
  error?: Error;
}

/**
 * Like react-use's useAsync, but a refetch keeps showing the last value
 * until the new one is there (so that what is open, a dialog in a card,
 * stays mounted), also when the refetch fails. When `identity` changes
 * (another entity), the last value is dropped. Answers of superseded requests are ignored.
 */
export function useRefreshableAsync<T>(
  fn: () => Promise<T>,
  identity: string,
  deps: DependencyList,
): RefreshableAsyncState<T> {
  const [state, setState] = useState<RefreshableAsyncState<T>>({
    loading: true,
  });
  const generation = useRef(0);
  const lastIdentity = useRef(identity);

  useEffect(() => {
    const current = ++generation.current;
    const same = lastIdentity.current === identity;
    lastIdentity.current = identity;
    setState(s => (same ? { ...s, loading: true } : { loading: true }));
    fn().then(
      value => {
        if (current === generation.current) setState({ loading: false, value });
      },
      error => {
        if (current === generation.current) {
          setState(s => ({ loading: false, error, value: s.value }));
        }
      },
    );
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [identity, ...deps]);

  return state;
}
