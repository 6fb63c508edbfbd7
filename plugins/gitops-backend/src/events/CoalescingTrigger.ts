import type { LoggerService } from '@backstage/backend-plugin-api';

export interface CoalescingTriggerOptions {
  /** Runs once the triggers of a key went quiet this long. */
  quietMs: number;
  /** …but no later than this after the first trigger of a burst. */
  maxWaitMs: number;
  logger: LoggerService;
}

interface KeyState {
  timer?: ReturnType<typeof setTimeout>;
  firstAt: number;
  running?: Promise<void>;
  /** Triggered while running: run once more afterwards. */
  again: boolean;
}

/**
 * Turns bursts of triggers per key (pushes to one repository) into few runs.
 * A trigger of a key that is idle (no run pending or under way, none ended
 * within `quietMs`) runs at once: a lone push is not delayed. Otherwise a
 * run starts when the key's triggers went quiet for `quietMs` (at most
 * `maxWaitMs` after the burst began); triggers during a run ask for one more
 * run after it, never for a concurrent one. A burst of pushes within a
 * second thus costs two runs: its first push at once, the rest together.
 */
export class CoalescingTrigger {
  private readonly keys = new Map<string, KeyState>();
  /** When each key's last run ended (for `quietMs`: kept only that long). */
  private readonly endedAt = new Map<string, number>();

  constructor(
    private readonly run: (key: string) => Promise<unknown>,
    private readonly options: CoalescingTriggerOptions,
  ) {}

  trigger(key: string): void {
    const now = Date.now();
    const state = this.keys.get(key);
    if (state?.running) {
      state.again = true;
      return;
    }
    if (state?.timer) {
      clearTimeout(state.timer);
      this.arm(key, state, now);
      return;
    }
    const fresh: KeyState = { firstAt: now, again: false };
    this.keys.set(key, fresh);
    const ended = this.endedAt.get(key);
    if (ended === undefined || now - ended >= this.options.quietMs) {
      this.fire(key, fresh);
    } else {
      this.arm(key, fresh, now);
    }
  }

  /** Resolves once no key has a run pending or in progress (tests, shutdown). */
  async idle(): Promise<void> {
    for (;;) {
      const busy = [...this.keys.values()];
      if (busy.length === 0) return;
      await Promise.all(
        busy.map(
          s =>
            s.running ??
            new Promise<void>(resolve =>
              setTimeout(resolve, this.options.quietMs),
            ),
        ),
      );
    }
  }

  /** Stops pending runs (shutdown); running ones finish. */
  stop(): void {
    for (const [key, state] of this.keys) {
      if (state.timer) clearTimeout(state.timer);
      if (!state.running) this.keys.delete(key);
      else state.again = false;
    }
  }

  private arm(key: string, state: KeyState, now: number): void {
    const latest = state.firstAt + this.options.maxWaitMs;
    const delay = Math.max(0, Math.min(this.options.quietMs, latest - now));
    state.timer = setTimeout(() => this.fire(key, state), delay);
  }

  private fire(key: string, state: KeyState): void {
    state.timer = undefined;
    state.running = Promise.resolve()
      .then(() => this.run(key))
      .then(
        () => undefined,
        e =>
          this.options.logger.warn(
            `run for ${key} failed: ${
              e instanceof Error ? e.message : String(e)
            }`,
          ),
      )
      .finally(() => {
        state.running = undefined;
        if (state.again) {
          state.again = false;
          state.firstAt = Date.now();
          this.arm(key, state, state.firstAt);
        } else {
          this.keys.delete(key);
          const at = Date.now();
          this.endedAt.set(key, at);
          setTimeout(() => {
            if (this.endedAt.get(key) === at) this.endedAt.delete(key);
          }, this.options.quietMs).unref?.();
        }
      });
  }
}
