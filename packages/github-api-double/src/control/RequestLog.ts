/* The request log: every request, its route, status and user-agent; counts; waiting for a request. */
import { matches, RequestInfo, RequestMatch } from './match';

export class RequestLog {
  private entries: RequestInfo[] = [];
  private seq = 0;
  private waiters: Array<{
    match?: RequestMatch;
    resolve: (r: RequestInfo) => void;
  }> = [];

  nextSeq(): number {
    return ++this.seq;
  }

  add(info: RequestInfo): void {
    this.entries.push(info);
  }

  /** Marks a request answered and wakes those waiting for it. */
  done(info: RequestInfo, status: number, fault?: string): void {
    info.status = status;
    info.respondedAt = Date.now();
    if (fault) info.fault = fault;
    this.waiters = this.waiters.filter(w => {
      if (!matches(w.match, info)) return true;
      w.resolve(info);
      return false;
    });
  }

  /** Recorded requests (matching), in arrival order. */
  list(match?: RequestMatch): RequestInfo[] {
    return this.entries.filter(e => matches(match, e));
  }

  count(match?: RequestMatch): number {
    return this.list(match).length;
  }

  /** Requests per route, e.g. `{'GET /repos/{owner}/{repo}/commits/{ref}': 3}`. */
  counts(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const e of this.entries) out[e.route] = (out[e.route] ?? 0) + 1;
    return out;
  }

  /** Resolves when a matching request arriving from now on has been answered. */
  next(match?: RequestMatch): Promise<RequestInfo> {
    return new Promise(resolve => this.waiters.push({ match, resolve }));
  }

  reset(): void {
    this.entries = [];
  }
}
