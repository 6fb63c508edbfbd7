import { DependencyList, useState } from 'react';
import {
  RefreshableAsyncState,
  useRefreshableAsync,
} from '../shared/useRefreshableAsync';
import { GitopsChangeFilter } from '../../api/useGitopsChanges';
import { useLiveRefresh } from '../../api/useLiveRefresh';

/**
 * `useRefreshableAsync`, refetched by the live views' one rule
 * (`useLiveRefresh`): on the backend's change signals matching `changes`,
 * and every `intervalMs` (default FALLBACK_POLL_MS, 60 s) while the page's
 * live updates are not connected or the view has no `changes`; only while
 * `enabled` and the page is visible. The last value stays on screen during
 * a refetch, and when a refetch fails (`error` is set then).
 */
export function usePolledAsync<T>(
  fn: () => Promise<T>,
  identity: string,
  deps: DependencyList,
  intervalMs?: number,
  enabled: boolean = true,
  changes?: GitopsChangeFilter,
): RefreshableAsyncState<T> {
  const [tick, setTick] = useState(0);
  useLiveRefresh(changes, () => setTick(t => t + 1), { enabled, intervalMs });
  return useRefreshableAsync(fn, identity, [...deps, tick]);
}
