/*
 * The HTTP server: the Kubernetes API wire protocol (discovery, list with
 * paging, single GET, chunked watch streams) over the object store, with
 * bearer-token auth, fault injection and request counters.
 */
import http from 'node:http';
import https from 'node:https';
import { AddressInfo } from 'node:net';
import { ChangeEvent, ObjectStore } from './store';
import {
  apiVersionOf,
  qualifiedName,
  RESOURCE_TYPES,
  ResourceType,
  resourceTypeAt,
  findResourceType,
} from './resources';
import {
  FieldMatcher,
  LabelMatcher,
  parseFieldSelector,
  parseLabelSelector,
  SelectorError,
} from './selectors';
import { status, StatusBody } from './status';

/** What a request does, for counters and fault matching. */
export type Verb = 'list' | 'watch' | 'get' | 'discovery' | 'other';

/** Selects requests (all given fields must match). */
export interface RouteMatch {
  verb?: Verb;
  /** Plural (`deployments`), kind (`Deployment`) or short name. */
  resource?: string;
  namespace?: string;
}

/** Request counters. */
export interface Counters {
  total: number;
  byVerb: Record<Verb, number>;
  /** Keyed by plural resource name, e.g. `deployments`. */
  byResource: Record<string, Partial<Record<Verb, number>>>;
}

/** Options of {@link start}. */
export interface StartOptions {
  /** Port to listen on; 0 (default) picks a free one. */
  port?: number;
  /** Interface to listen on (default 127.0.0.1). */
  host?: string;
  /** When set, every request needs `Authorization: Bearer <token>`. */
  token?: string;
  /**
   * Authenticates each request from its `Authorization` header instead of
   * `token`, as an API server's webhook token authenticator does (e.g.
   * aws-iam-authenticator on EKS, for tokens that change on every request).
   * false: 401 Unauthorized.
   */
  authenticate?: (authorization: string | undefined) => boolean;
  /** Change events kept for watches (default 1000); older resourceVersions get 410. */
  historyLimit?: number;
  /** Interval of BOOKMARK events on watches that allow them (default 10 s). */
  bookmarkIntervalMs?: number;
  /**
   * How a watch from a resourceVersion older than the history is refused:
   * `'event'` (default, what a real apiserver does): HTTP 200 then an ERROR
   * event carrying a 410 `Expired` Status, then the stream ends;
   * `'http'`: HTTP 410 with a Status body.
   */
  expiredWatch?: 'event' | 'http';
  /** Server-side limit of a watch's duration when the client sets no (or a longer) timeoutSeconds. */
  maxWatchSeconds?: number;
  /** Validate objects against the real schemas (default true). */
  validate?: boolean;
  /** The resourceVersion to start from (default 0). */
  initialResourceVersion?: number;
  /** Objects to load before serving. */
  objects?: any[];
  /**
   * Serve HTTPS with this key and certificate (PEM), as a real API server
   * does; `url` is then `https://…`. Plain HTTP when absent.
   */
  tls?: { key: string | Buffer; cert: string | Buffer };
  /** Called for every request (after counting, before faults and auth), e.g. to log or inspect query parameters. */
  onRequest?: (request: RequestInfo) => void;
}

/** What {@link StartOptions.onRequest} receives. */
export interface RequestInfo {
  method: string;
  path: string;
  query: URLSearchParams;
  verb: Verb;
  /** Plural resource name, when the request is for a resource. */
  resource?: string;
  namespace?: string;
  /** The request's headers (e.g. to check how a client authenticates). */
  headers: http.IncomingHttpHeaders;
}

/** Fault injection controls. */
export interface Faults {
  /** The next `count` (default 1) requests matching `match` fail with `status`. */
  failNext(options: {
    status: number;
    count?: number;
    match?: RouteMatch;
    message?: string;
  }): void;
  /** Delays every matching request by `ms` before it is handled (replaces an earlier latency rule for the same match). */
  setLatency(ms: number, match?: RouteMatch): void;
  /**
   * Drops the open matching watch connections. Abrupt (default): the socket is
   * destroyed, the client sees a broken stream. Graceful: the stream ends
   * cleanly, as when a watch times out. Returns how many were dropped.
   */
  dropWatches(match?: RouteMatch, options?: { graceful?: boolean }): number;
  /**
   * Stalls the open matching watches: the socket stays open and nothing more
   * is sent (no events, no bookmarks, no timeout end). With `future: true`
   * watches opened later are stalled too, until `reset()`. Returns how many
   * open watches were stalled.
   */
  stallWatches(match?: RouteMatch, options?: { future?: boolean }): number;
  /** Drops the change history: a watch from any resourceVersion before now gets 410. */
  compact(): void;
  /** Removes every fault rule (stalled watches stay stalled; drop them to free them). */
  reset(): void;
}

/** A running double. */
export interface KubeApiDouble {
  /** e.g. `http://127.0.0.1:43125` */
  url: string;
  port: number;
  /** Stops the server and closes every connection. */
  close(): Promise<void>;
  /** Creates or replaces an object; bumps the resourceVersion and notifies watches. Validates the object. */
  upsert(object: any): any;
  /** Deletes an object; returns its last state, or undefined. */
  remove(
    kind: string,
    namespace: string | undefined,
    name: string,
  ): any | undefined;
  get(
    kind: string,
    namespace: string | undefined,
    name: string,
  ): any | undefined;
  list(kind: string, namespace?: string): any[];
  /** The current resourceVersion. */
  resourceVersion(): string;
  faults: Faults;
  counters(): Counters;
  /** Number of requests matching (all requests when no match is given). */
  count(match?: RouteMatch): number;
  resetCounters(): void;
  /** Changes (or removes) the token the server requires. */
  setToken(token: string | undefined): void;
  /** Sends a BOOKMARK now on every open, non-stalled watch that allows bookmarks. */
  triggerBookmarks(): void;
  /** Open watch connections matching. */
  openWatches(match?: RouteMatch): number;
  /** Resolves once at least `n` matching watches are open (no polling; resolves on connect). */
  waitForWatches(n: number, match?: RouteMatch): Promise<void>;
  /** The underlying store (for advanced tests). */
  store: ObjectStore;
}

interface Route {
  verb: Verb;
  type?: ResourceType;
  namespace?: string;
  name?: string;
  /** Discovery and other non-resource paths: the response. */
  body?: unknown;
  notFound?: boolean;
}

interface OpenWatch {
  type: ResourceType;
  namespace?: string;
  res: http.ServerResponse;
  stalled: boolean;
  bookmarks: boolean;
  labels: LabelMatcher;
  fields: FieldMatcher;
  close(abrupt: boolean): void;
}

interface FailRule {
  status: number;
  remaining: number;
  match: RouteMatch;
  message?: string;
}

const emptyCounters = (): Counters => ({
  total: 0,
  byVerb: { list: 0, watch: 0, get: 0, discovery: 0, other: 0 },
  byResource: {},
});

const SERVER_VERSION = {
  major: '1',
  minor: '31',
  gitVersion: 'v1.31.4',
  gitCommit: '0000000000000000000000000000000000000000',
  gitTreeState: 'clean',
  buildDate: '2024-12-10T00:00:00Z',
  goVersion: 'go1.22.9',
  compiler: 'gc',
  platform: 'linux/amd64',
};

const VERBS_READ = ['get', 'list', 'watch'];

function apiResourceList(groupVersion: string) {
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion,
    resources: RESOURCE_TYPES.filter(t => apiVersionOf(t) === groupVersion).map(
      t => ({
        name: t.plural,
        singularName: t.singular,
        namespaced: t.namespaced,
        kind: t.kind,
        verbs: VERBS_READ,
        ...(t.shortNames.length ? { shortNames: t.shortNames } : {}),
      }),
    ),
  };
}

function apiGroup(group: string) {
  const versions = [
    ...new Set(
      RESOURCE_TYPES.filter(t => t.group === group).map(t => t.version),
    ),
  ].map(version => ({ groupVersion: `${group}/${version}`, version }));
  return {
    name: group,
    versions,
    preferredVersion: versions[0],
  };
}

function apiGroupList() {
  const groups = [...new Set(RESOURCE_TYPES.map(t => t.group).filter(g => g))];
  return {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: groups.map(apiGroup),
  };
}

/** Maps a URL path to what it asks for. */
function route(pathname: string): Route {
  const segs = pathname
    .split('/')
    .filter(s => s.length > 0)
    .map(decodeURIComponent);
  if (segs.length === 1 && segs[0] === 'version') {
    return { verb: 'discovery', body: SERVER_VERSION };
  }
  if (segs[0] === 'api') {
    if (segs.length === 1) {
      return {
        verb: 'discovery',
        body: {
          kind: 'APIVersions',
          versions: ['v1'],
          serverAddressByClientCIDRs: [
            { clientCIDR: '0.0.0.0/0', serverAddress: '127.0.0.1:6443' },
          ],
        },
      };
    }
    if (segs[1] !== 'v1') {
      return { verb: 'other', notFound: true };
    }
    return resourceRoute('', 'v1', segs.slice(2));
  }
  if (segs[0] === 'apis') {
    if (segs.length === 1) {
      return { verb: 'discovery', body: apiGroupList() };
    }
    const group = segs[1];
    if (!RESOURCE_TYPES.some(t => t.group === group)) {
      return { verb: 'other', notFound: true };
    }
    if (segs.length === 2) {
      return {
        verb: 'discovery',
        body: { kind: 'APIGroup', apiVersion: 'v1', ...apiGroup(group) },
      };
    }
    return resourceRoute(group, segs[2], segs.slice(3));
  }
  return { verb: 'other', notFound: true };
}

function resourceRoute(group: string, version: string, rest: string[]): Route {
  const groupVersion = group ? `${group}/${version}` : version;
  if (rest.length === 0) {
    const body = apiResourceList(groupVersion);
    return body.resources.length
      ? { verb: 'discovery', body }
      : { verb: 'other', notFound: true };
  }
  let namespace: string | undefined;
  let tail = rest;
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    namespace = rest[1];
    tail = rest.slice(2);
  }
  const type = resourceTypeAt(group, version, tail[0]);
  if (
    !type ||
    tail.length > 2 ||
    (namespace !== undefined && !type.namespaced)
  ) {
    return { verb: 'other', notFound: true };
  }
  if (tail.length === 2) {
    if (type.namespaced && namespace === undefined) {
      return { verb: 'other', notFound: true };
    }
    return { verb: 'get', type, namespace, name: tail[1] };
  }
  return { verb: 'list', type, namespace };
}

function matches(
  m: RouteMatch,
  verb: Verb,
  type?: ResourceType,
  namespace?: string,
): boolean {
  if (m.verb && m.verb !== verb) return false;
  if (m.resource) {
    const want = findResourceType(m.resource);
    if (!want || want !== type) return false;
  }
  if (m.namespace !== undefined && m.namespace !== namespace) return false;
  return true;
}

const sameMatch = (a: RouteMatch, b: RouteMatch) =>
  a.verb === b.verb && a.resource === b.resource && a.namespace === b.namespace;

/** A list item as a real apiserver serves it: built-in kinds have no kind/apiVersion in lists. */
function listItem(type: ResourceType, obj: any): any {
  if (!type.builtin) return obj;
  const { kind, apiVersion, ...rest } = obj;
  return rest;
}

interface ContinueSnapshot {
  type: ResourceType;
  rv: number;
  items: any[];
}

const MAX_CONTINUE_SNAPSHOTS = 200;

/** Starts a double. */
export async function start(
  options: StartOptions = {},
): Promise<KubeApiDouble> {
  const store = new ObjectStore({
    historyLimit: options.historyLimit,
    validate: options.validate,
    initialResourceVersion: options.initialResourceVersion,
  });
  for (const obj of options.objects ?? []) {
    store.upsert(obj);
  }
  let token = options.token;
  const bookmarkIntervalMs = options.bookmarkIntervalMs ?? 10_000;
  const expiredWatch = options.expiredWatch ?? 'event';

  let counters = emptyCounters();
  const countKeys = new Map<
    string,
    { verb: Verb; type?: ResourceType; namespace?: string; n: number }
  >();
  const failRules: FailRule[] = [];
  const latencyRules: Array<{ ms: number; match: RouteMatch }> = [];
  const stallRules: RouteMatch[] = [];
  const watches = new Set<OpenWatch>();
  const watchWaiters = new Set<() => void>();
  const continueSnapshots = new Map<string, ContinueSnapshot>();
  let continueSeq = 0;

  const send = (res: http.ServerResponse, code: number, body: unknown) => {
    const text = JSON.stringify(body);
    res.writeHead(code, {
      'Content-Type': 'application/json',
      'Content-Length': Buffer.byteLength(text),
      'Cache-Control': 'no-cache, private',
    });
    res.end(text);
  };
  const sendStatus = (res: http.ServerResponse, body: StatusBody) =>
    send(res, body.code, body);

  const count = (verb: Verb, type?: ResourceType, namespace?: string) => {
    counters.total += 1;
    counters.byVerb[verb] += 1;
    if (type) {
      const r = (counters.byResource[type.plural] ??= {});
      r[verb] = (r[verb] ?? 0) + 1;
    }
    const key = `${verb}|${type?.plural ?? ''}|${namespace ?? ''}`;
    const entry = countKeys.get(key);
    if (entry) entry.n += 1;
    else countKeys.set(key, { verb, type, namespace, n: 1 });
  };

  const writeEvent = (w: OpenWatch, type: string, object: unknown) => {
    if (w.stalled || w.res.writableEnded || w.res.destroyed) return;
    w.res.write(`${JSON.stringify({ type, object })}\n`);
  };

  /** Translates a change into what this watch sees (selector transitions as the apiserver does). */
  const deliver = (w: OpenWatch, e: ChangeEvent) => {
    if (e.resource !== w.type) return;
    const visible = (o: any) =>
      !!o &&
      (w.namespace === undefined || o.metadata.namespace === w.namespace) &&
      w.labels(o.metadata.labels) &&
      w.fields(o);
    const now = e.type !== 'DELETED' && visible(e.object);
    const before = e.type !== 'ADDED' && visible(e.previous);
    if (e.type === 'DELETED') {
      if (before) writeEvent(w, 'DELETED', e.object);
    } else if (now && before) {
      writeEvent(w, 'MODIFIED', e.object);
    } else if (now) {
      writeEvent(w, 'ADDED', e.object);
    } else if (before) {
      writeEvent(w, 'DELETED', e.object);
    }
  };

  const bookmark = (w: OpenWatch, annotations?: Record<string, string>) =>
    writeEvent(w, 'BOOKMARK', {
      kind: w.type.kind,
      apiVersion: apiVersionOf(w.type),
      metadata: {
        resourceVersion: String(store.currentRv()),
        ...(annotations ? { annotations } : {}),
      },
    });

  store.subscribe(e => {
    for (const w of watches) deliver(w, e);
  });

  const handleList = (
    res: http.ServerResponse,
    type: ResourceType,
    namespace: string | undefined,
    q: URLSearchParams,
  ) => {
    const limit = Number(q.get('limit') ?? 0);
    const cont = q.get('continue');
    let rv: number;
    let items: any[];
    if (cont) {
      const snap = continueSnapshots.get(cont);
      if (!snap || snap.type !== type || snap.rv < store.oldestWatchableRv()) {
        sendStatus(
          res,
          status(
            410,
            'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.',
          ),
        );
        return;
      }
      continueSnapshots.delete(cont);
      rv = snap.rv;
      items = snap.items;
    } else {
      const labels = parseLabelSelector(q.get('labelSelector'));
      const fields = parseFieldSelector(q.get('fieldSelector'), type.kind);
      rv = store.currentRv();
      items = store
        .snapshot(type, namespace)
        .filter(o => labels(o.metadata.labels) && fields(o));
    }
    const metadata: Record<string, unknown> = { resourceVersion: String(rv) };
    if (limit > 0 && items.length > limit) {
      const rest = items.slice(limit);
      items = items.slice(0, limit);
      const last = items[items.length - 1].metadata;
      continueSeq += 1;
      const tokenText = Buffer.from(
        JSON.stringify({
          v: 'meta.k8s.io/v1',
          rv,
          start: `${last.namespace ?? ''}/${last.name}\u0000`,
          seq: continueSeq,
        }),
      ).toString('base64');
      continueSnapshots.set(tokenText, { type, rv, items: rest });
      if (continueSnapshots.size > MAX_CONTINUE_SNAPSHOTS) {
        continueSnapshots.delete(continueSnapshots.keys().next().value!);
      }
      metadata.continue = tokenText;
      metadata.remainingItemCount = rest.length;
    }
    send(res, 200, {
      kind: `${type.kind}List`,
      apiVersion: apiVersionOf(type),
      metadata,
      items: items.map(o => listItem(type, o)),
    });
  };

  const handleWatch = (
    res: http.ServerResponse,
    type: ResourceType,
    namespace: string | undefined,
    q: URLSearchParams,
  ) => {
    const labels = parseLabelSelector(q.get('labelSelector'));
    const fields = parseFieldSelector(q.get('fieldSelector'), type.kind);
    const rvParam = q.get('resourceVersion') ?? '';
    const fromRv =
      rvParam === '' || rvParam === '0' ? undefined : Number(rvParam);
    if (fromRv !== undefined && (!Number.isInteger(fromRv) || fromRv < 0)) {
      sendStatus(res, status(400, `invalid resource version: ${rvParam}`));
      return;
    }
    const backlog = fromRv === undefined ? [] : store.eventsSince(fromRv);
    const expiredStatus = status(
      410,
      `too old resource version: ${fromRv} (${store.oldestWatchableRv() + 1})`,
    );
    if (backlog === 'expired' && expiredWatch === 'http') {
      sendStatus(res, expiredStatus);
      return;
    }
    res.writeHead(200, {
      'Content-Type': 'application/json',
      'Cache-Control': 'no-cache, private',
      'Transfer-Encoding': 'chunked',
    });
    res.flushHeaders();

    let timer: NodeJS.Timeout | undefined;
    let bookmarkTimer: NodeJS.Timeout | undefined;
    const w: OpenWatch = {
      type,
      namespace,
      res,
      stalled: stallRules.some(m => matches(m, 'watch', type, namespace)),
      bookmarks:
        q.get('allowWatchBookmarks') === 'true' ||
        q.get('allowWatchBookmarks') === '1',
      labels,
      fields,
      close: () => {},
    };
    const cleanup = () => {
      watches.delete(w);
      if (timer) clearTimeout(timer);
      if (bookmarkTimer) clearInterval(bookmarkTimer);
    };
    w.close = abrupt => {
      cleanup();
      if (abrupt) {
        res.socket?.destroy();
        res.destroy();
      } else if (!res.writableEnded) {
        res.end();
      }
    };
    // Not req 'close': for a request without body it fires as soon as the request is read.
    res.on('close', cleanup);

    if (backlog === 'expired') {
      writeEvent(w, 'ERROR', expiredStatus);
      res.end();
      return;
    }

    if (fromRv === undefined) {
      // "Get state and start at most recent": synthetic ADDED for everything, then live.
      for (const obj of store.snapshot(type, namespace)) {
        if (labels(obj.metadata.labels) && fields(obj))
          writeEvent(w, 'ADDED', obj);
      }
      if (w.bookmarks && q.get('sendInitialEvents') === 'true') {
        bookmark(w, { 'k8s.io/initial-events-end': 'true' });
      }
    } else {
      for (const e of backlog) deliver(w, e);
    }
    watches.add(w);

    const clientSeconds = Number(q.get('timeoutSeconds') ?? 0);
    const limits = [
      clientSeconds > 0 ? clientSeconds : undefined,
      options.maxWatchSeconds,
    ].filter((s): s is number => s !== undefined && s > 0);
    if (limits.length) {
      timer = setTimeout(() => {
        if (!w.stalled) w.close(false);
      }, Math.min(...limits) * 1000);
    }
    if (w.bookmarks) {
      bookmarkTimer = setInterval(() => bookmark(w), bookmarkIntervalMs);
    }
    for (const resolve of [...watchWaiters]) resolve();
  };

  const handle = async (
    req: http.IncomingMessage,
    res: http.ServerResponse,
  ) => {
    const url = new URL(req.url ?? '/', 'http://double');
    const q = url.searchParams;
    const r = route(url.pathname);
    const isWatch = q.get('watch') === 'true' || q.get('watch') === '1';
    const verb: Verb = r.verb === 'list' && isWatch ? 'watch' : r.verb;
    count(verb, r.type, r.namespace);
    options.onRequest?.({
      method: req.method ?? 'GET',
      path: url.pathname,
      query: q,
      verb,
      resource: r.type?.plural,
      namespace: r.namespace,
      headers: req.headers,
    });

    const latency = latencyRules.find(l =>
      matches(l.match, verb, r.type, r.namespace),
    );
    if (latency && latency.ms > 0) {
      await new Promise(resolve => setTimeout(resolve, latency.ms));
    }

    const authenticated = options.authenticate
      ? options.authenticate(req.headers.authorization)
      : token === undefined || req.headers.authorization === `Bearer ${token}`;
    if (!authenticated) {
      sendStatus(res, status(401, 'Unauthorized'));
      return;
    }

    const rule = failRules.find(
      f => f.remaining > 0 && matches(f.match, verb, r.type, r.namespace),
    );
    if (rule) {
      rule.remaining -= 1;
      const what = r.type ? qualifiedName(r.type) : url.pathname;
      const defaults: Record<number, string> = {
        401: 'Unauthorized',
        403: `${what} is forbidden: User "system:serviceaccount:gitops:portal" cannot ${verb} resource "${
          r.type?.plural ?? url.pathname
        }" in API group "${r.type?.group ?? ''}"${
          r.namespace
            ? ` in the namespace "${r.namespace}"`
            : ' at the cluster scope'
        }`,
        410: 'too old resource version',
        500: 'Internal error occurred: injected fault',
      };
      sendStatus(
        res,
        status(
          rule.status,
          rule.message ?? defaults[rule.status] ?? `injected ${rule.status}`,
        ),
      );
      return;
    }

    if (req.method !== 'GET') {
      sendStatus(
        res,
        status(
          405,
          `the server does not allow this method on the requested resource (${req.method})`,
        ),
      );
      return;
    }
    if (r.notFound) {
      sendStatus(
        res,
        status(404, 'the server could not find the requested resource', {}),
      );
      return;
    }
    if (r.body !== undefined) {
      send(res, 200, r.body);
      return;
    }
    const type = r.type!;
    try {
      if (r.verb === 'get') {
        const obj = store
          .snapshot(type, type.namespaced ? r.namespace : undefined)
          .find(o => o.metadata.name === r.name);
        if (!obj) {
          sendStatus(
            res,
            status(404, `${qualifiedName(type)} "${r.name}" not found`, {
              name: r.name,
              ...(type.group ? { group: type.group } : {}),
              kind: type.plural,
            }),
          );
          return;
        }
        send(res, 200, obj);
      } else if (isWatch) {
        handleWatch(res, type, r.namespace, q);
      } else {
        handleList(res, type, r.namespace, q);
      }
    } catch (e) {
      if (e instanceof SelectorError) {
        sendStatus(res, status(400, e.message));
        return;
      }
      throw e;
    }
  };

  const onRequest = (req: http.IncomingMessage, res: http.ServerResponse) => {
    handle(req, res).catch(e => {
      if (!res.headersSent) {
        sendStatus(
          res,
          status(500, `kube-api-double: ${String(e?.message ?? e)}`),
        );
      } else {
        res.destroy();
      }
    });
  };
  const server = options.tls
    ? https.createServer(
        { key: options.tls.key, cert: options.tls.cert },
        onRequest,
      )
    : http.createServer(onRequest);

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = options.host ?? '127.0.0.1';
  const url = `${options.tls ? 'https' : 'http'}://${
    host.includes(':') ? `[${host}]` : host
  }:${address.port}`;

  const selectWatches = (match: RouteMatch = {}) =>
    [...watches].filter(w => matches(match, 'watch', w.type, w.namespace));

  const faults: Faults = {
    failNext({ status: code, count: n = 1, match = {}, message }) {
      failRules.push({ status: code, remaining: n, match, message });
    },
    setLatency(ms, match = {}) {
      const i = latencyRules.findIndex(l => sameMatch(l.match, match));
      if (i >= 0) latencyRules.splice(i, 1);
      if (ms > 0) latencyRules.unshift({ ms, match });
    },
    dropWatches(match = {}, opts = {}) {
      const selected = selectWatches(match);
      selected.forEach(w => w.close(!opts.graceful));
      return selected.length;
    },
    stallWatches(match = {}, opts = {}) {
      const selected = selectWatches(match).filter(w => !w.stalled);
      selected.forEach(w => {
        w.stalled = true;
      });
      if (opts.future) stallRules.push(match);
      return selected.length;
    },
    compact() {
      store.compact();
      continueSnapshots.clear();
    },
    reset() {
      failRules.length = 0;
      latencyRules.length = 0;
      stallRules.length = 0;
    },
  };

  return {
    url,
    port: address.port,
    store,
    async close() {
      for (const w of [...watches]) w.close(true);
      server.closeAllConnections();
      await new Promise<void>(resolve => server.close(() => resolve()));
    },
    upsert: obj => store.upsert(obj),
    remove: (kind, namespace, name) => store.remove(kind, namespace, name),
    get: (kind, namespace, name) => store.get(kind, namespace, name),
    list: (kind, namespace) => store.list(kind, namespace),
    resourceVersion: () => String(store.currentRv()),
    faults,
    counters: () => JSON.parse(JSON.stringify(counters)),
    count: (match = {}) =>
      [...countKeys.values()]
        .filter(c => matches(match, c.verb, c.type, c.namespace))
        .reduce((sum, c) => sum + c.n, 0),
    resetCounters() {
      counters = emptyCounters();
      countKeys.clear();
    },
    setToken(t) {
      token = t;
    },
    triggerBookmarks() {
      for (const w of watches) if (w.bookmarks) bookmark(w);
    },
    openWatches: match => selectWatches(match).length,
    waitForWatches(n, match) {
      return new Promise<void>(resolve => {
        const check = () => {
          if (selectWatches(match).length >= n) {
            watchWaiters.delete(check);
            resolve();
          }
        };
        watchWaiters.add(check);
        check();
      });
    },
  };
}
