import { ConflictError } from '@backstage/errors';
import type { EnvironmentChangeLocks } from '../promotion/store/EnvironmentChangeLocks';

/**
 * The environment locks an environment change's merge holds (a retirement:
 * the environments it takes away), as a lease renewed every third of its
 * time to live while the merge runs. `assertHeld` is called right before
 * the Git write: past the local expiry, or once a renewal found the lease
 * lost, nothing is merged. `release` ends it; a replica that crashed leaves
 * a lease that expires (then anyone may take the environment).
 */
export class EnvironmentChangeLease {
  private lost = false;
  private readonly timer: ReturnType<typeof setInterval>;

  private constructor(
    private readonly locks: EnvironmentChangeLocks,
    private readonly repositoryId: string,
    private readonly holder: string,
    private readonly token: string,
    private readonly count: number,
    private expiresAt: number,
    private readonly ttlMs: number,
  ) {
    this.timer = setInterval(() => {
      this.renew().catch(() => undefined);
    }, Math.max(50, Math.floor(ttlMs / 3)));
    this.timer.unref?.();
  }

  /** Takes every lock or none (ConflictError naming who holds one). */
  static async acquire(
    locks: EnvironmentChangeLocks,
    repositoryId: string,
    environments: string[],
    holder: string,
    ttlMs: number,
  ): Promise<EnvironmentChangeLease> {
    const { token, expiresAt } = await locks.acquire(
      repositoryId,
      environments,
      holder,
      ttlMs,
    );
    return new EnvironmentChangeLease(
      locks,
      repositoryId,
      holder,
      token,
      environments.length,
      expiresAt,
      ttlMs,
    );
  }

  private async renew(): Promise<void> {
    if (this.lost) return;
    const next = await this.locks.renew(
      this.repositoryId,
      this.token,
      this.count,
      this.ttlMs,
    );
    if (next === undefined) this.lost = true;
    else this.expiresAt = next;
  }

  assertHeld(): void {
    if (this.lost || Date.now() >= this.expiresAt)
      throw new ConflictError(
        `the environment locks of ${this.holder} expired before the merge; nothing was merged, merge it again`,
      );
  }

  async release(): Promise<void> {
    clearInterval(this.timer);
    this.lost = true;
    await this.locks.release(this.repositoryId, this.token);
  }
}
