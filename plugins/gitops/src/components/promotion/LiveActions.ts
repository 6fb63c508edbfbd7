import { createContext, useContext } from 'react';
import type { GitopsAction } from '@gitops2/plugin-gitops-common';

/**
 * The latest list of actions the tab fetched (refetched after each action
 * and on the service's change signals, or every 60 s while live updates are
 * not connected), so that an open dialog shows the current state of
 * the request it made (approved elsewhere, merged by someone else).
 */
export const LiveActionsContext = createContext<GitopsAction[] | undefined>(
  undefined,
);

/** The newer of `action` and its entry in the live list. */
export function useLiveAction(action: GitopsAction): GitopsAction {
  const live = useContext(LiveActionsContext)?.find(a => a.id === action.id);
  if (!live) return action;
  return Date.parse(live.updatedAt) > Date.parse(action.updatedAt)
    ? live
    : action;
}
