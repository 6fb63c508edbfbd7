import { useCallback, useState } from 'react';
import type {
  EntityRefParts,
  GitopsChangeSignal,
} from '@gitops2/plugin-gitops-common';
import type { GitopsFrontendApi } from '../../api';
import { useRefreshableAsync } from '../shared';
import { useLiveRefresh } from '../../api/useLiveRefresh';
import { ChangeKinds, SERVICE_THROTTLE_MS } from '../../api/useGitopsChanges';

/** The change signals that refetch the tab's status, rollouts, actions and holds. */
const TAB_CHANGE_KINDS: GitopsChangeSignal['kind'][] = [
  'rollouts',
  'outcome',
  'action',
];

/**
 * The actions and holds of a service, and the tab's refresh. Two keys say
 * what to refetch: `gitKey` (status, rollouts, metrics) on Git's changes
 * (`rollouts`, `outcome`), `actionKey` (status, actions, holds) on the
 * service's actions and holds (`action`); `refresh()` (after the user did
 * something) bumps both, as polling and missed signals do. The tab
 * refreshes by the live views' rule (`useLiveRefresh`): on the change
 * signals of the service's keys (not its live status: the live cards
 * follow it), the first of a burst at once and the rest once 1 s later
 * (SERVICE_THROTTLE_MS), and every 60 s while live updates are not
 * connected (or the keys are not known yet).
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
  const [keys, setKeys] = useState({ git: 0, action: 0 });
  const refresh = useCallback(
    () => setKeys(k => ({ git: k.git + 1, action: k.action + 1 })),
    [],
  );
  const onChange = useCallback((kinds?: ChangeKinds) => {
    const git = !kinds || kinds.has('rollouts') || kinds.has('outcome');
    const action = !kinds || kinds.has('action');
    setKeys(k => ({
      git: git ? k.git + 1 : k.git,
      action: action ? k.action + 1 : k.action,
    }));
  }, []);

  const actions = useRefreshableAsync(
    async () =>
      enabled ? api.getActions({ kind, namespace, name }) : { items: [] },
    identity,
    [api, keys.action],
  );
  const holds = useRefreshableAsync(
    async () =>
      enabled ? api.getHolds({ kind, namespace, name }) : { items: [] },
    identity,
    [api, keys.action],
  );

  useLiveRefresh(
    changeKeys && {
      keys: changeKeys,
      kinds: TAB_CHANGE_KINDS,
      throttleMs: SERVICE_THROTTLE_MS,
    },
    onChange,
    { enabled },
  );

  return {
    actions,
    holds,
    /** Status, rollouts and metrics refetch when it changes. */
    gitKey: keys.git,
    /** The status refetches when it changes too (its pending actions). */
    actionKey: keys.action,
    refresh,
  };
}
