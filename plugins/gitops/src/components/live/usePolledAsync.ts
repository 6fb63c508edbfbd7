import { DependencyList, useEffect, useState } from 'react';
import {
  RefreshableAsyncState,
  useRefreshableAsync,
} from '../shared/useRefreshableAsync';
import {
  GitopsChangeFilter,
  pollInterval,
  useGitopsChanges,
} from '../../api/useGitopsChanges';

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
 * and when a refetch fails (`error` is set then). With `changes`, it is
 * also refetched when the backend signals a matching change, and while
 * signals are available polling slows to SIGNALS_FALLBACK_POLL_MS.
 */
export function usePolledAsync<T>(
  fn: () => Promise<T>,
  identity: string,
  deps: DependencyList,
  intervalMs: number = LIVE_POLL_INTERVAL_MS,
  enabled: boolean = true,
  changes?: GitopsChangeFilter,
): RefreshableAsyncState<T> {
  const [tick, setTick] = useState(0);
  const { connected } = useGitopsChanges(enabled ? changes : undefined, () => {
    if (isVisible()) setTick(t => t + 1);
  });
  const every = pollInterval(intervalMs, Boolean(changes) && connected);

  useEffect(() => {
    if (!enabled) return undefined;
    let timer: ReturnType<typeof setInterval> | undefined;
    const start = () => {
      if (timer === undefined) {
        timer = setInterval(() => setTick(t => t + 1), every);
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
  }, [every, enabled]);

  return useRefreshableAsync(fn, identity, [...deps, tick]);
}
