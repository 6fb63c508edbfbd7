import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

/**
 * A real Prometheus (Debian's `prometheus` package) for the tests of the
 * `prometheus` step: its own config file, storage in a temporary
 * directory and a free port, scraping a tiny target this process serves,
 * whose gauges the test sets. Stopped by its own pid.
 */
export interface TestPrometheus {
  url: string;
  /** Sets `guestbook_error_ratio{service="guestbook-ui",env="staging"}`. */
  setErrorRatio(value: number): void;
  /** Waits until an instant query of `query` returns `value` (scrapes are 1 s apart). */
  waitForValue(query: string, value: number): Promise<void>;
  stop(): Promise<void>;
}

const CANDIDATES = ['/usr/bin/prometheus', '/usr/local/bin/prometheus'];

function findBinary(): string | undefined {
  return CANDIDATES.find(p => fs.existsSync(p));
}

/**
 * Installs Debian's prometheus when it is missing, the way
 * scripts/ci-test.mjs installs chromium (root, or sudo).
 */
export function ensurePrometheusBinary(): string {
  const found = findBinary();
  if (found) return found;
  const sudo = process.getuid && process.getuid() !== 0;
  const apt = (...args: string[]) =>
    spawnSync(
      sudo ? 'sudo' : 'apt-get',
      [...(sudo ? ['apt-get'] : []), ...args],
      {
        stdio: 'inherit',
        env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
      },
    ).status === 0;
  apt('update', '-qq');
  apt('install', '-y', '-qq', '--no-install-recommends', 'prometheus');
  const installed = findBinary();
  if (!installed) {
    throw new Error(
      "Prometheus is not installed and could not be: run `apt-get install -y prometheus` (Debian's package)",
    );
  }
  return installed;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

async function getJson(url: string): Promise<any> {
  const res = await fetch(url);
  return res.json();
}

async function until<T>(
  what: string,
  fn: () => Promise<T | undefined>,
  log: () => string,
  limitMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + limitMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    await new Promise(r => setTimeout(r, 200));
  }
  throw new Error(
    `Prometheus: ${what} did not happen (${String(last ?? '')})\n${log()}`,
  );
}

export async function startPrometheus(): Promise<TestPrometheus> {
  const binary = ensurePrometheusBinary();
  let errorRatio = 0;
  const target = http.createServer((_req, res) => {
    res.setHeader('content-type', 'text/plain; version=0.0.4');
    res.end(
      [
        '# TYPE guestbook_error_ratio gauge',
        `guestbook_error_ratio{service="guestbook-ui",env="staging"} ${errorRatio}`,
        '# TYPE guestbook_up gauge',
        'guestbook_up{pod="guestbook-ui-a"} 1',
        'guestbook_up{pod="guestbook-ui-b"} 1',
        '',
      ].join('\n'),
    );
  });
  await new Promise<void>(r => target.listen(0, '127.0.0.1', r));
  const targetPort = (target.address() as net.AddressInfo).port;

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gitops-prometheus-'));
  const config = path.join(dir, 'prometheus.yml');
  fs.writeFileSync(
    config,
    [
      'global:',
      '  scrape_interval: 1s',
      '  evaluation_interval: 1s',
      'scrape_configs:',
      '  - job_name: guestbook',
      '    static_configs:',
      `      - targets: ['127.0.0.1:${targetPort}']`,
      '',
    ].join('\n'),
  );
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let output = '';
  const child: ChildProcess = spawn(
    binary,
    [
      `--config.file=${config}`,
      `--storage.tsdb.path=${path.join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--storage.tsdb.retention.time=1h',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>(resolve =>
    child.once('exit', () => resolve()),
  );

  const stop = async () => {
    if (child.exitCode === null && child.pid) {
      process.kill(child.pid, 'SIGTERM');
      const killer = setTimeout(() => {
        if (child.exitCode === null && child.pid)
          process.kill(child.pid, 'SIGKILL');
      }, 5000);
      await exited;
      clearTimeout(killer);
    }
    await new Promise<void>(r => target.close(() => r()));
    fs.rmSync(dir, { recursive: true, force: true });
  };

  const value = async (query: string) => {
    const body = await getJson(
      `${url}/api/v1/query?${new URLSearchParams({ query })}`,
    );
    const sample = body?.data?.result?.[0]?.value?.[1];
    return sample === undefined ? undefined : Number(sample);
  };

  try {
    await until(
      'ready',
      async () => ((await fetch(`${url}/-/ready`)).ok ? true : undefined),
      () => output,
    );
    // The target has been scraped at least once.
    await until(
      'first scrape',
      async () =>
        (await value('up{job="guestbook"}')) === 1 ? true : undefined,
      () => output,
    );
  } catch (e) {
    await stop();
    throw e;
  }

  return {
    url,
    setErrorRatio(v) {
      errorRatio = v;
    },
    async waitForValue(query, expected) {
      await until(
        `${query} == ${expected}`,
        async () => ((await value(query)) === expected ? true : undefined),
        () => output,
      );
    },
    stop,
  };
}
