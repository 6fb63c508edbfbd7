/* Raw HTTP helpers for the protocol tests (no client library in between). */
import http from 'node:http';

/** Waits for items pushed later; no timers: resolves when a matching item arrives. */
export class Waitable<T> {
  readonly items: T[] = [];
  private waiters: Array<{ pred: (t: T) => boolean; resolve: (t: T) => void }> =
    [];

  push(item: T) {
    this.items.push(item);
    this.waiters = this.waiters.filter(w => {
      if (w.pred(item)) {
        w.resolve(item);
        return false;
      }
      return true;
    });
  }

  /** The first item (already seen or future) matching. */
  waitFor(pred: (t: T) => boolean = () => true): Promise<T> {
    const seen = this.items.find(pred);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise(resolve => this.waiters.push({ pred, resolve }));
  }

  /** The first item arriving after now that matches. */
  next(pred: (t: T) => boolean = () => true): Promise<T> {
    return new Promise(resolve => this.waiters.push({ pred, resolve }));
  }
}

export async function getJson(
  base: string,
  path: string,
  token?: string,
): Promise<{ status: number; body: any; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const req = http.get(
      `${base}${path}`,
      { headers: token ? { Authorization: `Bearer ${token}` } : {} },
      res => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', c => (text += c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            body: JSON.parse(text),
            headers: res.headers,
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
  });
}

export interface RawWatch {
  status: Promise<number>;
  headers: Promise<http.IncomingHttpHeaders>;
  events: Waitable<{ type: string; object: any }>;
  /** Resolves when the server ends the stream ('end') or the socket breaks ('aborted'). */
  ended: Promise<'end' | 'aborted'>;
  close(): void;
}

/** Opens a watch and parses the newline-delimited JSON events. */
export function rawWatch(base: string, path: string, token?: string): RawWatch {
  const events = new Waitable<{ type: string; object: any }>();
  let resolveStatus!: (s: number) => void;
  let resolveHeaders!: (h: http.IncomingHttpHeaders) => void;
  let resolveEnded!: (s: 'end' | 'aborted') => void;
  const status = new Promise<number>(r => (resolveStatus = r));
  const headers = new Promise<http.IncomingHttpHeaders>(
    r => (resolveHeaders = r),
  );
  const ended = new Promise<'end' | 'aborted'>(r => (resolveEnded = r));
  const req = http.get(
    `${base}${path}`,
    { headers: token ? { Authorization: `Bearer ${token}` } : {} },
    res => {
      resolveStatus(res.statusCode ?? 0);
      resolveHeaders(res.headers);
      let buf = '';
      res.setEncoding('utf8');
      res.on('data', chunk => {
        buf += chunk;
        const lines = buf.split('\n');
        buf = lines.pop() ?? '';
        for (const line of lines) {
          if (line.trim()) events.push(JSON.parse(line));
        }
      });
      res.on('end', () => resolveEnded('end'));
      res.on('aborted', () => resolveEnded('aborted'));
      res.on('error', () => resolveEnded('aborted'));
    },
  );
  req.on('error', () => resolveEnded('aborted'));
  return { status, headers, events, ended, close: () => req.destroy() };
}
