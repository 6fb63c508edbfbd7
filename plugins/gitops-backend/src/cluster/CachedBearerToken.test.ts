import {
  CachedBearerToken,
  ClusterCredentialsError,
} from './CachedBearerToken';

const SECRET = 'wJalrXUtnFEMI-secret-key-never-in-a-message';

function source(tokens: Array<string | Error>) {
  const calls = { n: 0 };
  let release: (() => void) | undefined;
  const gate = { held: false };
  const fetch = async () => {
    const next = tokens[Math.min(calls.n, tokens.length - 1)];
    calls.n++;
    if (gate.held) await new Promise<void>(r => (release = r));
    if (next instanceof Error) throw next;
    return next;
  };
  return { fetch, calls, gate, release: () => release?.() };
}

describe('CachedBearerToken', () => {
  let clock = 0;
  const now = () => clock;
  beforeEach(() => {
    clock = 1_000_000;
  });

  it('asks the credentials once for concurrent requests, reuses the token for its time to live, then asks again', async () => {
    const s = source(['token-1', 'token-2']);
    const tokens = new CachedBearerToken({
      provider: 'aws',
      fetch: s.fetch,
      ttlMs: 10 * 60_000,
      now,
    });
    s.gate.held = true;
    const concurrent = Promise.all(
      [1, 2, 3, 4, 5, 6, 7].map(() => tokens.token()),
    );
    s.gate.held = false;
    s.release();
    expect(await concurrent).toEqual(Array(7).fill('token-1'));
    expect(s.calls.n).toBe(1);

    clock += 10 * 60_000 - 1;
    expect(await tokens.token()).toBe('token-1');
    expect(s.calls.n).toBe(1);

    clock += 1;
    expect(await tokens.token()).toBe('token-2');
    expect(s.calls.n).toBe(2);
  });

  it('forgets the token when the API server refused it (invalidate): the next request asks for a new one', async () => {
    const s = source(['token-1', 'token-2']);
    const tokens = new CachedBearerToken({
      provider: 'aws',
      fetch: s.fetch,
      ttlMs: 60_000,
      now,
    });
    expect(await tokens.token()).toBe('token-1');
    tokens.invalidate();
    expect(await tokens.token()).toBe('token-2');
    expect(s.calls.n).toBe(2);
  });

  it('a failing credential chain rejects with the cluster, the provider and the reason, never a secret, and is not cached', async () => {
    const failure = Object.assign(
      new Error(
        `Could not load credentials from any providers\n    at ${SECRET}`,
      ),
      { config: { body: `assertion=${SECRET}` }, statusCode: 401, code: 401 },
    );
    const s = source([failure, '', 'token-after-recovery']);
    const tokens = new CachedBearerToken({
      provider: 'aws',
      fetch: s.fetch,
      ttlMs: 60_000,
      now,
    });
    const error = await tokens.token().then(
      () => undefined,
      e => e,
    );
    expect(error).toBeInstanceOf(ClusterCredentialsError);
    expect(error.message).toBe(
      'no token from the aws credentials of the backend: Could not load credentials from any providers',
    );
    // Not an HTTP status: the API server was never asked.
    expect(error.statusCode).toBeUndefined();
    expect(error.code).toBeUndefined();
    expect(JSON.stringify(error)).not.toContain(SECRET);
    expect(`${error.stack}`).not.toContain(SECRET);

    await expect(tokens.token()).rejects.toThrow(
      'no token from the aws credentials of the backend: the credentials gave an empty token',
    );
    expect(await tokens.token()).toBe('token-after-recovery');
    expect(s.calls.n).toBe(3);
  });
});
