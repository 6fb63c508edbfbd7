import type { HistoryCommit } from '../../git/GitHubHistoryPages';

/**
 * The window cannot answer yet: more history pages are needed
 * (`exhausted` false), or the whole history of the default branch is there
 * and the commit is not on it (`exhausted` true: ask GitHub directly).
 */
export class NotInHistory extends Error {
  constructor(readonly exhausted: boolean, message: string) {
    super(message);
  }
}

const TO = 1;
const FROM = 2;

/** A binary min-heap of window positions. */
class MinHeap {
  private readonly items: number[] = [];
  get size(): number {
    return this.items.length;
  }
  push(n: number): void {
    const a = this.items;
    a.push(n);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (a[p] <= a[i]) break;
      [a[p], a[i]] = [a[i], a[p]];
      i = p;
    }
  }
  pop(): number | undefined {
    const a = this.items;
    if (a.length === 0) return undefined;
    const top = a[0];
    const last = a.pop()!;
    if (a.length > 0) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && a[l] < a[m]) m = l;
        if (r < a.length && a[r] < a[m]) m = r;
        if (m === i) break;
        [a[m], a[i]] = [a[i], a[m]];
        i = m;
      }
    }
    return top;
  }
}

/**
 * The history of a source repository's default branch fetched so far: the
 * newest commits, in GitHub's `history` order (as `git log`: newest first).
 * Version ranges are computed here, locally, as `git log from..to` would:
 * a walk from both ends in history order (git's paint-down-to-common),
 * which assumes a commit is listed after its descendants (committer dates
 * do not go back in time). When a walk leaves the window on a side that
 * the other side has not reached, the answer is not known yet:
 * NotInHistory (fetch the next page, or ask GitHub's compare).
 */
export class HistoryWindow {
  private readonly commits: HistoryCommit[] = [];
  private readonly position = new Map<string, number>();
  /** Full shas by their first 7 characters, for short-sha versions. */
  private readonly byPrefix = new Map<string, string[]>();
  head?: string;
  endCursor?: string;
  hasNextPage = true;
  pages = 0;

  get size(): number {
    return this.commits.length;
  }

  /** The whole default branch is here. */
  get exhausted(): boolean {
    return this.pages > 0 && !this.hasNextPage;
  }

  add(page: {
    head: string;
    commits: HistoryCommit[];
    endCursor?: string;
    hasNextPage: boolean;
  }): void {
    this.head ??= page.head;
    for (const c of page.commits) {
      if (this.position.has(c.sha)) continue;
      this.position.set(c.sha, this.commits.length);
      this.commits.push(c);
      const key = c.sha.slice(0, 7);
      this.byPrefix.set(key, [...(this.byPrefix.get(key) ?? []), c.sha]);
    }
    this.endCursor = page.endCursor;
    this.hasNextPage = page.hasNextPage && page.commits.length > 0;
    this.pages++;
  }

  commit(sha: string): HistoryCommit | undefined {
    const i = this.position.get(sha);
    return i === undefined ? undefined : this.commits[i];
  }

  private missing(what: string): NotInHistory {
    return new NotInHistory(
      this.exhausted,
      `${what} is not in the ${this.size} newest commits of the default branch${
        this.exhausted ? ' (its whole history)' : ''
      }`,
    );
  }

  /** The full sha a (short or full) sha names, or NotInHistory. */
  resolve(candidate: string): string {
    const c = candidate.toLowerCase();
    if (c.length === 40 && this.position.has(c)) return c;
    if (c.length >= 7 && c.length < 40) {
      const hits = (this.byPrefix.get(c.slice(0, 7)) ?? []).filter(s =>
        s.startsWith(c),
      );
      // Two commits with the prefix: GitHub decides (it may refuse).
      if (hits.length === 1) return hits[0];
    }
    throw this.missing(`commit ${candidate.slice(0, 12)}`);
  }

  /**
   * Commits reachable from `to` and not from `from` (added), and the
   * reverse (removed), each newest first.
   */
  between(
    from: string,
    to: string,
  ): { added: HistoryCommit[]; removed: HistoryCommit[] } {
    const start = [
      [to, TO],
      [from, FROM],
    ] as const;
    const flags = new Map<number, number>();
    const heap = new MinHeap();
    const queued = new Set<number>();
    let live = 0; // queued positions not painted by both sides
    const exits = new Map<string, number>();
    const paint = (i: number, f: number) => {
      const before = flags.get(i) ?? 0;
      const after = before | f;
      if (after === before) return;
      flags.set(i, after);
      if (queued.has(i)) {
        if (after === (TO | FROM)) live--;
        return;
      }
      queued.add(i);
      heap.push(i);
      if (after !== (TO | FROM)) live++;
    };
    for (const [sha, f] of start) {
      const i = this.position.get(sha);
      if (i === undefined) throw this.missing(`commit ${sha.slice(0, 12)}`);
      paint(i, f);
    }
    const step = () => {
      const i = heap.pop()!;
      queued.delete(i);
      const f = flags.get(i)!;
      if (f !== (TO | FROM)) live--;
      for (const p of this.commits[i].parents) {
        const pi = this.position.get(p);
        if (pi === undefined) exits.set(p, (exits.get(p) ?? 0) | f);
        else paint(pi, f);
      }
    };
    while (live > 0) step();
    // A side left the window: the commits both sides reach may still lead
    // to the same place outside it; follow them before deciding.
    const oneSided = () => [...exits.values()].some(f => f !== (TO | FROM));
    if (oneSided()) while (heap.size > 0) step();
    for (const [sha, f] of exits) {
      if (f !== (TO | FROM)) {
        throw this.missing(`ancestor ${sha.slice(0, 12)}`);
      }
    }
    const added: HistoryCommit[] = [];
    const removed: HistoryCommit[] = [];
    for (const i of [...flags.keys()].sort((a, b) => a - b)) {
      const f = flags.get(i);
      if (f === TO) added.push(this.commits[i]);
      else if (f === FROM) removed.push(this.commits[i]);
    }
    return { added, removed };
  }

  /**
   * The first `max + 1` commits reachable from `to`, newest first (as
   * GitHub lists the history of `to`), or NotInHistory while the window
   * may not hold them all.
   */
  ancestors(to: string, max: number): HistoryCommit[] {
    const start = this.position.get(to);
    if (start === undefined) throw this.missing(`commit ${to.slice(0, 12)}`);
    const out: HistoryCommit[] = [];
    const heap = new MinHeap();
    const seen = new Set<number>([start]);
    heap.push(start);
    let leftWindow = false;
    while (out.length < max + 1) {
      const i = heap.pop();
      if (i === undefined) break;
      out.push(this.commits[i]);
      for (const p of this.commits[i].parents) {
        const pi = this.position.get(p);
        if (pi === undefined) leftWindow = true;
        else if (!seen.has(pi)) {
          seen.add(pi);
          heap.push(pi);
        }
      }
    }
    // Commits outside the window come after every commit in it.
    if (out.length < max + 1 && leftWindow) {
      throw this.missing(`history of ${to.slice(0, 12)}`);
    }
    return out;
  }
}
