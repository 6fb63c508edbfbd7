import type { LoggerService } from '@backstage/backend-plugin-api';
import type { LedgerStore } from '../database/LedgerStore';

/** A run found that another replica may have its repository: it stops. */
export class RunLeaseLostError extends Error {
  readonly name = 'RunLeaseLostError';
  /** What the run had written before it stopped (RepositoryIngester). */
  written?: { head: string; commits: number; rolloutsInserted: number };
}

/**
 * One ingestion run's lease on its repository
 * (gitops_repositories.run_holder), from the claim to the release: renewed
 * every third of its life in the background, and checked by the run before
 * each batch it reads and each write (`assertHeld`). A renewal waits for the
 * event loop and a pool connection, so on a starved machine it can come
 * after the lease expired and another replica took the repository; the run
 * then stops at its next check instead of going on until the cursor's
 * compare-and-set refuses its write. A check renews at once when the last
 * confirmed renewal is older than a third of the lease, so a run never
 * starts a batch on a lease it has not confirmed lately.
 */
export class RunLease {
  private confirmedAt: number;
  private lost?: string;
  private timer?: ReturnType<typeof setInterval>;
  private renewing?: Promise<void>;

  constructor(
    private readonly store: Pick<LedgerStore, 'renewIngestionRun'>,
    private readonly repositoryId: string,
    readonly token: string,
    private readonly ttlMs: number,
    private readonly logger: LoggerService,
    /** When the claim was made (its `now`). */
    claimedAt: number,
  ) {
    this.confirmedAt = claimedAt;
  }

  private get renewEveryMs(): number {
    return Math.max(50, Math.floor(this.ttlMs / 3));
  }

  /** Renews in the background until `stop()`. */
  start(): this {
    this.timer = setInterval(() => {
      if (!this.lost) void this.renew().catch(() => undefined);
    }, this.renewEveryMs);
    this.timer.unref?.();
    return this;
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  /**
   * Throws RunLeaseLostError when the lease is lost, or when less than a
   * third of it is left (it was not confirmed lately and cannot be renewed
   * now): what the run writes next must land within the lease.
   */
  async assertHeld(): Promise<void> {
    const age = () => Date.now() - this.confirmedAt;
    if (!this.lost && age() > this.renewEveryMs)
      await this.renew().catch(() => undefined);
    if (!this.lost && this.ttlMs - age() < this.renewEveryMs)
      this.lost = `its lease was last confirmed ${age()} ms ago, less than a third of it is left (gitops.ingestion.leaseSeconds: ${
        this.ttlMs / 1000
      })`;
    if (this.lost)
      throw new RunLeaseLostError(
        `ingestion run of ${this.repositoryId} (${this.token}) stopped: ${this.lost}; another replica may be ingesting the repository`,
      );
  }

  /** One renewal at a time; a renewal in flight is joined. */
  private renew(): Promise<void> {
    this.renewing ??= (async () => {
      const now = Date.now();
      try {
        const ok = await this.store.renewIngestionRun(
          this.repositoryId,
          this.token,
          now,
          this.ttlMs,
        );
        if (ok) {
          this.confirmedAt = Math.max(this.confirmedAt, now);
        } else if (!this.lost) {
          this.lost = 'it lost its lease: another replica took the repository';
          this.logger.warn(
            `ingestion run of ${this.repositoryId} (${this.token}) lost its lease: another replica took the repository`,
          );
        }
      } catch (e) {
        this.logger.warn(
          `could not renew the ingestion lease of ${this.repositoryId}: ${e}`,
        );
        throw e;
      }
    })().finally(() => {
      this.renewing = undefined;
    });
    return this.renewing;
  }
}
