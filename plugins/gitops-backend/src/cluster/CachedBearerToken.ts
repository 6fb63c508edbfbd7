/*
 * A cluster's bearer token from the backend's credentials (e.g. the AWS SDK
 * chain), asked for once and reused for a time shorter than its validity;
 * forgotten when the API server refuses it. The token and the credentials
 * behind it never appear in an error.
 */

/** Where the requests to a cluster get their bearer token. */
export interface BearerTokens {
  /** A token valid for a while yet; rejects with a {@link ClusterCredentialsError}. */
  token(): Promise<string>;
  /** The API server refused the token: the next request asks for a new one. */
  invalidate(): void;
}

/**
 * No token could be had: the request was not sent. No `statusCode`: the
 * API server was never asked (the cluster shows `unreachable` with this
 * message).
 */
export class ClusterCredentialsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ClusterCredentialsError';
  }
}

export interface CachedBearerTokenOptions {
  /** Auth provider, for messages (the cluster is named where they are shown). */
  provider: string;
  /** Asks the credentials for a new token. */
  fetch: () => Promise<string>;
  /** How long a token is reused, counted from when it was asked for. */
  ttlMs: number;
  now?: () => number;
}

/** The reason of a failure: its first line, bounded (never its details: they may hold the request). */
function reasonOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0].trim().slice(0, 200) || 'unknown error';
}

export class CachedBearerToken implements BearerTokens {
  private cached?: { token: string; expiresAt: number };
  private pending?: Promise<string>;

  constructor(private readonly options: CachedBearerTokenOptions) {}

  private now() {
    return this.options.now?.() ?? Date.now();
  }

  async token(): Promise<string> {
    if (this.cached && this.now() < this.cached.expiresAt) {
      return this.cached.token;
    }
    this.pending ??= this.fetch().finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  invalidate(): void {
    this.cached = undefined;
  }

  private async fetch(): Promise<string> {
    const askedAt = this.now();
    let token: string;
    try {
      token = await this.options.fetch();
    } catch (error) {
      throw this.failure(reasonOf(error));
    }
    if (typeof token !== 'string' || !token) {
      throw this.failure('the credentials gave an empty token');
    }
    this.cached = { token, expiresAt: askedAt + this.options.ttlMs };
    return token;
  }

  private failure(reason: string) {
    return new ClusterCredentialsError(
      `no token from the ${this.options.provider} credentials of the backend: ${reason}`,
    );
  }
}
