import type { LoggerService } from '@backstage/backend-plugin-api';
import type { SignalsService } from '@backstage/plugin-signals-node';
import {
  GITOPS_SIGNAL_CHANNEL,
  GitopsChangeSignal,
  GitopsHeartbeatSignal,
} from '@gitops2/plugin-gitops-common';
import type { ChangeKeys } from './ChangeKeys';

/**
 * After a signal went out, the changes of this window go out together at
 * its end, one signal per key and kind.
 */
export const SIGNAL_COALESCE_MS = 200;

/** What changed, inside the backend: never broadcast as such. */
export interface GitopsChange {
  repositoryId: string;
  /** Absent: anything in the repository may have changed. */
  service?: string;
  kind: GitopsChangeSignal['kind'];
}

/**
 * Publishes what changed on the `gitops:changes` signals channel, to every
 * signed-in browser, as `{ key, kind }`: the opaque change key of the
 * service (or of the repository) and nothing else, so that the broadcast
 * names nothing a user may not see; pages learn the keys and fetch the data
 * through the API, with its permission checks. A change that comes while
 * nothing was sent for SIGNAL_COALESCE_MS goes out at once (a push is on
 * screen as soon as it is ingested); the changes that follow within that
 * window go out together at its end, identical ones once, and the window
 * goes on while changes keep coming: a busy cluster sends one signal per
 * key and window, never a flood. When the key cannot be computed, nothing
 * is sent.
 */
export class ChangeSignals {
  private readonly pending = new Map<string, GitopsChange>();
  private timer?: ReturnType<typeof setTimeout>;
  private heartbeatFailing = false;
  /** Sends go out one after the other, in order (flush waits for them). */
  private sending: Promise<void> = Promise.resolve();

  constructor(
    private readonly signals: SignalsService,
    private readonly keys: ChangeKeys,
    private readonly logger: LoggerService,
    private readonly coalesceMs = SIGNAL_COALESCE_MS,
  ) {}

  changed(change: GitopsChange): void {
    const { repositoryId, service, kind } = change;
    const normalized = {
      repositoryId,
      service: service || undefined,
      kind,
    };
    if (this.timer === undefined) {
      // Nothing sent within the window: at once, and a window opens.
      this.openWindow();
      void this.send([normalized]);
      return;
    }
    this.pending.set(
      [repositoryId, service ?? '', kind].join('\u0000'),
      normalized,
    );
  }

  /** Sends what is pending now (tests, shutdown, the window's end). */
  async flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const changes = [...this.pending.values()];
    this.pending.clear();
    // Changes kept coming: the window goes on.
    if (changes.length > 0) this.openWindow();
    await this.send(changes);
  }

  private openWindow(): void {
    this.timer = setTimeout(() => void this.flush(), this.coalesceMs);
    this.timer.unref?.();
  }

  private send(changes: GitopsChange[]): Promise<void> {
    this.sending = this.sending.then(() => this.publish(changes));
    return this.sending;
  }

  private async publish(changes: GitopsChange[]): Promise<void> {
    for (const change of changes) {
      try {
        const message: GitopsChangeSignal = {
          key: await this.keys.keyOf(change.repositoryId, change.service),
          kind: change.kind,
        };
        await this.signals.publish<GitopsChangeSignal & Record<string, any>>({
          recipients: { type: 'broadcast' },
          channel: GITOPS_SIGNAL_CHANNEL,
          message,
        });
      } catch (e) {
        this.logger.warn(
          `publishing a live update failed: ${
            e instanceof Error ? e.message : String(e)
          }`,
        );
      }
    }
  }

  /**
   * Broadcasts `{ kind: 'heartbeat' }` (scheduled every
   * GITOPS_SIGNAL_HEARTBEAT_MS): pages count their live updates as
   * connected only while messages arrive, and poll otherwise. A failure is
   * logged once until a heartbeat goes out again, never thrown.
   */
  async heartbeat(): Promise<void> {
    // Without the secret (database down) it still proves the way, unmarked.
    const keys = await this.keys.fingerprint().catch(() => undefined);
    try {
      const message: GitopsHeartbeatSignal = keys
        ? { kind: 'heartbeat', keys }
        : { kind: 'heartbeat' };
      await this.signals.publish<GitopsHeartbeatSignal & Record<string, any>>({
        recipients: { type: 'broadcast' },
        channel: GITOPS_SIGNAL_CHANNEL,
        message,
      });
      this.heartbeatFailing = false;
    } catch (e) {
      if (!this.heartbeatFailing) {
        this.logger.warn(
          `publishing the live updates heartbeat failed (pages poll every 60 s meanwhile): ${
            e instanceof Error ? e.message : String(e)
          }`,
        );
      }
      this.heartbeatFailing = true;
    }
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.pending.clear();
  }
}
