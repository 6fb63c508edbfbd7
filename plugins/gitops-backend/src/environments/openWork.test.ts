import type { GitopsAction } from '@gitops2/plugin-gitops-common';
import { openWorkOf } from './openWork';

/** A store that answers like ActionStore.list: newest first, states, limit, beforeId. */
function storeOf(actions: Array<Partial<GitopsAction>>) {
  return {
    actions: {
      list: async (f: {
        states?: string[];
        limit?: number;
        beforeId?: string;
        mergeUnfinished?: boolean;
      }) =>
        actions
          .filter(a => !f.states || f.states.includes(a.state!))
          .filter(a => !f.mergeUnfinished || (a as any).unfinished)
          .filter(a => !f.beforeId || Number(a.id) < Number(f.beforeId))
          .sort((a, b) => Number(b.id) - Number(a.id))
          .slice(0, f.limit ?? 50) as GitopsAction[],
    },
    holds: { active: async () => [] },
  };
}

const action = (id: number, over: Partial<GitopsAction> = {}) => ({
  id: String(id),
  kind: 'promotion' as const,
  service: 'other',
  state: 'awaiting-approval' as const,
  environments: ['dev'],
  ...over,
});

describe('openWorkOf', () => {
  it('finds an open action of the environment behind more than a page (500) of other open actions', async () => {
    const actions = [
      action(1, { service: 'cart', environments: ['prod-eu'] }),
      ...Array.from({ length: 1200 }, (_, i) => action(i + 2)),
    ];
    const open = await openWorkOf(storeOf(actions as any))('demo', 'prod-eu', [
      'cart',
    ]);
    expect(open).toBe(
      'prod-eu has open actions (#1 promotion of cart, awaiting-approval); finish or cancel them first',
    );
  });

  it('counts a merged action whose follow-ups a crash cut as open, not one whose follow-ups ran', async () => {
    const merged = (id: number, unfinished: boolean) => ({
      ...action(id, {
        kind: 'rollback',
        service: 'cart',
        state: 'merged',
        environments: ['prod-eu'],
      }),
      unfinished,
    });
    const work = (a: unknown[]) =>
      openWorkOf(storeOf(a as any))('demo', 'prod-eu', ['cart']);
    expect(await work([merged(7, true)])).toMatch(
      /#7 rollback of cart, merged/,
    );
    expect(await work([merged(8, false)])).toBeUndefined();
  });

  it('names at most ten and counts the rest', async () => {
    const actions = Array.from({ length: 12 }, (_, i) =>
      action(i + 1, { service: 'cart', environments: ['prod-eu'] }),
    );
    const open = await openWorkOf(storeOf(actions as any))('demo', 'prod-eu', [
      'cart',
    ]);
    expect(open).toMatch(/#3 promotion of cart, awaiting-approval; 2 more\)/);
  });
});
