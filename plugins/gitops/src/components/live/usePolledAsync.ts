import { DependencyList, useEffect, useState } from 'react';
import {
  RefreshableAsyncState,
  useRefreshableAsync,
} from '../shared/useRefreshableAsync';

/** How often live views ask our backend again (never a cluster). */
export const LIVE_POLL_INTERVAL_MS = 5000;

function isVisible(): boolean {
  return (
    typeof document === 'undefined' || document.visibilityState !== 'hidden'
  );
}

/**
 * `useRefreshableAsync`, refetched every `intervalMs` while the page is
 * visible (`document.visibilityState`) and `enabled`, and at once when it
 * becomes visible again. The last value stays on screen during a refetch,
 * and when a refetch fails (`error` is set then).
 */
export function usePolledAsync<T>(
  fn: () => Promise<T>,
  identity: string,
  deps: DependencyList,
  intervalMs: number = LIVE_POLL_INTERVAL_MS,
  enabled: boolean = true,
): RefreshableAsyncState<T> {
  const [tick, setTick] = useState(0);

  useEffect(() => {
    if (!enabled) return undefined;
    let timer: ReturnType<typeof setInterval> | undefined;
    const start = () => {
      if (timer === undefined) {
        timer = setInterval(() => setTick(t => t + 1), intervalMs);
      }
    };
    const stop = () => {
      if (timer !== undefined) clearInterval(timer);
      timer = undefined;
    };
    const onVisibility = () => {
      if (isVisible()) {
        setTick(t => t + 1);
        start();
      } else {
        stop();
      }
    };
    if (isVisible()) start();
    document.addEventListener('visibilitychange', onVisibility);
    return () => {
      stop();
      document.removeEventListener('visibilitychange', onVisibility);
    };
  }, [intervalMs, enabled]);

  return useRefreshableAsync(fn, identity, [...deps, tick]);
}
