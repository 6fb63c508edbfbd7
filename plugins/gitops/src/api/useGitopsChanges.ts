import { useEffect, useRef } from 'react';
import { useApiHolder } from '@backstage/core-plugin-api';
import { signalApiRef } from '@backstage/plugin-signals-react';
import {
  GITOPS_SIGNAL_CHANNEL,
  GitopsChangeSignal,
} from '@gitops2/plugin-gitops-common';

/** While signals are connected, polling only runs this often (a fallback). */
export const SIGNALS_FALLBACK_POLL_MS = 60_000;

/** Which changes a view shows: any field left out matches everything. */
export interface GitopsChangeFilter {
  repositoryId?: string;
  service?: string;
  kinds?: GitopsChangeSignal['kind'][];
}

/**
 * True when a change signal concerns a view. A signal without a service
 * (new rollouts of a repository) concerns every service of the repository.
 */
export function matchesChange(
  filter: GitopsChangeFilter,
  signal: Partial<GitopsChangeSignal> | null | undefined,
): boolean {
  if (!signal || typeof signal.repositoryId !== 'string') return false;
  if (filter.repositoryId && filter.repositoryId !== signal.repositoryId)
    return false;
  if (filter.service && signal.service && filter.service !== signal.service)
    return false;
  if (filter.kinds && !filter.kinds.includes(signal.kind as any)) return false;
  return true;
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
 * view does not know its repository yet). Returns whether signals are
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
    ? JSON.stringify([filter.repositoryId, filter.service, filter.kinds])
    : undefined;
  useEffect(() => {
    if (!signals || key === undefined) return undefined;
    const [repositoryId, service, kinds] = JSON.parse(key);
    const current: GitopsChangeFilter = {
      repositoryId: repositoryId ?? undefined,
      service: service ?? undefined,
      kinds: kinds ?? undefined,
    };
    const { unsubscribe } = signals.subscribe<any>(
      GITOPS_SIGNAL_CHANNEL,
      message => {
        if (matchesChange(current, message)) callback.current();
      },
    );
    return unsubscribe;
  }, [signals, key]);
  return { connected: Boolean(signals) };
}
