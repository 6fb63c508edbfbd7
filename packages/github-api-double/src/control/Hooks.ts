/*
 * Hooks that run after a request's side effect is applied and before its
 * response is sent: the moment to kill the calling process ("after branch",
 * "after PR", "after merge"), or to hold the response. The response waits
 * for the hook's promise.
 */
import { matches, RequestInfo, RequestMatch } from './match';

/** What a hook sees of the answer about to be sent. */
export interface PendingReply {
  status: number;
  /** The JSON body (e.g. the created pull request), if any. */
  body?: unknown;
}

export type AfterEffectHook = (
  request: RequestInfo,
  reply: PendingReply,
) => void | Promise<void>;

interface Entry {
  match?: RequestMatch;
  hook: AfterEffectHook;
  once: boolean;
  /** Runs for failed requests too (default: only 2xx, where the effect happened). */
  always: boolean;
}

export class Hooks {
  private entries: Entry[] = [];

  /** Registers a hook; returns a function that removes it. */
  add(
    match: RequestMatch | undefined,
    hook: AfterEffectHook,
    options: { once?: boolean; always?: boolean } = {},
  ): () => void {
    const entry: Entry = {
      match,
      hook,
      once: options.once ?? false,
      always: options.always ?? false,
    };
    this.entries.push(entry);
    return () => {
      this.entries = this.entries.filter(e => e !== entry);
    };
  }

  /** Runs the hooks matching a request, in registration order. */
  async run(request: RequestInfo, reply: PendingReply): Promise<void> {
    const ok = reply.status >= 200 && reply.status < 300;
    const due = this.entries.filter(
      e => (ok || e.always) && matches(e.match, request),
    );
    this.entries = this.entries.filter(e => !(e.once && due.includes(e)));
    for (const e of due) await e.hook(request, reply);
  }

  reset(): void {
    this.entries = [];
  }
}
