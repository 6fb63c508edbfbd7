import type { LiveChange } from '../cluster/ClusterObserver';
import type { ActionChangeNotifier } from '../promotion/notify/ActionChangeNotifier';
import type { DegradedRolloutNotifier } from '../promotion/notify/DegradedRolloutNotifier';
import type { ActionStore } from '../promotion/store/ActionStore';
import type { HoldStore } from '../promotion/store/HoldStore';
import type { ChangeSignals } from './ChangeSignals';

/**
 * Connects what changes in the backend to who hears of it: action changes
 * → notifications and live updates; holds created or lifted → live updates; cluster observation (live status,
 * outcomes) → live updates and the degraded-rollout notification; new
 * rollouts → live updates.
 */
export function connectChangeFeeds(options: {
  actions: ActionStore;
  holds: HoldStore;
  signals: ChangeSignals;
  actionNotifier: ActionChangeNotifier;
  degradedNotifier: DegradedRolloutNotifier;
}): {
  onLiveChange: (change: LiveChange) => void;
  rolloutsIngested: (repositoryId: string) => void;
} {
  const { actions, holds, signals, actionNotifier, degradedNotifier } = options;
  // A hold created (a rollback) or lifted: the tab refetches its holds with
  // its actions.
  holds.onChange(({ repositoryId, service }) =>
    signals.changed({ repositoryId, service, kind: 'action' }),
  );
  actions.onChange(change => {
    void actionNotifier.notify(change);
    void actions
      .row(change.actionId)
      .then(row => {
        if (row)
          signals.changed({
            repositoryId: row.repository_id,
            service: row.service,
            kind: 'action',
          });
      })
      .catch(() => undefined);
  });
  return {
    onLiveChange: change => {
      signals.changed({
        repositoryId: change.repositoryId,
        service: change.service,
        kind: change.kind === 'outcome' ? 'outcome' : 'live',
      });
      void degradedNotifier.notify(change);
    },
    rolloutsIngested: repositoryId =>
      signals.changed({ repositoryId, kind: 'rollouts' }),
  };
}
