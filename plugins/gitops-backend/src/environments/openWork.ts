import type { ActionState } from '@gitops2/plugin-gitops-common';
import type { ActionStore, HoldStore } from '../promotion/store';
import type { OpenWork } from './RetirePlanner';

/**
 * Actions still under way: asked, waiting for approval, in review, or
 * verifying after their merge. Retiring under them would strand them.
 */
const OPEN: ActionState[] = [
  'requested',
  'awaiting-approval',
  'pull-request-open',
  'syncing',
];

/** The open actions and active holds that keep an environment from being retired. */
export function openWorkOf(stores: {
  actions: Pick<ActionStore, 'list'>;
  holds: Pick<HoldStore, 'active'>;
}): OpenWork {
  return async (repositoryId, environment, services) => {
    const open = (
      await stores.actions.list({ repositoryId, states: OPEN, limit: 500 })
    ).filter(
      a => a.environments.includes(environment) && services.includes(a.service),
    );
    if (open.length)
      return `${environment} has open actions (${open
        .map(a => `#${a.id} ${a.kind} of ${a.service}, ${a.state}`)
        .join('; ')}); finish or cancel them first`;
    for (const service of services) {
      const held = (await stores.holds.active(repositoryId, service)).filter(
        h => h.environment === environment,
      );
      if (held.length)
        return `${environment} has a hold (#${held[0].id}: ${service} ${held[0].version}); lift it first`;
    }
    return undefined;
  };
}
