import { useCallback, useState } from 'react';
import type {
  EntityRefParts,
  GitopsChangeSignal,
} from '@gitops2/plugin-gitops-common';
import type { GitopsFrontendApi } from '../../api';
import { useRefreshableAsync } from '../shared';
import { useLiveRefresh } from '../../api/useLiveRefresh';

/** The change signals that refetch the tab's status, rollouts, actions and holds. */
const TAB_CHANGE_KINDS: GitopsChangeSignal['kind'][] = [
  'rollouts',
  'outcome',
  'action',
];

/**
 * The actions and holds of a service, and the tab's refresh: `refresh()`
 * bumps `refreshKey` (status, rollouts, actions, holds and metrics
 * refetch). The tab refreshes by the live views' rule (`useLiveRefresh`):
 * on the change signals of the service's keys (not its live status), and every 60 s while live
 * updates are not connected (or the keys are not known yet).
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

  // A cluster's live status changes often and concerns the live view only
  // (useServiceLive listens for it): Git, rollouts, outcomes and actions
  // refetch the tab.
  useLiveRefresh(
    changeKeys && { keys: changeKeys, kinds: TAB_CHANGE_KINDS },
    refresh,
    { enabled },
  );

  return { actions, holds, refreshKey, refresh };
}
