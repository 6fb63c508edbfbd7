/*
 * Fencing of the writes of an elected leader (LeaderElection). Every
 * acquisition of a lease by a replica increments the `generation` of its row
 * (migrations/20261130120000_lease_fencing.js); a renewal keeps it. A fence
 * stands for one holding: (lease name, holder, generation). A write made
 * under a fence
 *   1. is refused locally once the local clock passed the lease expiry (as of
 *      the last successful renewal) or the holding ended (`assertValid()`);
 *   2. runs in a transaction that first re-reads the lease row (FOR SHARE on
 *      PostgreSQL) and goes on only if it still has this holder and
 *      generation and has not expired. A replica taking the lease over
 *      updates that row, so it waits for the write in flight to commit; a
 *      former leader's later write finds the new generation and is rolled
 *      back.
 * A refused write throws LeaseLostError and makes the election demote this
 * replica (onDemoted), so a leader that stalled stops writing and watching.
 */
import type { Knex } from 'knex';

export const LEASES_TABLE = 'gitops_cluster_leases';

/** Thrown by fenced writes when the lease they were made under is no longer held. */
export class LeaseLostError extends Error {
  readonly name = 'LeaseLostError';
  constructor(lease: string, holder: string, generation: number, why: string) {
    super(
      `lease ${lease} generation ${generation} is no longer held by ${holder} (${why}): write refused`,
    );
  }
}

/** True for a LeaseLostError (also across module copies). */
export function isLeaseLostError(e: unknown): e is LeaseLostError {
  return (e as Error | undefined)?.name === 'LeaseLostError';
}

/**
 * The right to write as the elected leader, for one holding of a lease.
 * Handed to `onElected` (and available from `LeaderElection.fence()`).
 */
export interface LeaseFence {
  readonly lease: string;
  readonly holder: string;
  /** Generation of the lease row this holding was acquired with. */
  readonly generation: number;
  /** Local check: still held and not expired by the local clock. */
  isValid(): boolean;
  /** Throws LeaseLostError (and demotes this replica) when `isValid()` is false. */
  assertValid(): void;
  /**
   * Runs `write` in a transaction after `assertValid()` and a re-check of
   * the lease row in the database (same holder and generation, not expired).
   * Every statement of the write must use `trx` (on SQLite the pool has one
   * connection). Throws LeaseLostError, with nothing written, when the lease
   * was lost.
   */
  run<T>(write: (trx: Knex.Transaction) => Promise<T>): Promise<T>;
}

/** The mutable state of one holding, kept by LeaderElection. */
export interface Holding {
  generation: number;
  /** Local clock, ms: the expiry written by the last successful acquire/renew. */
  expiresAt: number;
  /** Set when the holding ended (released, lost, demoted). */
  ended: boolean;
}

export class DatabaseLeaseFence implements LeaseFence {
  readonly generation: number;

  constructor(
    private readonly options: {
      db: Knex;
      lease: string;
      holder: string;
      holding: Holding;
      now: () => number;
      /** Called (not awaited) when a write found the lease lost. */
      onLost: (holding: Holding, why: string) => void;
    },
  ) {
    this.generation = options.holding.generation;
  }

  get lease() {
    return this.options.lease;
  }

  get holder() {
    return this.options.holder;
  }

  isValid(): boolean {
    const h = this.options.holding;
    return !h.ended && this.options.now() < h.expiresAt;
  }

  assertValid(): void {
    const h = this.options.holding;
    if (h.ended) throw this.lost('the holding ended');
    if (this.options.now() >= h.expiresAt) {
      throw this.lost('expired by the local clock, not renewed in time');
    }
  }

  async run<T>(write: (trx: Knex.Transaction) => Promise<T>): Promise<T> {
    this.assertValid();
    const { db, lease, holder } = this.options;
    return db.transaction(async trx => {
      const row = await trx(LEASES_TABLE)
        .where({ name: lease, holder, generation: this.generation })
        .andWhere('expires_at_ms', '>', this.options.now())
        .forShare()
        .first('name');
      if (!row) throw this.lost('taken over or expired in the database');
      return write(trx);
    });
  }

  private lost(why: string): LeaseLostError {
    this.options.onLost(this.options.holding, why);
    return new LeaseLostError(
      this.options.lease,
      this.options.holder,
      this.generation,
      why,
    );
  }
}
