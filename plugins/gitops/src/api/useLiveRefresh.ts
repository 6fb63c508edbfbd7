import { useEffect, useRef } from 'react';
import {
  ChangeKinds,
  FALLBACK_POLL_MS,
  GitopsChangeFilter,
  useGitopsChanges,
} from './useGitopsChanges';

function isVisible(): boolean {
  return (
    typeof document === 'undefined' || document.visibilityState !== 'hidden'
  );
}

/**
 * When a live view refetches: the one rule of the tab, the dashboard, the
 * approval inbox and an open action (issue #11).
 *
 * - With `changes`, `refresh` runs on every matching change signal.
 * - While the page's live updates are not connected (no signals API, no
 *   message yet, or none for SIGNALS_STALE_MS), or the view has no
 *   `changes` (yet), it runs every `intervalMs` (default FALLBACK_POLL_MS);
 *   while they are connected and the view listens, it does not poll.
 * - When signals may have been missed, it runs once: live updates lost,
 *   back after a loss, a heartbeat missed (the socket dropped meanwhile),
 *   or the change keys changed (SignalsListener.onResync).
 * - Only while the page is visible (`document.visibilityState`): a hidden
 *   page neither polls nor refetches on signals, and refetches when it
 *   shows again if it polls or a signal came meanwhile.
 *
 * Returns whether the view polls.
 */
export function useLiveRefresh(
  changes: GitopsChangeFilter | undefined,
  /**
   * `kinds`: the change signals it stands for; undefined: anything may
   * have changed (polling, signals missed, the page shown again).
   */
  refresh: (kinds?: ChangeKinds) => void,
  options: { enabled?: boolean; intervalMs?: number } = {},
): { polling: boolean } {
  const { enabled = true, intervalMs = FALLBACK_POLL_MS } = options;
  const callback = useRef(refresh);
  callback.current = refresh;
  const missed = useRef(false);
  const run = (kinds?: ChangeKinds) => {
    if (isVisible()) callback.current(kinds);
    else missed.current = true;
  };

  const listening = enabled && changes !== undefined;
  // Signals may have been missed (lost, back, a heartbeat missed, new keys):
  // one refetch, for the views that rely on them.
  const { state } = useGitopsChanges(enabled ? changes : undefined, run, () => {
    if (listening) run();
  });
  const polling = enabled && !(listening && state === 'connected');
  const pollingNow = useRef(polling);
  pollingNow.current = polling;

  // Polling, while visible.
  useEffect(() => {
    if (!polling) return undefined;
    let timer: ReturnType<typeof setInterval> | undefined;
    const start = () => {
      timer ??= setInterval(() => callback.current(), intervalMs);
    };
    const stop = () => {
      if (timer !== undefined) clearInterval(timer);
      timer = undefined;
    };
    const onVisibility = () => (isVisible() ? start() : stop());
    if (isVisible()) start();
    document.addEventListener('visibilitychange', onVisibility);
    return () => {
      stop();
      document.removeEventListener('visibilitychange', onVisibility);
    };
  }, [polling, intervalMs]);

  // Shown again: refetch if it polls, or a signal came while hidden.
  useEffect(() => {
    if (!enabled) return undefined;
    const onVisibility = () => {
      if (!isVisible() || !(pollingNow.current || missed.current)) return;
      missed.current = false;
      callback.current();
    };
    document.addEventListener('visibilitychange', onVisibility);
    return () => document.removeEventListener('visibilitychange', onVisibility);
  }, [enabled]);

  return { polling };
}
