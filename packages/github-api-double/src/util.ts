/** Small helpers shared by the double's modules. */

/** Runs tasks one at a time, in call order. */
export class Mutex {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task, task);
    this.tail = result.catch(() => undefined);
    return result;
  }
}

/** Now, as GitHub prints timestamps (`2024-05-01T10:00:00Z`). */
export const isoNow = (now: () => number = Date.now) =>
  new Date(now()).toISOString().replace(/\.\d{3}Z$/, 'Z');

export const SHA_RE = /^[0-9a-f]{40}$/;
