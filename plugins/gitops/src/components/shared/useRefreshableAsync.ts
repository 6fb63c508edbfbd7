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
 * (another entity), the last value is dropped, and so are the answers of
 * its requests. Within one identity, an answer is shown when it is newer
 * than what is on screen, also while a later refetch runs: change signals
 * that follow each other faster than a request answers (a push's rollouts,
 * then its outcome) never keep the new data off screen; an older answer
 * that arrives late never replaces a newer one.
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
  /** The newest request whose answer is on screen. */
  const shown = useRef(0);
  /** The first request of the current identity. */
  const identityStart = useRef(1);
  const lastIdentity = useRef(identity);

  useEffect(() => {
    const current = ++generation.current;
    const same = lastIdentity.current === identity;
    lastIdentity.current = identity;
    if (!same) identityStart.current = current;
    setState(s => (same ? { ...s, loading: true } : { loading: true }));
    const answered = (
      next: (s: RefreshableAsyncState<T>) => RefreshableAsyncState<T>,
    ) => {
      if (current < identityStart.current || current <= shown.current) return;
      shown.current = current;
      const latest = current === generation.current;
      setState(s => ({ ...next(s), loading: !latest }));
    };
    fn().then(
      value => answered(() => ({ loading: false, value })),
      error => answered(s => ({ loading: false, error, value: s.value })),
    );
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [identity, ...deps]);

  return state;
}
