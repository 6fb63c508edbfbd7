import type { ActionState, GitopsAction } from '@gitops2/plugin-gitops-common';
import type { ActionStore, HoldStore } from '../promotion/store';
import type { OpenWork } from './RetirePlanner';

/**
 * Actions still under way: asked, waiting for approval, in review, or
 * verifying after their merge; and merged ones whose follow-ups (a
 * rollback's hold …) a crash cut and reconciliation has yet to run.
 * Retiring under them would strand them. A merged action whose follow-ups
 * ran is done with Git (it may stay `merged` without a cluster to watch).
 */
export const OPEN_STATES: ActionState[] = [
  'requested',
  'awaiting-approval',
  'pull-request-open',
  'syncing',
];

const PAGE = 500;

type ListFilter = Parameters<ActionStore['list']>[0];

/** Every action of a filter, page by page (no cap that could hide one). */
async function allOf(
  actions: Pick<ActionStore, 'list'>,
  filter: ListFilter,
  keep: (a: GitopsAction) => boolean,
): Promise<GitopsAction[]> {
  const out: GitopsAction[] = [];
  let beforeId: string | undefined;
  for (;;) {
    const page = await actions.list({ ...filter, limit: PAGE, beforeId });
    out.push(...page.filter(keep));
    if (page.length < PAGE) return out;
    beforeId = page[page.length - 1].id;
  }
}

/** Every open action of a repository that `keep` selects. */
async function openActions(
  actions: Pick<ActionStore, 'list'>,
  repositoryId: string,
  keep: (a: GitopsAction) => boolean,
): Promise<GitopsAction[]> {
  const open = await allOf(
    actions,
    { repositoryId, states: OPEN_STATES },
    keep,
  );
  const cut = await allOf(
    actions,
    { repositoryId, states: ['merged'], mergeUnfinished: true },
    keep,
  );
  return [...open, ...cut].sort((a, b) => Number(b.id) - Number(a.id));
}

/** The open actions and active holds that keep an environment from being retired. */
export function openWorkOf(stores: {
  actions: Pick<ActionStore, 'list'>;
  holds: Pick<HoldStore, 'active'>;
}): OpenWork {
  return async (repositoryId, environment, services) => {
    const open = await openActions(
      stores.actions,
      repositoryId,
      a => a.environments.includes(environment) && services.includes(a.service),
    );
    if (open.length)
      return `${environment} has open actions (${open
        .slice(0, 10)
        .map(a => `#${a.id} ${a.kind} of ${a.service}, ${a.state}`)
        .join('; ')}${
        open.length > 10 ? `; ${open.length - 10} more` : ''
      }); finish or cancel them first`;
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
