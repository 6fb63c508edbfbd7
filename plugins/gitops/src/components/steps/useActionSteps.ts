import { useCallback, useEffect, useRef, useState } from 'react';
import type {
  GitopsAction,
  StepRunsResponse,
} from '@gitops2/plugin-gitops-common';
import type { GitopsFrontendApi } from '../../api';
import { usePolledAsync } from '../live';
import type { RefreshableAsyncState } from '../shared/useRefreshableAsync';
import { actionLagsSteps, isStepOpen } from './format';

/**
 * While a step is open, its action's steps are asked for this often: steps
 * are not signalled (docs/promotion.md#not-yet), so this polling goes on
 * whether live updates are connected or not.
 */
export const STEPS_POLL_INTERVAL_MS = 5000;

/**
 * Live updates of one timeline stop after this long (a stuck step must not
 * keep a forgotten tab polling); "Refresh" starts them again.
 */
export const STEPS_POLL_LIMIT_MS = 60 * 60 * 1000;

/**
 * When the steps finished but the action does not show it yet, `onSettled`
 * is called again every 5 s, at most this many times.
 */
export const SETTLE_FOLLOW_UPS = 6;

export interface ActionStepsState
  extends RefreshableAsyncState<StepRunsResponse> {
  /** The steps are polled: one is open, or the action is being written. */
  live: boolean;
  /** Live updates stopped at the limit while something was still open. */
  stopped: boolean;
  /** Fetch again now and resume live updates. */
  refresh(): void;
}

/**
 * The deployment steps of an action, polled every 5 s (while the page is
 * visible) as long as a step is pending or running, or the action is
 * `requested` (its before steps are being planned); refetched when the
 * action changes (a newer `updatedAt` from the tab's actions). When the open
 * steps have all finished, `onSettled` is called, so that the tab refetches
 * the action's new state and an automatic rollback; again every 5 s (a few
 * times) while the action still lags behind its steps, since the backend
 * writes those a moment after the last step.
 */
export function useActionSteps(
  api: GitopsFrontendApi,
  action: GitopsAction,
  onSettled?: () => void,
): ActionStepsState {
  const [open, setOpen] = useState(false);
  const [stopped, setStopped] = useState(false);
  const [manual, setManual] = useState(0);
  const live = (open || action.state === 'requested') && !stopped;

  const steps = usePolledAsync(
    () => api.getActionSteps(action.id),
    action.id,
    [api, action.state, action.updatedAt, manual],
    STEPS_POLL_INTERVAL_MS,
    live,
  );

  const items = steps.value?.items;
  const nowOpen = Boolean(items?.some(s => isStepOpen(s.state)));
  const settled = useRef(onSettled);
  settled.current = onSettled;
  const wasOpen = useRef(false);
  useEffect(() => {
    if (wasOpen.current && !nowOpen) settled.current?.();
    wasOpen.current = nowOpen;
    setOpen(nowOpen);
  }, [nowOpen]);

  const lagging = items ? actionLagsSteps(action.state, items) : false;
  useEffect(() => {
    if (!lagging) return undefined;
    let left = SETTLE_FOLLOW_UPS;
    const timer = setInterval(() => {
      settled.current?.();
      left -= 1;
      if (left <= 0) clearInterval(timer);
    }, STEPS_POLL_INTERVAL_MS);
    return () => clearInterval(timer);
  }, [lagging]);

  // The bound: counted from when live updates (re)started.
  const wanted = open || action.state === 'requested';
  useEffect(() => {
    if (!wanted || stopped) return undefined;
    const timer = setTimeout(() => setStopped(true), STEPS_POLL_LIMIT_MS);
    return () => clearTimeout(timer);
  }, [wanted, stopped]);

  const refresh = useCallback(() => {
    setStopped(false);
    setManual(m => m + 1);
  }, []);

  return { ...steps, live, stopped: stopped && wanted, refresh };
}
