/*
 * Leader election on the database: one lease row per name. The holder renews
 * it every `renewMs`; a lease not renewed for `ttlMs` can be taken by another
 * replica. Only the holder watches clusters; every replica serves reads.
 *
 * Acquire and renew are one conditional UPDATE (holder = me OR expired), so
 * two replicas can never both succeed for the same period. Clocks of the
 * replicas are assumed to agree within a fraction of `ttlMs`.
 */
import type { LoggerService } from '@backstage/backend-plugin-api';
import type { Knex } from 'knex';

export interface LeaderElectionOptions {
  db: Knex;
  name: string;
  holder: string;
  logger: LoggerService;
  ttlMs?: number;
  renewMs?: number;
  onElected: () => Promise<void> | void;
  onDemoted: () => Promise<void> | void;
  now?: () => number;
}

export class LeaderElection {
  private timer?: ReturnType<typeof setTimeout>;
  private leader = false;
  private stopped = true;
  private tick: Promise<void> = Promise.resolve();

  constructor(private readonly options: LeaderElectionOptions) {}

  isLeader(): boolean {
    return this.leader;
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

  /** One attempt to acquire or renew; true when this replica holds the lease. */
  async tryAcquire(): Promise<boolean> {
    const { db, name, holder } = this.options;
    const now = this.now();
    await db('gitops_cluster_leases')
      .insert({
        name,
        holder,
        expires_at_ms: now + this.ttl,
        renewed_at_ms: now,
      })
      .onConflict('name')
      .ignore();
    const updated = await db('gitops_cluster_leases')
      .where({ name })
      .andWhere(q => q.where({ holder }).orWhere('expires_at_ms', '<', now))
      .update({ holder, expires_at_ms: now + this.ttl, renewed_at_ms: now });
    return updated === 1;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    const loop = () => {
      this.tick = this.step().finally(() => {
        if (!this.stopped) this.timer = setTimeout(loop, this.renew);
      });
    };
    loop();
  }

  private async step(): Promise<void> {
    let holds = false;
    try {
      holds = await this.tryAcquire();
    } catch (e) {
      this.options.logger.warn(
        `cluster watcher lease: ${(e as Error).message}`,
      );
      holds = false;
    }
    if (this.stopped) return;
    if (holds && !this.leader) {
      this.leader = true;
      this.options.logger.info(
        `cluster watcher lease acquired by ${this.options.holder}`,
      );
      await this.options.onElected();
    } else if (!holds && this.leader) {
      this.leader = false;
      this.options.logger.info(
        `cluster watcher lease lost by ${this.options.holder}`,
      );
      await this.options.onDemoted();
    }
  }

  /** Stops renewing; gives the lease up at once so another replica takes over. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.tick.catch(() => undefined);
    if (this.leader) {
      this.leader = false;
      await this.options.onDemoted();
      // Best effort and bounded: at shutdown the database may be going away;
      // the lease then simply expires after ttlMs.
      const release = this.options
        .db('gitops_cluster_leases')
        .where({ name: this.options.name, holder: this.options.holder })
        .update({ expires_at_ms: 0 })
        .then(() => undefined)
        .catch(() => undefined);
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
  }
}
