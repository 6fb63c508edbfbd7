import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const BACKEND_DIR = path.resolve(__dirname, '../../backend');

/**
 * One backend process of the demo portal (packages/backend), started the
 * way `yarn start` does (TypeScript through the Backstage CLI's transform),
 * with the demo app-config and an overlay. Killed with SIGKILL to simulate
 * a crash.
 */
export class Replica {
  private child?: ChildProcess;
  private exited?: Promise<void>;
  readonly logFile: string;

  constructor(
    readonly name: string,
    readonly port: number,
    private readonly configFiles: string[],
    workDir: string,
  ) {
    this.logFile = path.join(workDir, `${name}.log`);
  }

  get url(): string {
    return `http://localhost:${this.port}`;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Alive: neither exited nor ended by a signal (ours or anyone's kill -9). */
  get running(): boolean {
    return Boolean(
      this.child &&
        this.child.exitCode === null &&
        this.child.signalCode === null,
    );
  }

  async start(timeoutMs = 240_000): Promise<void> {
    const log = fs.openSync(this.logFile, 'a');
    const args = [
      '--require',
      require.resolve('@backstage/cli/config/nodeTransform.cjs'),
      'src/index.ts',
      ...this.configFiles.flatMap(f => ['--config', f]),
    ];
    this.child = spawn(process.execPath, args, {
      cwd: BACKEND_DIR,
      env: { ...process.env, NODE_ENV: 'development', FORCE_COLOR: '0' },
      stdio: ['ignore', log, log],
    });
    const child = this.child;
    this.exited = new Promise(resolve => child.once('exit', () => resolve()));
    fs.closeSync(log);
    const until = Date.now() + timeoutMs;
    while (Date.now() < until) {
      if (child.exitCode !== null)
        throw new Error(
          `${this.name} exited (${child.exitCode}):\n${this.tail()}`,
        );
      try {
        const res = await fetch(`${this.url}/api/gitops/health`);
        if (res.ok) return;
      } catch {
        // not listening yet
      }
      await new Promise(r => setTimeout(r, 500));
    }
    throw new Error(`${this.name} did not start in time:\n${this.tail()}`);
  }

  /** A crash: SIGKILL, no shutdown hooks, leases left behind. */
  async kill(): Promise<void> {
    if (!this.running) return;
    this.child!.kill('SIGKILL');
    await this.exited;
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.child!.kill('SIGTERM');
    const timer = setTimeout(() => this.child?.kill('SIGKILL'), 10_000);
    await this.exited;
    clearTimeout(timer);
  }

  /** How many lines of this replica's log (all its runs) match. */
  countLines(pattern: RegExp): number {
    try {
      return fs
        .readFileSync(this.logFile, 'utf8')
        .split('\n')
        .filter(line => pattern.test(line)).length;
    } catch {
      return 0;
    }
  }

  tail(lines = 40): string {
    try {
      return fs
        .readFileSync(this.logFile, 'utf8')
        .split('\n')
        .slice(-lines)
        .join('\n');
    } catch {
      return '(no log)';
    }
  }
}
