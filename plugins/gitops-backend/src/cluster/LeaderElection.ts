/*
 * Leader election on the database: one lease row per name. The holder renews
 * it every `renewMs`; a lease not renewed for `ttlMs` can be taken by another
 * replica. Only the holder watches clusters; every replica serves reads.
 *
 * - Acquiring is a compare-and-swap on the row as read (holder, generation,
 *   expiry) that increments `generation`; renewing is a conditional UPDATE
 *   (holder = me AND generation = mine AND not expired). Two replicas can
 *   never both hold the same generation, and a holder that missed its
 *   renewals cannot renew an expired lease: it is demoted and must acquire
 *   anew (a new generation).
 * - `isLeader()` is false as soon as the local clock passes the expiry of
 *   the last successful renewal, whether or not the renew timer fired.
 * - The leader's writes go through its LeaseFence (LeaseFence.ts): refused
 *   locally after the expiry, and re-checked against the lease row in the
 *   same transaction. A refused write demotes this replica.
 * - When `onElected` throws, the replica runs `onDemoted` (cleanup), gives
 *   the lease up at once (expires_at_ms 0, holder '') so another replica
 *   takes it on its next attempt, and backs off before trying again.
 *
 * Clocks of the replicas are assumed to agree within a fraction of `ttlMs`.
 */
import type { LoggerService } from '@backstage/backend-plugin-api';
import type { Knex } from 'knex';
import {
  DatabaseLeaseFence,
  Holding,
  LEASES_TABLE,
  LeaseFence,
} from './LeaseFence';

export interface LeaderElectionOptions {
  db: Knex;
  name: string;
  holder: string;
  logger: LoggerService;
  ttlMs?: number;
  renewMs?: number;
  /**
   * Runs when this replica acquired the lease. The fence guards its writes.
   * When it throws, the replica is demoted and gives the lease up.
   */
  onElected: (fence: LeaseFence) => Promise<void> | void;
  /** Runs when leadership ends (lost, failed `onElected`, a refused write, stop). */
  onDemoted: () => Promise<void> | void;
  /**
   * Wait before trying again after `onElected` failed: `initialMs` (default
   * `ttlMs`), doubling with each consecutive failure up to `maxMs` (default 5 min).
   */
  electionBackoff?: { initialMs?: number; maxMs?: number };
  now?: () => number;
}

interface LeaseRow {
  name: string;
  holder: string;
  generation: number | string;
  expires_at_ms: number | string;
}

export class LeaderElection {
  private timer?: ReturnType<typeof setTimeout>;
  /** The lease as this replica last acquired/renewed it. */
  private holding?: Holding;
  private currentFence?: LeaseFence;
  /** onElected ran (or runs) for the current holding. */
  private elected = false;
  private stopped = true;
  /** Transitions (rounds, demotions, stop) run one at a time. */
  private queue: Promise<void> = Promise.resolve();
  private failures = 0;
  private retryAt = 0;

  constructor(private readonly options: LeaderElectionOptions) {}

  /** True while elected and the lease has not expired by the local clock. */
  isLeader(): boolean {
    return (
      this.elected &&
      !!this.holding &&
      !this.holding.ended &&
      this.now() < this.holding.expiresAt
    );
  }

  /** The fence of the current holding, while elected. */
  fence(): LeaseFence | undefined {
    return this.elected ? this.currentFence : undefined;
  }

  private get ttl() {
    return this.options.ttlMs ?? 15_000;
  }

  private get renew() {
    return this.options.renewMs ?? Math.max(100, Math.floor(this.ttl / 3));
  }

  private now() {
    return this.options.now?.() ?? Date.now();
  }

  private serially(task: () => Promise<void>): Promise<void> {
    const run = this.queue.then(task);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /**
   * One attempt to acquire or renew; true when this replica holds the lease
   * afterwards. Does not run the callbacks (start() does).
   */
  async tryAcquire(): Promise<boolean> {
    const { db, name, holder } = this.options;
    const now = this.now();
    const expiresAt = now + this.ttl;
    const held = this.holding;
    if (held && !held.ended) {
      const renewed = await db(LEASES_TABLE)
        .where({ name, holder, generation: held.generation })
        .andWhere('expires_at_ms', '>', now)
        .update({ expires_at_ms: expiresAt, renewed_at_ms: now });
      if (renewed === 1) {
        held.expiresAt = Math.max(held.expiresAt, expiresAt);
        return true;
      }
      // Taken over, or expired before this renewal: this holding is over.
      held.ended = true;
      return false;
    }

    let row = await db<LeaseRow>(LEASES_TABLE).where({ name }).first();
    if (!row) {
      await db(LEASES_TABLE)
        .insert({
          name,
          holder: '',
          expires_at_ms: 0,
          renewed_at_ms: 0,
          generation: 0,
        })
        .onConflict('name')
        .ignore();
      row = await db<LeaseRow>(LEASES_TABLE).where({ name }).first();
      if (!row) return false;
    }
    // Held by another replica. A holding of this replica's that it ended
    // itself (a refused write) can be replaced at once: its fence refuses
    // writes already.
    if (Number(row.expires_at_ms) >= now && row.holder !== holder) return false;
    const generation = Number(row.generation) + 1;
    const acquired = await db(LEASES_TABLE)
      .where({
        name,
        holder: row.holder,
        generation: row.generation,
        expires_at_ms: row.expires_at_ms,
      })
      .update({
        holder,
        generation,
        expires_at_ms: expiresAt,
        renewed_at_ms: now,
      });
    if (acquired !== 1) return false; // another replica was faster
    this.holding = { generation, expiresAt, ended: false };
    this.currentFence = new DatabaseLeaseFence({
      db,
      lease: name,
      holder,
      holding: this.holding,
      now: () => this.now(),
      onLost: (holding, why) => this.onLost(holding, why),
    });
    return true;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    const loop = () => {
      this.serially(() => this.round())
        .catch(e => this.options.logger.warn(`cluster watcher lease: ${e}`))
        .finally(() => {
          if (!this.stopped) this.timer = setTimeout(loop, this.renew);
        });
    };
    loop();
  }

  /** One election round: acquire or renew, then elect or demote. */
  private async round(): Promise<void> {
    if (this.stopped) return;
    if (this.elected && this.holding?.ended) {
      // A fenced write found the lease lost while the demotion was not yet
      // queued: demote before acquiring a new generation, so that onElected
      // hands out the new fence.
      await this.demote(
        `cluster watcher lease generation ${this.holding.generation} lost by ${this.options.holder}`,
        false,
      );
    }
    if (!this.elected && this.now() < this.retryAt) return; // backing off
    let holds = false;
    try {
      holds = await this.tryAcquire();
    } catch (e) {
      this.options.logger.warn(
        `cluster watcher lease: ${(e as Error).message}`,
      );
      // A failed renewal keeps the lease until it expires locally.
      holds = this.elected && this.isLeader();
    }
    if (this.stopped) return;
    if (holds && !this.elected) {
      await this.elect();
    } else if (this.elected && (!holds || !this.isLeader())) {
      await this.demote(
        `cluster watcher lease lost by ${this.options.holder} (taken over or expired before its renewal)`,
        false,
      );
    }
  }

  private async elect(): Promise<void> {
    const fence = this.currentFence!;
    this.elected = true;
    this.options.logger.info(
      `cluster watcher lease acquired by ${this.options.holder} (generation ${fence.generation})`,
    );
    try {
      await this.options.onElected(fence);
      this.failures = 0;
    } catch (e) {
      this.failures++;
      const { initialMs = this.ttl, maxMs = 300_000 } =
        this.options.electionBackoff ?? {};
      const wait = Math.min(maxMs, initialMs * 2 ** (this.failures - 1));
      this.retryAt = this.now() + wait;
      this.options.logger.error(
        `cluster watcher: starting as leader failed, giving the lease up; next attempt in ${Math.round(
          wait / 1000,
        )} s: ${e}`,
      );
      await this.demote(undefined, true);
    }
  }

  /** Ends the holding at once (its fence refuses writes), cleans up, optionally releases the row. */
  private async demote(message: string | undefined, release: boolean) {
    if (!this.elected) return;
    this.elected = false;
    const holding = this.holding;
    if (holding) holding.ended = true;
    if (message) this.options.logger.info(message);
    if (release && holding) await this.release(holding);
    try {
      await this.options.onDemoted();
    } catch (e) {
      this.options.logger.warn(`cluster watcher: cleanup failed: ${e}`);
    }
  }

  /** A fenced write found the lease lost: demote (once), without touching the row. */
  private onLost(holding: Holding, why: string) {
    holding.ended = true; // refuse further writes at once
    this.serially(async () => {
      if (holding !== this.holding) return; // an older holding
      await this.demote(
        `cluster watcher lease generation ${holding.generation} lost by ${this.options.holder} (${why}): stopped writing`,
        false,
      );
    }).catch(() => undefined);
  }

  /**
   * Gives the row up (expires_at_ms 0, holder '') if it is still this
   * holding. Best effort and bounded: the database may be going away; the
   * lease then simply expires after ttlMs.
   */
  private async release(holding: Holding): Promise<void> {
    const release = this.options
      .db(LEASES_TABLE)
      .where({
        name: this.options.name,
        holder: this.options.holder,
        generation: holding.generation,
      })
      .update({ expires_at_ms: 0, holder: '' })
      .then(() => undefined)
      .catch(e =>
        this.options.logger.warn(
          `cluster watcher: could not release the lease: ${e}`,
        ),
      );
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      release,
      new Promise<void>(resolve => {
        timer = setTimeout(resolve, 2000);
        timer.unref?.();
      }),
    ]);
    clearTimeout(timer);
  }

  /** Stops renewing; gives the lease up at once so another replica takes over. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.serially(() => this.demote(undefined, true));
  }
}
