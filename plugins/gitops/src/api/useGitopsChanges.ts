import { useEffect, useRef } from 'react';
import { useApiHolder } from '@backstage/core-plugin-api';
import { signalApiRef } from '@backstage/plugin-signals-react';
import {
  GITOPS_SIGNAL_CHANNEL,
  GitopsChangeSignal,
} from '@gitops2/plugin-gitops-common';

/** While signals are connected, polling only runs this often (a fallback). */
export const SIGNALS_FALLBACK_POLL_MS = 60_000;

/** Cross-service views refetch at most this often on change signals. */
export const CROSS_SERVICE_THROTTLE_MS = 2000;

/**
 * Which changes a view shows. `keys`: the opaque change keys the API gave
 * the view (`changeKey`, `repositoryChangeKey` of a service's status);
 * left out, any key matches (cross-service views, whose data the API
 * filters by permission). `kinds` left out: every kind. `throttleMs`:
 * `onChange` runs at most once per this many milliseconds (after the first
 * signal of a burst).
 */
export interface GitopsChangeFilter {
  keys?: string[];
  kinds?: GitopsChangeSignal['kind'][];
  throttleMs?: number;
}

/** True when a change signal concerns a view. */
export function matchesChange(
  filter: GitopsChangeFilter,
  signal: Partial<GitopsChangeSignal> | null | undefined,
): boolean {
  if (!signal || typeof signal.key !== 'string') return false;
  if (filter.keys && !filter.keys.includes(signal.key)) return false;
  if (filter.kinds && !filter.kinds.includes(signal.kind as any)) return false;
  return true;
}

/** The change keys of a service's status, once the API gave them. */
export function changeKeysOf(
  status: { changeKey?: string; repositoryChangeKey?: string } | undefined,
): string[] | undefined {
  const keys = [status?.changeKey, status?.repositoryChangeKey].filter(
    (k): k is string => typeof k === 'string' && k.length > 0,
  );
  return keys.length ? keys : undefined;
}

/** The polling interval to use: `intervalMs`, or the fallback with signals. */
export function pollInterval(intervalMs: number, connected: boolean): number {
  return connected
    ? Math.max(intervalMs, SIGNALS_FALLBACK_POLL_MS)
    : intervalMs;
}

/**
 * Calls `onChange` when the backend signals a change that matches `filter`
 * (channel `gitops:changes`); `filter` undefined: not subscribed (e.g. the
 * view does not know its change keys yet). Returns whether signals are
 * available in this app: views then poll only as a slow fallback.
 */
export function useGitopsChanges(
  filter: GitopsChangeFilter | undefined,
  onChange: () => void,
): { connected: boolean } {
  const signals = useApiHolder().get(signalApiRef);
  const callback = useRef(onChange);
  callback.current = onChange;
  const key = filter
    ? JSON.stringify([filter.keys, filter.kinds, filter.throttleMs])
    : undefined;
  useEffect(() => {
    if (!signals || key === undefined) return undefined;
    const [keys, kinds, throttleMs] = JSON.parse(key);
    const current: GitopsChangeFilter = {
      keys: keys ?? undefined,
      kinds: kinds ?? undefined,
    };
    let timer: ReturnType<typeof setTimeout> | undefined;
    const { unsubscribe } = signals.subscribe<any>(
      GITOPS_SIGNAL_CHANNEL,
      message => {
        if (!matchesChange(current, message)) return;
        if (!throttleMs) {
          callback.current();
        } else if (timer === undefined) {
          timer = setTimeout(() => {
            timer = undefined;
            callback.current();
          }, throttleMs);
        }
      },
    );
    return () => {
      if (timer !== undefined) clearTimeout(timer);
      unsubscribe();
    };
  }, [signals, key]);
  return { connected: Boolean(signals) };
}
