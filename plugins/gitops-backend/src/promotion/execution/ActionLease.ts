import type { ActionState } from '@gitops2/plugin-gitops-common';
import type { ActionLeases } from '../store/ActionLeases';
import type { ClaimFence } from '../store/ActionStore';

/** This replica's lease on an action expired or was taken over: stop writing. */
export class LeaseLostError extends Error {
  constructor(actionId: string) {
    super(
      `the lease on action #${actionId} was lost (expired or taken over by another replica); stopping without writing`,
    );
    this.name = 'LeaseLostError';
  }
}

/**
 * A held lease on one action, renewed in the background every third of its
 * time to live while this replica works on the action. `assertHeld` is
 * called before every Git write: past the local expiry, or once a renewal
 * found the lease taken, nothing more is written (fencing; updates of the
 * action are conditional on the generation too).
 */
export class ActionLease {
  private lost = false;
  private timer?: ReturnType<typeof setInterval>;

  private constructor(
    private readonly leases: ActionLeases,
    readonly actionId: string,
    readonly fence: ClaimFence,
    private expiresAt: number,
    private readonly ttlMs: number,
  ) {
    this.timer = setInterval(() => {
      this.renew().catch(() => undefined);
    }, Math.max(50, Math.floor(ttlMs / 3)));
    this.timer.unref?.();
  }

  static async acquire(
    leases: ActionLeases,
    actionId: string,
    owner: string,
    ttlMs: number,
    states: ActionState[],
  ): Promise<ActionLease | undefined> {
    const claim = await leases.claim(actionId, owner, ttlMs, states);
    if (!claim) return undefined;
    return new ActionLease(leases, actionId, claim, claim.expiresAt, ttlMs);
  }

  /**
   * For people's calls (merge, cancel): reconciliation holds short leases on
   * open actions every round, so wait a moment for one before giving up.
   */
  static async acquireSoon(
    leases: ActionLeases,
    actionId: string,
    owner: string,
    ttlMs: number,
    states: ActionState[],
    waitMs = 3000,
  ): Promise<ActionLease | undefined> {
    const until = Date.now() + waitMs;
    for (;;) {
      const lease = await ActionLease.acquire(
        leases,
        actionId,
        owner,
        ttlMs,
        states,
      );
      if (lease || Date.now() >= until) return lease;
      await new Promise(r => setTimeout(r, 100));
    }
  }

  private async renew(): Promise<void> {
    if (this.lost) return;
    const next = await this.leases.renew(this.actionId, this.fence, this.ttlMs);
    if (next === undefined) this.lost = true;
    else this.expiresAt = next;
  }

  held(): boolean {
    return !this.lost && Date.now() < this.expiresAt;
  }

  assertHeld(): void {
    if (!this.held()) throw new LeaseLostError(this.actionId);
  }

  async release(): Promise<void> {
    clearInterval(this.timer);
    if (!this.lost) await this.leases.release(this.actionId, this.fence);
    this.lost = true;
  }
}
