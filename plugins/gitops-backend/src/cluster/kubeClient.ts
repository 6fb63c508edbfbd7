/*
 * The connection to one cluster through @kubernetes/client-node: a KubeConfig
 * built from a watched cluster's config (the token stays here), a plain GET for lists and
 * client-node's Watch for watches. A cloud provider's token (aws,
 * googleServiceAccount) is asked of its token source at every request, by a
 * client-node authenticator, and forgotten when the API server answers 401.
 */
import http from 'node:http';
import https from 'node:https';
import type { User } from '@kubernetes/client-node';
import { KubeConfig, Watch } from '@kubernetes/client-node';
import type { BearerTokens } from './CachedBearerToken';
import type { ClusterConfig } from './clusterConfig';

/** An HTTP error from the API server (statusCode 0: no response). */
export class KubeHttpError extends Error {
  constructor(readonly statusCode: number, message: string) {
    super(message);
    this.name = 'KubeHttpError';
  }
}

/** Status code of an error thrown by a list or passed to a watch's done callback. */
export function statusCodeOf(error: unknown): number {
  const e = error as { statusCode?: unknown; code?: unknown };
  if (typeof e?.statusCode === 'number') return e.statusCode;
  if (typeof e?.code === 'number') return e.code;
  return 0;
}

/** The auth provider name of the user whose token comes from a {@link BearerTokens}. */
const TOKEN_SOURCE_PROVIDER = 'gitops2-bearer-token-source';

/** client-node's Authenticator interface (not exported by its index). */
type Authenticator = Parameters<KubeConfig['addAuthenticator']>[0];

/** Puts the token of the source in the request's Authorization header. */
class BearerTokenAuthenticator implements Authenticator {
  constructor(private readonly tokens: BearerTokens) {}

  isAuthProvider(user: User): boolean {
    return user.authProvider?.name === TOKEN_SOURCE_PROVIDER;
  }

  async applyAuthentication(
    _user: User,
    opts: { headers?: Record<string, any> },
  ): Promise<void> {
    const token = await this.tokens.token();
    opts.headers ??= {};
    opts.headers.Authorization = `Bearer ${token}`;
  }
}

/**
 * client-node's configuration of a cluster. `serviceAccount`: its token;
 * a cloud provider: the token of `tokens`, asked for at each request.
 */
export function kubeConfigOf(
  cluster: ClusterConfig,
  tokens?: BearerTokens,
): KubeConfig {
  const kc = new KubeConfig();
  let user: User;
  if (cluster.authProvider === 'serviceAccount') {
    user = { name: cluster.name, token: cluster.serviceAccountToken };
  } else {
    if (!tokens) {
      throw new Error(
        `cluster ${cluster.name}: the ${cluster.authProvider} provider needs a token source`,
      );
    }
    user = {
      name: cluster.name,
      authProvider: { name: TOKEN_SOURCE_PROVIDER, config: {} },
    };
    kc.addAuthenticator(new BearerTokenAuthenticator(tokens));
  }
  kc.loadFromOptions({
    clusters: [
      {
        name: cluster.name,
        server: cluster.url,
        skipTLSVerify: cluster.skipTLSVerify ?? false,
        ...(cluster.caData ? { caData: cluster.caData } : {}),
        ...(cluster.caFile ? { caFile: cluster.caFile } : {}),
      },
    ],
    users: [user],
    contexts: [
      { name: cluster.name, cluster: cluster.name, user: cluster.name },
    ],
    currentContext: cluster.name,
  });
  return kc;
}

/** What the watcher needs from a cluster connection (a seam for tests). */
export interface KubeClient {
  list(path: string): Promise<any>;
  watch(
    path: string,
    query: Record<string, string | number | boolean | undefined>,
    onEvent: (type: string, object: any) => void,
    done: (error: unknown) => void,
  ): Promise<{ abort(): void }>;
}

export class ClientNodeKubeClient implements KubeClient {
  private readonly watcher: Watch;

  /** `tokens`: the token source of kubeConfigOf, told when the API server refuses its token. */
  constructor(
    private readonly kc: KubeConfig,
    private readonly tokens?: BearerTokens,
  ) {
    this.watcher = new Watch(kc);
  }

  /** A 401 means the token was refused (expired, revoked): ask for a new one next time. */
  private refused(error: unknown) {
    if (statusCodeOf(error) === 401) this.tokens?.invalidate();
  }

  async list(path: string): Promise<any> {
    try {
      return await this.get(path);
    } catch (error) {
      this.refused(error);
      throw error;
    }
  }

  private async get(path: string): Promise<any> {
    const server = this.kc.getCurrentCluster()?.server;
    if (!server) throw new KubeHttpError(0, 'no cluster configured');
    const url = new URL(server + path);
    const opts: https.RequestOptions = {};
    await this.kc.applyToHTTPSOptions(opts);
    const transport = url.protocol === 'https:' ? https : http;
    return new Promise((resolve, reject) => {
      const req = transport.request(
        url,
        {
          method: 'GET',
          agent: opts.agent,
          headers: { ...(opts.headers ?? {}), Accept: 'application/json' },
          timeout: 60_000,
        },
        res => {
          const chunks: Buffer[] = [];
          res.on('data', c => chunks.push(c));
          res.on('error', reject);
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let body: any;
            try {
              body = JSON.parse(text);
            } catch {
              body = undefined;
            }
            if (res.statusCode !== 200) {
              // The Status message of the API server (never the request's headers).
              const message =
                typeof body?.message === 'string'
                  ? body.message.slice(0, 300)
                  : `HTTP ${res.statusCode}`;
              reject(new KubeHttpError(res.statusCode ?? 0, message));
              return;
            }
            resolve(body);
          });
        },
      );
      req.on('timeout', () =>
        req.destroy(new KubeHttpError(0, 'list timed out')),
      );
      req.on('error', e =>
        reject(
          e instanceof KubeHttpError
            ? e
            : new KubeHttpError(0, (e as Error).message),
        ),
      );
      req.end();
    });
  }

  async watch(
    path: string,
    query: Record<string, string | number | boolean | undefined>,
    onEvent: (type: string, object: any) => void,
    done: (error: unknown) => void,
  ): Promise<{ abort(): void }> {
    try {
      return await this.watcher.watch(
        path,
        query,
        (type, object) => onEvent(type, object),
        error => {
          this.refused(error);
          done(error);
        },
      );
    } catch (error) {
      this.refused(error);
      throw error;
    }
  }
}
