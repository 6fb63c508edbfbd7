import type { GitopsAction } from '@gitops2/plugin-gitops-common';
import { LedgerStore } from '../../database/LedgerStore';
import type { ActionStore } from '../store/ActionStore';

/**
 * Moves merged actions on as the clusters report (cluster observation sets
 * the outcome of each rollout): `syncing` while any target progresses,
 * `succeeded` when every target converged on the version, `failed` when one
 * degraded or failed. Without cluster observation they stay `merged`.
 */
export class OutcomeFollower {
  constructor(
    private readonly actions: ActionStore,
    private readonly ledger: LedgerStore,
    /** Actions verified by `after` steps end by their steps, not by this. */
    private readonly verifiedBySteps: (
      actionId: string,
    ) => Promise<boolean> = async () => false,
  ) {}

  async run(): Promise<number> {
    let moved = 0;
    for (const action of await this.actions.list({
      states: ['merged', 'syncing'],
      limit: 200,
      // A merge a crash cut is finished first: its `after` steps may not be
      // planned yet, and then they decide, not the cluster alone.
      mergeFinished: true,
    })) {
      if (await this.verifiedBySteps(action.id)) continue;
      const outcomes: string[] = [];
      for (const env of action.environments) {
        const { rows } = await this.ledger.listRollouts({
          repositoryId: action.repositoryId,
          service: action.service,
          environment: env,
          limit: 5,
        });
        const rollout = rows.find(
          r =>
            r.to_version === action.version &&
            new Date(r.desired_at as any).getTime() >=
              Date.parse(action.createdAt) - 60_000,
        );
        outcomes.push(rollout?.outcome ?? 'pending');
      }
      let next: GitopsAction['state'] | undefined;
      if (outcomes.some(o => o === 'degraded' || o === 'failed'))
        next = 'failed';
      else if (outcomes.every(o => o === 'succeeded')) next = 'succeeded';
      else if (outcomes.some(o => o === 'progressing' || o === 'succeeded'))
        next = 'syncing';
      if (next && next !== action.state) {
        const error =
          next === 'failed'
            ? `the cluster reports ${action.environments
                .filter((_, i) => ['degraded', 'failed'].includes(outcomes[i]))
                .join(', ')} degraded after the change`
            : null;
        if (
          await this.actions.update(action.id, { state: next, error }, [
            'merged',
            'syncing',
          ])
        )
          moved++;
      }
    }
    return moved;
  }
}
