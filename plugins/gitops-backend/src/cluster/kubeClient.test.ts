import { fixtures, KubeApiDouble, start } from '@gitops2/kube-api-double';
import { BearerTokens, ClusterCredentialsError } from './CachedBearerToken';
import type { ClusterConfig } from './clusterConfig';
import { ClientNodeKubeClient, kubeConfigOf, statusCodeOf } from './kubeClient';

jest.setTimeout(30_000);

/** Tokens handed out in turn; counts the asks and the invalidations. */
function tokenSource(tokens: string[]) {
  const stats = { asked: 0, invalidated: 0 };
  let current = 0;
  const source: BearerTokens = {
    async token() {
      stats.asked++;
      return tokens[current];
    },
    invalidate() {
      stats.invalidated++;
      current = Math.min(current + 1, tokens.length - 1);
    },
  };
  return { source, stats };
}

describe('ClientNodeKubeClient with a cluster whose token comes from the backend credentials', () => {
  let double: KubeApiDouble;
  const accepted = new Set(['fresh-1']);
  const seen: Array<string | undefined> = [];
  const cluster = (): ClusterConfig => ({
    name: 'eks-dev',
    url: double.url,
    authProvider: 'aws',
    authMetadata: {},
    skipTLSVerify: true,
  });

  beforeEach(async () => {
    seen.length = 0;
    double = await start({
      objects: [fixtures.namespace('shop')],
      authenticate: a => accepted.has(a?.replace(/^Bearer /, '') ?? ''),
      onRequest: r => seen.push(r.headers.authorization),
    });
  });
  afterEach(() => double.close());

  /** Opens a watch and ends it: its error (undefined when it was served). */
  async function watchOnce(client: ClientNodeKubeClient): Promise<unknown> {
    return new Promise(resolve => {
      let aborted = false;
      client
        .watch(
          '/api/v1/namespaces',
          { resourceVersion: '0' },
          () => undefined,
          e => resolve(aborted ? undefined : e),
        )
        .then(
          h =>
            setTimeout(() => {
              aborted = true;
              h.abort();
              resolve(undefined);
            }, 100),
          resolve,
        );
    });
  }

  it('sends the token of the credentials on lists and watches, asked for at each request', async () => {
    const { source, stats } = tokenSource(['fresh-1']);
    const client = new ClientNodeKubeClient(
      kubeConfigOf(cluster(), source),
      source,
    );
    const list = await client.list('/api/v1/namespaces');
    expect(list.items.map((n: any) => n.metadata.name)).toEqual(['shop']);
    expect(await watchOnce(client)).toBeUndefined();
    expect(seen).toEqual(['Bearer fresh-1', 'Bearer fresh-1']);
    expect(stats.asked).toBe(2);
  });

  it('a token the API server refuses (401) is forgotten: the next request carries a new one', async () => {
    const { source, stats } = tokenSource(['expired-0', 'fresh-1']);
    const client = new ClientNodeKubeClient(
      kubeConfigOf(cluster(), source),
      source,
    );
    const refused = await client.list('/api/v1/namespaces').catch(e => e);
    expect(statusCodeOf(refused)).toBe(401);
    expect(stats.invalidated).toBe(1);
    expect((await client.list('/api/v1/namespaces')).items).toHaveLength(1);

    // The same for a watch.
    const again = tokenSource(['expired-0', 'fresh-1']);
    const watching = new ClientNodeKubeClient(
      kubeConfigOf(cluster(), again.source),
      again.source,
    );
    expect(statusCodeOf(await watchOnce(watching))).toBe(401);
    expect(again.stats.invalidated).toBe(1);
    expect(await watchOnce(watching)).toBeUndefined();
    expect(seen).toEqual([
      'Bearer expired-0',
      'Bearer fresh-1',
      'Bearer expired-0',
      'Bearer fresh-1',
    ]);
  });

  it('no token, no request: a failing credential chain fails the list and the watch with its message, and nothing reaches the API server', async () => {
    const failing: BearerTokens = {
      token: () =>
        Promise.reject(
          new ClusterCredentialsError(
            'no token from the aws credentials of the backend: Could not load credentials from any providers',
          ),
        ),
      invalidate: () => undefined,
    };
    const client = new ClientNodeKubeClient(
      kubeConfigOf(cluster(), failing),
      failing,
    );
    const listError = await client.list('/api/v1/namespaces').catch(e => e);
    expect(listError.message).toBe(
      'no token from the aws credentials of the backend: Could not load credentials from any providers',
    );
    expect(statusCodeOf(listError)).toBe(0);
    const watchError = (await watchOnce(client)) as Error;
    expect(watchError.message).toBe(listError.message);
    expect(double.count()).toBe(0);
  });

  it('refuses to build a client for a cloud provider without its token source', () => {
    expect(() => kubeConfigOf(cluster())).toThrow(
      'cluster eks-dev: the aws provider needs a token source',
    );
  });
});
