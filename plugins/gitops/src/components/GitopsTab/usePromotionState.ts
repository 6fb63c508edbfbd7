import { useCallback, useEffect, useRef, useState } from 'react';
import type {
  EntityRefParts,
  GitopsAction,
} from '@gitops2/plugin-gitops-common';
import type { GitopsFrontendApi } from '../../api';
import { isWaiting } from '../promotion';
import { useRefreshableAsync } from '../shared';
import { pollInterval, useGitopsChanges } from '../../api/useGitopsChanges';

/** While an action waits for an approval or a merge, poll this often. */
export const ACTION_POLL_INTERVAL_MS = 10_000;

function signature(items: GitopsAction[]): string {
  return items
    .map(a => `${a.id}:${a.state}:${a.approvals.length}:${a.updatedAt}`)
    .join(',');
}

/**
 * The actions and holds of a service, and the tab's refresh: `refresh()`
 * bumps `refreshKey` (status, rollouts, actions and holds refetch). While an
 * action is awaiting approval or has an open pull request, the backend's
 * list of actions is polled every 10 s (never the cluster); when it changed,
 * everything is refetched.
 */
export function usePromotionState(
  api: GitopsFrontendApi,
  entity: EntityRefParts,
  enabled: boolean,
  /** The service's change keys, once the API gave them: their signals refetch the tab. */
  changeKeys?: string[],
) {
  const { kind, namespace, name } = entity;
  const identity = `${kind}/${namespace}/${name}/${enabled}`;
  const [refreshKey, setRefreshKey] = useState(0);
  const refresh = useCallback(() => setRefreshKey(k => k + 1), []);

  const actions = useRefreshableAsync(
    async () =>
      enabled ? api.getActions({ kind, namespace, name }) : { items: [] },
    identity,
    [api, refreshKey],
  );
  const holds = useRefreshableAsync(
    async () =>
      enabled ? api.getHolds({ kind, namespace, name }) : { items: [] },
    identity,
    [api, refreshKey],
  );

  const items = actions.value?.items;
  const current = useRef('');
  current.current = items ? signature(items) : '';
  const waiting = Boolean(items?.some(a => isWaiting(a.state)));
  const { connected } = useGitopsChanges(
    enabled && changeKeys ? { keys: changeKeys } : undefined,
    refresh,
  );
  const every = pollInterval(
    ACTION_POLL_INTERVAL_MS,
    connected && !!changeKeys,
  );

  useEffect(() => {
    if (!enabled || !waiting) return undefined;
    let stopped = false;
    const timer = setInterval(() => {
      api.getActions({ kind, namespace, name }).then(
        page => {
          if (!stopped && signature(page.items) !== current.current) {
            refresh();
          }
        },
        () => {
          // A failed poll is retried at the next tick.
        },
      );
    }, every);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [api, kind, namespace, name, enabled, waiting, refresh, every]);

  return { actions, holds, refreshKey, refresh };
}
