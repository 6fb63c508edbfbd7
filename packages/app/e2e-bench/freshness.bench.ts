import { BrowserContext, expect, Page, test } from '@playwright/test';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { GITOPS, ROOT, git, open } from '../e2e-tests/helpers';

/**
 * Fresh within seconds (issue #11), measured in one run against the started
 * demo portal (`yarn bench:freshness`, docs/benchmarks.md#push-to-screen):
 *
 * 1. push to screen: 100 commits made in the demo GitOps repository, each
 *    announced by its post-commit hook as a signed GitHub `push` to the
 *    events endpoint; the time from the commit to its version on the open
 *    tab (Chromium), one commit after the other;
 * 2. the requests reaching the backend per minute with 50 open tabs of the
 *    same service, with signals (the app as shipped) and with polling (the
 *    same app with its signals API extension disabled, the way an app
 *    without the signals plugin runs): a quiet minute, then a minute
 *    starting with one commit.
 */

const TAB = '/catalog/default/component/guestbook-worker/gitops';
const FILE = path.join(GITOPS, 'apps/guestbook-worker/dev/deployment.yaml');
const BACKEND = process.env.PLAYWRIGHT_BACKEND_URL ?? 'http://localhost:7007';
const PUSHES = Number(process.env.BENCH_PUSHES ?? 100);
const TABS = Number(process.env.BENCH_TABS ?? 50);
const WINDOW_MS = Number(process.env.BENCH_WINDOW_MS ?? 60_000);
/** After the last tab opened, before counting (their first fetches end). */
const SETTLE_MS = 15_000;
/** A push not on screen by then is counted as missed (the fallback would show it). */
const PUSH_TIMEOUT_MS = 30_000;
const WARMUP_MAX = Number(process.env.BENCH_WARMUP_MAX ?? 30);

const versionOf = (page: Page) =>
  page.getByTestId('gitops-env-dev').getByTestId('gitops-env-version');

/** Commits a new worker tag to dev by hand (the hook announces it); returns the tag. */
function commitByHand(label: string): string {
  const tag = `${Date.now().toString(16)}${label}`.padStart(12, '0');
  const before = fs.readFileSync(FILE, 'utf8');
  const after = before.replace(
    /(ghcr\.io\/acme\/guestbook-worker:)[^\s"']+/,
    `$1${tag}`,
  );
  if (after === before) throw new Error('no worker image in the dev overlay');
  fs.writeFileSync(FILE, after);
  git(
    '-c',
    'user.name=Ada Bench',
    '-c',
    'user.email=ada@example.com',
    'commit',
    '-qam',
    `bench: guestbook-worker ${tag} to dev`,
  );
  return tag;
}

/**
 * Commits by hand and waits for the commit's version on the tab: the
 * milliseconds from the commit, or Infinity when not within PUSH_TIMEOUT_MS
 * (then waits for it longer, so the next push starts from a quiet tab).
 */
async function pushToScreen(page: Page, label: string): Promise<number> {
  const started = Date.now();
  const tag = commitByHand(label);
  try {
    await expect(versionOf(page)).toHaveText(tag, {
      timeout: PUSH_TIMEOUT_MS,
    });
    return Date.now() - started;
  } catch {
    await expect(versionOf(page)).toHaveText(tag, { timeout: 120_000 });
    return Infinity;
  }
}

/** Resolves once the page's signals socket subscribed to the gitops channel. */
function signalsSubscribed(page: Page): Promise<void> {
  return new Promise<void>(resolve => {
    page.on('websocket', ws => {
      if (!ws.url().endsWith('/api/signals')) return;
      ws.on('framesent', frame => {
        if (String(frame.payload).includes('"channel":"gitops:changes"'))
          resolve();
      });
    });
  });
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length) - 1;
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank))];
}

/**
 * The app's extension settings with the signals API turned off, and with it
 * the user-settings storage, which needs it (settings then live in the
 * browser's local storage, as in an app without the signals plugin).
 */
function pollingAppConfig() {
  const config = parse(
    fs.readFileSync(path.join(ROOT, 'app-config.yaml'), 'utf8'),
  );
  // A later config replaces an array: repeat the app's own entries.
  const extensions = [
    ...(config.app?.extensions ?? []),
    { 'api:signals': false },
    { 'api:app/user-settings-storage': false },
  ];
  return { app: { extensions } };
}

/** Requests from the context's pages to the backend, by method and path. */
class RequestCounter {
  private counting = false;
  private readonly byPath = new Map<string, number>();
  total = 0;

  constructor(context: BrowserContext) {
    context.on('request', req => {
      if (!this.counting || !req.url().startsWith(BACKEND)) return;
      const { pathname } = new URL(req.url());
      const key = `${req.method()} ${pathname}`;
      this.byPath.set(key, (this.byPath.get(key) ?? 0) + 1);
      this.total++;
    });
  }

  async window(ms: number, during?: () => Promise<void>) {
    this.byPath.clear();
    this.total = 0;
    this.counting = true;
    const started = Date.now();
    await during?.();
    await new Promise(r => setTimeout(r, ms - (Date.now() - started)));
    this.counting = false;
    const top = [...this.byPath.entries()]
      .sort((x, y) => y[1] - x[1])
      .slice(0, 6)
      .map(([k, n]) => `${n} ${k}`);
    return { requests: this.total, top };
  }
}

/** Opens one tab of the service; `subscribed` resolves once its signals socket subscribed. */
async function openTab(
  context: BrowserContext,
): Promise<{ page: Page; subscribed: Promise<void> }> {
  const page = await context.newPage();
  const subscribed = signalsSubscribed(page);
  await open(page, TAB);
  // A loaded backend (many polling tabs) may take long to answer.
  await expect(versionOf(page)).toHaveText(/^[0-9a-f]{7,}$/, {
    timeout: 180_000,
  });
  return { page, subscribed };
}

/** Opens `count` tabs of the service in a context, five at a time. */
async function openTabs(
  context: BrowserContext,
  count: number,
  mode: 'signals' | 'polling',
): Promise<{ pages: Page[]; subscribedSockets: number; openedInMs: number }> {
  const started = Date.now();
  const tabs: Array<{ page: Page; subscribed: Promise<void> }> = [];
  while (tabs.length < count) {
    const batch = Math.min(5, count - tabs.length);
    tabs.push(
      ...(await Promise.all(
        Array.from({ length: batch }, () => openTab(context)),
      )),
    );
  }
  const openedInMs = Date.now() - started;
  let subscribed = 0;
  const onSubscribed = () => {
    subscribed++;
  };
  tabs.forEach(tab => tab.subscribed.then(onSubscribed));
  if (mode === 'signals') {
    await expect
      .poll(() => subscribed, { timeout: 60_000 })
      .toBeGreaterThanOrEqual(count);
  } else {
    // The app really runs without signals: no tab subscribed.
    await new Promise(r => setTimeout(r, 2000));
    expect(subscribed).toBe(0);
  }
  return {
    pages: tabs.map(t => t.page),
    subscribedSockets: subscribed,
    openedInMs,
  };
}

test('freshness: push-to-screen over 100 pushes; backend requests per minute for 50 tabs, signals vs polling', async ({
  browser,
}) => {
  const figures: Record<string, unknown> = {
    date: new Date().toISOString(),
    node: process.version,
    cpus: `${os.cpus().length} × ${os.cpus()[0]?.model ?? '?'}`,
    loadAverageAtStart: os.loadavg(),
  };

  // 1. Push to screen.
  if (PUSHES > 0) {
    const context = await browser.newContext();
    const page = await context.newPage();
    const subscribed = signalsSubscribed(page);
    await open(page, TAB);
    await subscribed;
    await expect(versionOf(page)).toHaveText(/^[0-9a-f]{7,}$/);
    // Warm-up, not counted: right after a start the backend correlates the
    // whole demo once the catalog knows the services' sources (a minute or
    // more on a loaded machine), and a push's ingestion waits for the run
    // under way. Measured from the second of two pushes in a row on screen
    // within 2 s (at most WARMUP_MAX pushes).
    const warmup: number[] = [];
    let fastInARow = 0;
    while (fastInARow < 2 && warmup.length < WARMUP_MAX) {
      const ms = await pushToScreen(page, `a${warmup.length}`);
      warmup.push(ms);
      fastInARow = ms <= 2000 ? fastInARow + 1 : 0;
    }
    const latencies: number[] = [];
    for (let i = 0; i < PUSHES; i++) {
      latencies.push(await pushToScreen(page, `b${i}`));
    }
    const missed = latencies.filter(ms => !Number.isFinite(ms)).length;
    await context.close();
    const sorted = latencies
      .filter(ms => Number.isFinite(ms))
      .sort((x, y) => x - y);
    figures.pushToScreen = {
      pushes: PUSHES,
      p50Ms: percentile(sorted, 50),
      p95Ms: percentile(sorted, 95),
      minMs: sorted[0],
      maxMs: sorted[sorted.length - 1],
      over2s: latencies.filter(ms => ms > 2000).length,
      missed,
      warmupMs: warmup,
      loadAverageAfter: os.loadavg(),
    };
    process.stdout.write(
      `push to screen: ${JSON.stringify(figures.pushToScreen)}\n`,
    );
  }

  // 2. Requests per minute with 50 open tabs, signals vs polling.
  const modes = (process.env.BENCH_MODES ?? 'signals,polling')
    .split(',')
    .filter((m): m is 'signals' | 'polling' =>
      ['signals', 'polling'].includes(m),
    );
  for (const mode of modes) {
    const context = await browser.newContext();
    if (mode === 'polling') {
      await context.addInitScript(config => {
        (window as any).__APP_CONFIG__ = config;
      }, pollingAppConfig());
    }
    const counter = new RequestCounter(context);
    const { pages, subscribedSockets, openedInMs } = await openTabs(
      context,
      TABS,
      mode,
    );
    const visible = await Promise.all(
      pages.map(p => p.evaluate(() => document.visibilityState)),
    );
    await new Promise(r => setTimeout(r, SETTLE_MS));
    const quiet = await counter.window(WINDOW_MS);
    let tag = '';
    const pushed = await counter.window(WINDOW_MS, async () => {
      tag = commitByHand(mode === 'signals' ? 'c' : 'd');
    });
    // Every tab shows the commit by the end of that minute.
    const shown = await Promise.all(
      pages.map(async p => (await versionOf(p).textContent()) === tag),
    );
    figures[mode] = {
      tabs: pages.length,
      visibleTabs: visible.filter(v => v === 'visible').length,
      signalsSockets: subscribedSockets,
      openedInMs,
      quietMinute: quiet,
      minuteWithOnePush: pushed,
      tabsShowingThePush: shown.filter(Boolean).length,
      loadAverageAfter: os.loadavg(),
    };
    process.stdout.write(`${mode}: ${JSON.stringify(figures[mode])}\n`);
    await context.close();
  }

  const out = path.join(ROOT, 'node_modules/.cache/bench-freshness.json');
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, JSON.stringify(figures, null, 2));
  process.stdout.write(
    `freshness figures: ${JSON.stringify(figures, null, 2)}\n`,
  );
});
