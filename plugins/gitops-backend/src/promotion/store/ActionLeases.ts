import type { ActionState } from '@gitops2/plugin-gitops-common';
import { Knex } from 'knex';
import type { ClaimFence } from './ActionStore';

/**
 * Leases on actions (columns claimed_by, claim_expires_at_ms and
 * claim_generation of gitops_actions): the replica that works on an action
 * (writes its branch, opens its pull request, merges it, reconciles it)
 * holds the lease and renews it while it works. A lease that was not renewed
 * in time (the replica crashed or stalled) can be taken over; every taking
 * increments the generation, and writes under an older generation are
 * refused (fencing).
 */
export class ActionLeases {
  constructor(
    private readonly db: Knex,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Takes the lease of an action in one of `states` when nobody holds a live
   * one. Returns the fence, or undefined when another replica works on it.
   */
  async claim(
    actionId: string,
    owner: string,
    ttlMs: number,
    states: ActionState[],
  ): Promise<(ClaimFence & { expiresAt: number }) | undefined> {
    const now = this.now();
    const expiresAt = now + ttlMs;
    const updated = await this.db('gitops_actions')
      .where({ id: actionId })
      .whereIn('state', states)
      .andWhere(q =>
        q
          .whereNull('claimed_by')
          .orWhere('claim_expires_at_ms', '<', now)
          .orWhereNull('claim_expires_at_ms'),
      )
      .update({
        claimed_by: owner,
        claim_expires_at_ms: expiresAt,
        claim_generation: this.db.raw('claim_generation + 1'),
      });
    if (updated !== 1) return undefined;
    const row = await this.db('gitops_actions')
      .where({ id: actionId, claimed_by: owner })
      .first('claim_generation');
    if (!row) return undefined;
    return { owner, generation: Number(row.claim_generation), expiresAt };
  }

  /** Extends a lease still held under `fence`; the new expiry, or undefined when lost. */
  async renew(
    actionId: string,
    fence: ClaimFence,
    ttlMs: number,
  ): Promise<number | undefined> {
    const expiresAt = this.now() + ttlMs;
    const updated = await this.db('gitops_actions')
      .where({
        id: actionId,
        claimed_by: fence.owner,
        claim_generation: fence.generation,
      })
      .update({ claim_expires_at_ms: expiresAt });
    return updated === 1 ? expiresAt : undefined;
  }

  /** Gives a lease up (nothing happens when it was lost meanwhile). */
  async release(actionId: string, fence: ClaimFence): Promise<void> {
    await this.db('gitops_actions')
      .where({
        id: actionId,
        claimed_by: fence.owner,
        claim_generation: fence.generation,
      })
      .update({ claimed_by: null, claim_expires_at_ms: null });
  }

  /** True when a replica holds an unexpired lease on the action. */
  async isClaimed(actionId: string): Promise<boolean> {
    const row = await this.db('gitops_actions')
      .where({ id: actionId })
      .first('claimed_by', 'claim_expires_at_ms');
    return Boolean(
      row?.claimed_by &&
        row.claim_expires_at_ms !== null &&
        Number(row.claim_expires_at_ms) >= this.now(),
    );
  }
}
