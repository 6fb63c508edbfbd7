import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mockServices } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { fixtures, KubeApiDouble, start } from '@gitops2/kube-api-double';
import { http as mswHttp, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { ClusterCredentialsError } from './CachedBearerToken';
import type { CloudClusterConfig } from './clusterConfig';
import { ClusterWatcher } from './ClusterWatcher';
import { cloudBearerTokens, TOKEN_TTL_MS } from './cloudBearerTokens';
import { ClientNodeKubeClient, kubeConfigOf } from './kubeClient';
import { waitFor } from './__testUtils__/waitFor';

jest.setTimeout(60_000);

/** Where google-auth-library (gtoken 7) exchanges a service account's JWT, whatever the key's token_uri says. */
const GOOGLE_TOKEN_URL = 'https://www.googleapis.com/oauth2/v4/token';
const ACCESS_TOKEN = 'ya29.access-token-never-in-a-message';
const EMAIL = 'portal@gitops-test.iam.gserviceaccount.com';

const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', {
  modulusLength: 2048,
});
const PRIVATE_PEM = privateKey.export({
  type: 'pkcs8',
  format: 'pem',
}) as string;

/** The JWT assertion's claims when it is signed (RS256) by the service account's key. */
function verifiedClaims(assertion: string): any {
  const [header, payload, signature] = assertion.split('.');
  const ok = crypto.verify(
    'RSA-SHA256',
    Buffer.from(`${header}.${payload}`),
    publicKey,
    Buffer.from(signature, 'base64url'),
  );
  return ok
    ? JSON.parse(Buffer.from(payload, 'base64url').toString())
    : undefined;
}

const gke = (
  name: string,
  url = 'https://gke.example.com',
): CloudClusterConfig => ({
  name,
  url,
  authProvider: 'googleServiceAccount',
  authMetadata: {},
  skipTLSVerify: true,
});

/**
 * Issue #12, point 2: `googleServiceAccount` clusters get their token from
 * the Kubernetes plugin's GoogleServiceAccountStrategy (google-auth-library
 * with the key of `kubernetes.googleServiceAccountCredentials`). The
 * library ignores the key's `token_uri` (a local endpoint there gets
 * nothing) and exchanges the JWT at Google's fixed URL, which msw answers
 * here; every other request may only go to this machine.
 */
describe('cloudBearerTokens: googleServiceAccount, through the Kubernetes plugin GoogleServiceAccountStrategy', () => {
  const exchanges: Array<{ form: URLSearchParams; claims: any }> = [];
  let tokenUriHits = 0;
  let localTokenEndpoint: http.Server;
  let answer: 'token' | 'invalid_grant' = 'token';
  let double: KubeApiDouble;
  const msw = setupServer(
    mswHttp.post(GOOGLE_TOKEN_URL, async ({ request }) => {
      const form = new URLSearchParams(await request.text());
      exchanges.push({
        form,
        claims: verifiedClaims(form.get('assertion') ?? ''),
      });
      if (answer === 'invalid_grant') {
        return HttpResponse.json(
          {
            error: 'invalid_grant',
            error_description: 'Invalid JWT Signature.',
          },
          { status: 400 },
        );
      }
      return HttpResponse.json({
        access_token: ACCESS_TOKEN,
        expires_in: 3599,
        token_type: 'Bearer',
      });
    }),
  );

  const key = () => ({
    type: 'service_account',
    project_id: 'gitops-test',
    private_key_id: 'key-1',
    private_key: PRIVATE_PEM,
    client_email: EMAIL,
    client_id: '1234567890',
    token_uri: `http://127.0.0.1:${
      (localTokenEndpoint.address() as AddressInfo).port
    }/token`,
  });
  const config = () =>
    new ConfigReader({
      kubernetes: { googleServiceAccountCredentials: JSON.stringify(key()) },
    });

  beforeAll(async () => {
    msw.listen({
      onUnhandledRequest: (request, print) => {
        if (new URL(request.url).hostname !== '127.0.0.1') print.error();
      },
    });
    localTokenEndpoint = http.createServer((_req, res) => {
      tokenUriHits++;
      res.statusCode = 500;
      res.end();
    });
    await new Promise<void>(r => localTokenEndpoint.listen(0, '127.0.0.1', r));
  });
  afterAll(async () => {
    msw.close();
    await new Promise(r => localTokenEndpoint.close(r));
  });
  beforeEach(async () => {
    exchanges.length = 0;
    answer = 'token';
    double = await start({
      token: ACCESS_TOKEN,
      objects: fixtures.sampleCluster(),
    });
  });
  afterEach(() => double.close());

  it('exchanges a JWT signed by the configured key for an access token, and a cluster is watched with it', async () => {
    const tokens = cloudBearerTokens(config())(gke('gke-prod', double.url));
    const watcher = new ClusterWatcher({
      cluster: 'gke-prod',
      client: new ClientNodeKubeClient(
        kubeConfigOf(gke('gke-prod', double.url), tokens),
        tokens,
      ),
      logger: mockServices.logger.mock(),
    });
    watcher.start();
    try {
      await waitFor(
        () => watcher.connectionState().state === 'connected',
        'connected with the access token',
      );
    } finally {
      await watcher.stop();
    }
    expect(watcher.snapshot().workloads.length).toBeGreaterThan(0);
    // One exchange for every list and watch (cached for 4 minutes).
    expect(TOKEN_TTL_MS.googleServiceAccount).toBe(4 * 60_000);
    expect(exchanges).toHaveLength(1);
    expect(exchanges[0].form.get('grant_type')).toBe(
      'urn:ietf:params:oauth:grant-type:jwt-bearer',
    );
    expect(exchanges[0].claims).toMatchObject({
      iss: EMAIL,
      aud: GOOGLE_TOKEN_URL,
      scope: 'https://www.googleapis.com/auth/cloud-platform',
    });
    // The key's token_uri is not used by the library.
    expect(tokenUriHits).toBe(0);
  });

  it('a refused exchange leaves the cluster unreachable with a token-free reason; nothing reaches the API server', async () => {
    answer = 'invalid_grant';
    const tokens = cloudBearerTokens(config())(gke('gke-prod', double.url));
    const error = await tokens.token().catch(e => e);
    expect(error).toBeInstanceOf(ClusterCredentialsError);
    expect(error.message).toBe(
      'no token from the googleServiceAccount credentials of the backend: invalid_grant: Invalid JWT Signature.',
    );
    const text = `${error.message} ${error.stack} ${JSON.stringify(error)}`;
    expect(text).not.toContain('PRIVATE KEY');
    expect(text).not.toContain(exchanges[0].form.get('assertion'));

    const watcher = new ClusterWatcher({
      cluster: 'gke-prod',
      client: new ClientNodeKubeClient(
        kubeConfigOf(gke('gke-prod', double.url), tokens),
        tokens,
      ),
      logger: mockServices.logger.mock(),
      backoff: { initialMs: 20, maxMs: 200 },
    });
    watcher.start();
    try {
      const connection = await waitFor(() => {
        const c = watcher.connectionState();
        return c.state === 'unreachable' ? c : undefined;
      }, 'unreachable');
      expect(connection.message).toBe(error.message);
    } finally {
      await watcher.stop();
    }
    expect(double.count()).toBe(0);
  });
});
