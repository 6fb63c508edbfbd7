import type { LoggerService } from '@backstage/backend-plugin-api';
import type { SignalsService } from '@backstage/plugin-signals-node';
import {
  GITOPS_SIGNAL_CHANNEL,
  GitopsChangeSignal,
} from '@gitops2/plugin-gitops-common';

/** Changes closer together than this go out as one signal per key. */
export const SIGNAL_COALESCE_MS = 200;

/**
 * Publishes what changed on the `gitops:changes` signals channel, to every
 * signed-in browser (the message names a repository, a service and the
 * kind of change, nothing else; pages fetch the data through the API, with
 * its permission checks). Identical changes within SIGNAL_COALESCE_MS are
 * sent once, so a busy cluster does not flood the browsers.
 */
export class ChangeSignals {
  private readonly pending = new Map<string, GitopsChangeSignal>();
  private timer?: ReturnType<typeof setTimeout>;

  constructor(
    private readonly signals: SignalsService,
    private readonly logger: LoggerService,
    private readonly coalesceMs = SIGNAL_COALESCE_MS,
  ) {}

  changed(signal: GitopsChangeSignal): void {
    const message: GitopsChangeSignal = {
      repositoryId: signal.repositoryId,
      kind: signal.kind,
      ...(signal.service ? { service: signal.service } : {}),
    };
    this.pending.set(
      [message.repositoryId, message.service ?? '', message.kind].join(
        '\u0000',
      ),
      message,
    );
    this.timer ??= setTimeout(() => this.flush(), this.coalesceMs);
  }

  /** Sends what is pending now (tests, shutdown). */
  async flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const messages = [...this.pending.values()];
    this.pending.clear();
    for (const message of messages) {
      try {
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

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.pending.clear();
  }
}
