/*
 * Watches one cluster: one list + watch per resource kind (per kind and
 * namespace when the scope names namespaces; lists paged, src/cluster/watchScope.ts),
 * keeping summaries only (src/cluster/summarize.ts). Recovers on its own:
 * - 410 Gone (event or HTTP) → relist;
 * - error or broken stream → restart with jittered exponential backoff
 *   (resuming from the last resourceVersion: no lost update);
 * - no event nor bookmark for `silenceTimeoutMs` → restart;
 * - a kind the cluster does not serve (404, e.g. no Argo CD CRD) → skipped.
 * Bookmarks are asked for, so resourceVersions stay fresh on quiet kinds.
 */
import type { LoggerService } from '@backstage/backend-plugin-api';
import type { ClusterConnection } from '@gitops2/plugin-gitops-common';
import { KubeClient, statusCodeOf } from './kubeClient';
import {
  summarizeDelivery,
  summarizePod,
  summarizeReplicaSet,
  summarizeWorkload,
} from './summarize';
import type { ClusterSnapshot } from './types';
import {
  DEFAULT_MAX_OBJECTS,
  listPageUrl,
  namespacedPath,
  overLimitMessage,
  WatchScope,
} from './watchScope';

/** The kinds watched, cluster-wide. Secrets are never watched. */
export const WATCHED_KINDS = [
  { kind: 'Deployment', path: '/apis/apps/v1/deployments' },
  { kind: 'StatefulSet', path: '/apis/apps/v1/statefulsets' },
  { kind: 'ReplicaSet', path: '/apis/apps/v1/replicasets' },
  { kind: 'Pod', path: '/api/v1/pods' },
  { kind: 'Application', path: '/apis/argoproj.io/v1alpha1/applications' },
  {
    kind: 'Kustomization',
    path: '/apis/kustomize.toolkit.fluxcd.io/v1/kustomizations',
  },
  { kind: 'HelmRelease', path: '/apis/helm.toolkit.fluxcd.io/v2/helmreleases' },
] as const;

type KindName = (typeof WATCHED_KINDS)[number]['kind'];

function summarize(kind: KindName, o: any): unknown {
  switch (kind) {
    case 'Deployment':
    case 'StatefulSet':
      return summarizeWorkload(kind, o);
    case 'ReplicaSet':
      return summarizeReplicaSet(o);
    case 'Pod':
      return summarizePod(o);
    default:
      return summarizeDelivery(kind, o);
  }
}

const keyOf = (o: any) =>
  `${o?.metadata?.namespace ?? ''}/${o?.metadata?.name ?? ''}`;

interface KindState {
  kind: KindName;
  /** Cluster-wide, or of one namespace of the scope. */
  path: string;
  namespace?: string;
  cache: Map<string, unknown>;
  resourceVersion?: string;
  served: boolean;
  listed: boolean;
  attempt: number;
  state: 'connecting' | 'ok' | 'unreachable' | 'unauthorized';
  since?: number;
  message?: string;
  stop?: () => void;
}

export interface ClusterWatcherOptions {
  cluster: string;
  client: KubeClient;
  logger: LoggerService;
  /** Called (synchronously) after every change of the cache. */
  onChange?: () => void;
  /** Called when the connection state changes. */
  onConnection?: (connection: ClusterConnection) => void;
  /** Backoff of restarts after errors: initial and cap (default 500 ms, 30 s). */
  backoff?: { initialMs?: number; maxMs?: number };
  /** A watch with no event nor bookmark for this long is restarted (default 150 s). */
  silenceTimeoutMs?: number;
  /** Server-side timeout asked of each watch (default 5-10 min, random). */
  watchTimeoutSeconds?: number;
  /** Namespaces, label selector and list page size (default: whole cluster, pages of 500). */
  scope?: WatchScope;
  now?: () => number;
  random?: () => number;
}

/** Counters, for tests and the benchmark. */
export interface WatcherStats {
  /** Complete lists (of all their pages). */
  lists: number;
  /** List requests (pages). */
  listPages: number;
  watches: number;
  relists: number;
  silenceRestarts: number;
  errors: number;
  /** Lists or events refused because the cluster held `maxObjects`. */
  overLimit: number;
  events: number;
}

export class ClusterWatcher {
  private readonly kinds: KindState[];
  private stopped = true;
  private running: Promise<void>[] = [];
  private lastEventAt?: number;
  private connection: ClusterConnection;
  private readonly sleeps = new Set<() => void>();
  readonly stats: WatcherStats = {
    lists: 0,
    listPages: 0,
    watches: 0,
    relists: 0,
    silenceRestarts: 0,
    errors: 0,
    overLimit: 0,
    events: 0,
  };

  constructor(private readonly options: ClusterWatcherOptions) {
    const namespaces = options.scope?.namespaces?.length
      ? options.scope.namespaces
      : [undefined];
    this.kinds = WATCHED_KINDS.flatMap(k =>
      namespaces.map(namespace => ({
        kind: k.kind,
        path: namespacedPath(k.path, namespace),
        namespace,
        cache: new Map(),
        served: true,
        listed: false,
        attempt: 0,
        state: 'connecting' as const,
      })),
    );
    this.connection = { cluster: options.cluster, state: 'connecting' };
  }

  get cluster(): string {
    return this.options.cluster;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.running = this.kinds.map(k =>
      this.run(k).catch(e =>
        this.options.logger.error(
          `cluster ${this.cluster}: ${k.kind} watcher crashed: ${e}`,
        ),
      ),
    );
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const k of this.kinds) k.stop?.();
    for (const wake of [...this.sleeps]) wake();
    await Promise.all(this.running);
    this.running = [];
  }

  /** The cached summaries, as the status computation reads them. */
  snapshot(): ClusterSnapshot {
    const values = (kind: KindName) =>
      this.kinds
        .filter(k => k.kind === kind)
        .flatMap(k => [...k.cache.values()]) as any[];
    return {
      workloads: [...values('Deployment'), ...values('StatefulSet')],
      replicaSets: values('ReplicaSet'),
      pods: values('Pod'),
      deliveries: [
        ...values('Application'),
        ...values('Kustomization'),
        ...values('HelmRelease'),
      ],
    };
  }

  connectionState(): ClusterConnection {
    return { ...this.connection };
  }

  /** True once every kind was listed once (or found not served). */
  hasListed(): boolean {
    return this.kinds.every(k => !k.served || k.listed);
  }

  /** Kinds the cluster serves (after their first list). */
  servedKinds(): string[] {
    return [...new Set(this.kinds.filter(k => k.served).map(k => k.kind))];
  }

  /** Number of cached objects (for the benchmark). */
  size(): number {
    return this.kinds.reduce((n, k) => n + k.cache.size, 0);
  }

  private now() {
    return this.options.now?.() ?? Date.now();
  }

  private backoffMs(attempt: number): number {
    const initial = this.options.backoff?.initialMs ?? 500;
    const max = this.options.backoff?.maxMs ?? 30_000;
    const exp = Math.min(max, initial * 2 ** Math.min(attempt, 20));
    const random = this.options.random?.() ?? Math.random();
    // Full jitter in [exp/2, exp): replicas and kinds do not retry in step.
    return Math.round(exp / 2 + (random * exp) / 2);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise(resolve => {
      let timer: ReturnType<typeof setTimeout> | undefined = undefined;
      const wake = () => {
        clearTimeout(timer);
        this.sleeps.delete(wake);
        resolve();
      };
      timer = setTimeout(wake, ms);
      this.sleeps.add(wake);
    });
  }

  private async run(k: KindState): Promise<void> {
    while (!this.stopped) {
      try {
        if (k.resourceVersion === undefined) await this.list(k);
        if (this.stopped) return;
        const started = this.now();
        const outcome = await this.watchOnce(k);
        if (outcome === 'expired') {
          this.stats.relists++;
          this.options.logger.info(
            `cluster ${this.cluster}: ${k.kind} resourceVersion expired (410), relisting`,
          );
          k.resourceVersion = undefined;
        } else if (outcome === 'silent') {
          this.stats.silenceRestarts++;
          this.options.logger.warn(
            `cluster ${this.cluster}: ${
              k.kind
            } watch silent for ${this.silenceMs()} ms, restarting`,
          );
        } else if (this.now() - started < 1000 && !this.stopped) {
          // A stream that ends at once, again and again, must not spin.
          await this.sleep(this.backoffMs(k.attempt++));
          continue;
        }
        k.attempt = 0;
      } catch (error) {
        if (this.stopped) return;
        const status = statusCodeOf(error);
        if (status === 404 && !k.listed) {
          k.served = false;
          k.state = 'ok';
          this.options.logger.debug(
            `cluster ${this.cluster}: ${k.kind} not served (404), not watched`,
          );
          this.updateConnection();
          return;
        }
        if (status === 410) {
          this.stats.relists++;
          k.resourceVersion = undefined;
          continue;
        }
        this.stats.errors++;
        this.markFailure(k, status, error);
        const delay = this.backoffMs(k.attempt++);
        this.options.logger.warn(
          `cluster ${this.cluster}: ${k.kind} ${
            status ? `HTTP ${status}` : (error as Error)?.message ?? 'error'
          }; retrying in ${delay} ms`,
        );
        await this.sleep(delay);
      }
    }
  }

  /**
   * Lists a kind page by page (`limit`/`continue`): all pages are one
   * consistent snapshot; a continue token that expired (410) makes the run
   * loop list again from the first page.
   */
  private async list(k: KindState): Promise<void> {
    const scope = this.options.scope ?? {};
    const cache = new Map<string, unknown>();
    let continueToken: string | undefined;
    let body: any;
    do {
      body = await this.options.client.list(
        listPageUrl(k.path, scope, continueToken),
      );
      this.stats.listPages++;
      for (const item of Array.isArray(body?.items) ? body.items : []) {
        cache.set(keyOf(item), summarize(k.kind, item));
      }
      // Checked after every page (never more than one page over) and right
      // before the cache is replaced (other kinds list at the same time).
      const room = this.maxObjects() - (this.size() - k.cache.size);
      if (cache.size > room) throw this.overLimit(k);
      continueToken = body?.metadata?.continue || undefined;
    } while (continueToken && !this.stopped);
    k.cache = cache;
    k.resourceVersion = String(body?.metadata?.resourceVersion ?? '0');
    k.listed = true;
    this.stats.lists++;
    this.markOk(k);
    this.options.onChange?.();
  }

  private maxObjects() {
    return this.options.scope?.maxObjects ?? DEFAULT_MAX_OBJECTS;
  }

  /** The cluster holds as many objects as it may: this kind is not watched. */
  private overLimit(k: KindState): Error {
    this.stats.overLimit++;
    return new Error(overLimitMessage(k.kind, this.maxObjects()));
  }

  private silenceMs() {
    return this.options.silenceTimeoutMs ?? 150_000;
  }

  private watchOnce(k: KindState): Promise<'closed' | 'expired' | 'silent'> {
    return new Promise((resolve, reject) => {
      let settled = false;
      let outcome: 'closed' | 'expired' | 'silent' = 'closed';
      let abort: (() => void) | undefined;
      let timer: ReturnType<typeof setTimeout> | undefined;
      const finish = (error?: unknown) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        k.stop = undefined;
        abort?.();
        if (error) reject(error);
        else resolve(outcome);
      };
      const arm = () => {
        clearTimeout(timer);
        timer = setTimeout(() => {
          outcome = 'silent';
          finish();
        }, this.silenceMs());
      };
      k.stop = () => finish();
      arm();
      this.stats.watches++;
      const timeoutSeconds =
        this.options.watchTimeoutSeconds ??
        300 + Math.floor((this.options.random?.() ?? Math.random()) * 300);
      this.options.client
        .watch(
          k.path,
          {
            resourceVersion: k.resourceVersion,
            allowWatchBookmarks: true,
            timeoutSeconds,
            labelSelector: this.options.scope?.labelSelector,
          },
          (type, object) => {
            if (settled) return;
            arm();
            this.lastEventAt = this.now();
            this.markOk(k);
            if (type === 'ERROR') {
              if (object?.code === 410) {
                outcome = 'expired';
                finish();
              } else {
                finish(
                  Object.assign(new Error(object?.message ?? 'watch error'), {
                    statusCode: object?.code ?? 0,
                  }),
                );
              }
              return;
            }
            const rv = object?.metadata?.resourceVersion;
            if (type === 'BOOKMARK') {
              if (rv) k.resourceVersion = String(rv);
              return;
            }
            this.stats.events++;
            if (type === 'DELETED') k.cache.delete(keyOf(object));
            else if (type === 'ADDED' || type === 'MODIFIED') {
              const key = keyOf(object);
              if (!k.cache.has(key) && this.size() >= this.maxObjects()) {
                // Not applied: the watch resumes before this event.
                finish(this.overLimit(k));
                return;
              }
              k.cache.set(key, summarize(k.kind, object));
            }
            if (rv) k.resourceVersion = String(rv);
            this.options.onChange?.();
          },
          error => finish(error ?? undefined),
        )
        .then(
          handle => {
            abort = () => handle.abort();
            if (settled) handle.abort();
            else this.markOk(k);
          },
          error => finish(error),
        );
    });
  }

  private markOk(k: KindState) {
    if (k.state === 'ok') return;
    k.state = 'ok';
    k.since = undefined;
    k.message = undefined;
    this.updateConnection();
  }

  private markFailure(k: KindState, status: number, error: unknown) {
    const state =
      status === 401 || status === 403 ? 'unauthorized' : 'unreachable';
    if (k.state !== state) k.since = this.now();
    k.state = state;
    // The API server's Status message or the socket error; never a header.
    k.message = status
      ? `HTTP ${status}: ${String((error as Error)?.message ?? '').slice(
          0,
          200,
        )}`
      : String((error as Error)?.message ?? 'unreachable').slice(0, 300);
    this.updateConnection();
  }

  private updateConnection() {
    const failing = this.kinds.filter(
      k => k.state === 'unauthorized' || k.state === 'unreachable',
    );
    const unauthorized = failing.filter(k => k.state === 'unauthorized');
    const worst = unauthorized.length ? unauthorized : failing;
    let next: ClusterConnection;
    if (worst.length) {
      const since = Math.min(...worst.map(k => k.since ?? this.now()));
      next = {
        cluster: this.cluster,
        state: worst[0].state as 'unauthorized' | 'unreachable',
        since: new Date(since).toISOString(),
        message: worst[0].message,
      };
    } else if (this.kinds.every(k => k.state === 'ok')) {
      next = { cluster: this.cluster, state: 'connected' };
    } else {
      next = { cluster: this.cluster, state: 'connecting' };
    }
    if (this.lastEventAt)
      next.lastEventAt = new Date(this.lastEventAt).toISOString();
    const prev = this.connection;
    this.connection = next;
    if (
      prev.state !== next.state ||
      prev.since !== next.since ||
      prev.message !== next.message
    ) {
      this.options.onConnection?.({ ...next });
    }
  }
}
