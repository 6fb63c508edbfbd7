import http from 'node:http';
import net from 'node:net';

/** What the target does with one request: hold it open, or answer a status. */
export type TargetAnswer = 'hang' | number;

export interface TargetRequest {
  version: string;
  /** 1 for the first request of this version. */
  index: number;
  startedAt: number;
  /** `open` while held; `aborted` when the caller went away first (its process died). */
  outcome: 'open' | 'answered' | 'aborted';
  status?: number;
}

/**
 * The target of the suite's `http` steps (`GET /smoke/<service>?version=`):
 * a counting test server that answers each request of a version by its
 * script (request 1, 2, … ; the last entry repeats), 200 when the version
 * has none. It records every request, whether it was answered or cut off,
 * and the most requests of one version it ever had open at once.
 */
export class StepTarget {
  readonly requests: TargetRequest[] = [];
  private readonly scripts = new Map<string, TargetAnswer[]>();
  private readonly open = new Map<string, number>();
  private readonly maxOpen = new Map<string, number>();

  private constructor(private readonly server: http.Server) {}

  static async start(): Promise<StepTarget> {
    const server = http.createServer();
    const target = new StepTarget(server);
    server.on('request', (req, res) => target.handle(req, res));
    await new Promise<void>(resolve =>
      server.listen(0, '127.0.0.1', () => resolve()),
    );
    return target;
  }

  get url(): string {
    const { port } = this.server.address() as net.AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  /** Answers for the requests of `version`, in order. */
  script(version: string, answers: TargetAnswer[]): void {
    this.scripts.set(version, answers);
  }

  of(version: string): TargetRequest[] {
    return this.requests.filter(r => r.version === version);
  }

  /** The most requests of `version` open at the same time. */
  maxConcurrent(version: string): number {
    return this.maxOpen.get(version) ?? 0;
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://target');
    if (!url.pathname.startsWith('/smoke/')) {
      res.writeHead(404).end();
      return;
    }
    const version = url.searchParams.get('version') ?? '';
    const index = this.of(version).length + 1;
    const record: TargetRequest = {
      version,
      index,
      startedAt: Date.now(),
      outcome: 'open',
    };
    this.requests.push(record);
    const open = (this.open.get(version) ?? 0) + 1;
    this.open.set(version, open);
    this.maxOpen.set(version, Math.max(open, this.maxOpen.get(version) ?? 0));
    res.on('close', () => {
      this.open.set(version, (this.open.get(version) ?? 1) - 1);
      if (record.outcome === 'open') record.outcome = 'aborted';
    });
    const script = this.scripts.get(version) ?? [200];
    const answer = script[Math.min(index, script.length) - 1];
    if (answer === 'hang') return;
    record.outcome = 'answered';
    record.status = answer;
    res
      .writeHead(answer, { 'content-type': 'application/json' })
      .end(JSON.stringify({ version, request: index }));
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>(resolve => this.server.close(() => resolve()));
  }
}
