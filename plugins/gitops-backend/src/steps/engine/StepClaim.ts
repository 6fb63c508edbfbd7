import type { StepFence, StepRunStore } from './StepRunStore';

/**
 * This replica's claim on one step while it works on it, renewed every
 * third of its time to live: a live replica keeps its step however long an
 * attempt takes, a dead one's claim lapses after one time to live and any
 * replica takes the step over. `signal` aborts once a renewal finds the
 * claim taken (what the attempt would record is refused anyway: fenced).
 */
export class StepClaim {
  private readonly controller = new AbortController();
  private readonly timer: ReturnType<typeof setInterval>;

  constructor(
    store: Pick<StepRunStore, 'renew'>,
    readonly id: string,
    readonly fence: StepFence,
    ttlMs: number,
  ) {
    this.timer = setInterval(() => {
      store.renew(id, fence, ttlMs).then(
        held => {
          if (!held) this.controller.abort();
        },
        // The database did not answer: try again next time; past the time
        // to live the claim lapses on its own.
        () => undefined,
      );
    }, Math.max(50, Math.floor(ttlMs / 3)));
    this.timer.unref?.();
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
