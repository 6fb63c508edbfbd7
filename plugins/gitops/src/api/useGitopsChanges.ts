import { useEffect, useRef, useState } from 'react';
import { useApiHolder } from '@backstage/core-plugin-api';
import { signalApiRef } from '@backstage/plugin-signals-react';
import { GitopsChangeSignal } from '@gitops2/plugin-gitops-common';
import { SignalsState, signalsChannelOf } from './signalsChannel';

/**
 * While the page's live updates are not connected (no signals API, or no
 * message for a while), live views refetch this often; while they are
 * connected, they do not poll (docs/configuration.md#live-updates).
 */
export const FALLBACK_POLL_MS = 60_000;

/** Cross-service views refetch at most this often on change signals. */
export const CROSS_SERVICE_THROTTLE_MS = 2000;

/**
 * A service's tab refetches at most this often on its change signals: the
 * first of a burst at once, the rest (a push makes several: new rollouts,
 * their correlation, the outcome, live status) once at the end.
 */
export const SERVICE_THROTTLE_MS = 1000;

/** The kinds of change a call of `onChange` stands for. */
export type ChangeKinds = ReadonlySet<GitopsChangeSignal['kind']>;

/**
 * Which changes a view shows. `keys`: the opaque change keys the API gave
 * the view (`changeKey`, `repositoryChangeKey` of a service's status);
 * left out, any key matches (cross-service views, whose data the API
 * filters by permission). `kinds` left out: every kind. `throttleMs`:
 * a burst of signals runs `onChange` at once (its first signal) and once
 * more per this many milliseconds while it lasts, with the kinds it stood for.
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

/**
 * Calls `onChange` when the backend signals a change that matches `filter`
 * (channel `gitops:changes`); `filter` undefined: not subscribed (e.g. the
 * view does not know its change keys yet). Returns the state of the page's
 * live updates (SignalsChannel): `absent` when the app has no signals API;
 * `connected` only while messages arrive (the backend's heartbeat).
 */
export function useGitopsChanges(
  filter: GitopsChangeFilter | undefined,
  /** With the kinds of the signals it stands for (a burst: all of them). */
  onChange: (kinds: ChangeKinds) => void,
  /** Signals may have been missed (SignalsListener.onResync). */
  onResync?: () => void,
): { state: SignalsState | 'absent'; connected: boolean } {
  const signals = useApiHolder().get(signalApiRef);
  const channel = signals ? signalsChannelOf(signals) : undefined;
  const [state, setState] = useState<SignalsState | undefined>(channel?.state);
  const callback = useRef(onChange);
  callback.current = onChange;
  const resync = useRef(onResync);
  resync.current = onResync;
  const key = filter
    ? JSON.stringify([filter.keys, filter.kinds, filter.throttleMs])
    : undefined;
  useEffect(() => {
    if (!channel) return undefined;
    const [keys, kinds, throttleMs] = key === undefined ? [] : JSON.parse(key);
    const current: GitopsChangeFilter = {
      keys: keys ?? undefined,
      kinds: kinds ?? undefined,
    };
    // With throttleMs: a signal after a quiet window calls at once and opens
    // a window; the signals within it call once at its end, and the window
    // goes on while they keep coming (as the backend's ChangeSignals).
    let timer: ReturnType<typeof setTimeout> | undefined;
    let missed = new Set<GitopsChangeSignal['kind']>();
    const openWindow = () => {
      timer = setTimeout(() => {
        timer = undefined;
        if (missed.size === 0) return;
        const burst = missed;
        missed = new Set();
        openWindow();
        callback.current(burst);
      }, throttleMs);
    };
    const stop = channel.listen({
      onState: setState,
      onResync: () => resync.current?.(),
      onMessage: message => {
        if (key === undefined || !matchesChange(current, message as any))
          return;
        const kind = (message as unknown as GitopsChangeSignal).kind;
        if (!throttleMs) {
          callback.current(new Set([kind]));
        } else if (timer === undefined) {
          openWindow();
          callback.current(new Set([kind]));
        } else {
          missed.add(kind);
        }
      },
    });
    setState(channel.state);
    return () => {
      if (timer !== undefined) clearTimeout(timer);
      stop();
    };
  }, [channel, key]);
  const now = channel ? state ?? channel.state : 'absent';
  return { state: now, connected: now === 'connected' };
}
