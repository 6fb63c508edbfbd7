import { ConfigReader } from '@backstage/config';
import { ClusterCredentialsError } from './CachedBearerToken';
import type { CloudClusterConfig } from './clusterConfig';
import { cloudBearerTokens, TOKEN_TTL_MS } from './cloudBearerTokens';
import { checkEksToken, decodeEksToken } from './__testUtils__/eksToken';
import {
  ASSUMED,
  awsEnvironment,
  StsDouble,
  startStsDouble,
  STS_ACCOUNT,
} from './__testUtils__/stsDouble';

jest.setTimeout(30_000);

const KEY_ID = 'AKIAEXAMPLE000000001';
const SECRET = 'static-secret-key-never-in-a-message';
const secretOf = (id: string) =>
  ({ [KEY_ID]: SECRET, [ASSUMED.accessKeyId]: ASSUMED.secretAccessKey }[id]);

const eks = (
  name: string,
  authMetadata: Record<string, string> = {},
): CloudClusterConfig => ({
  name,
  url: 'https://eks.example.com',
  authProvider: 'aws',
  authMetadata,
});

/**
 * Issue #12, point 2: `aws` clusters of the Kubernetes plugin get their
 * token from the Kubernetes plugin's AwsIamStrategy (the AWS SDK chain of
 * the backend). STS is a local double (AWS_ENDPOINT_URL_STS), so a test
 * never leaves the machine and sees every call the SDK makes.
 */
describe('cloudBearerTokens: aws, through the Kubernetes plugin AwsIamStrategy', () => {
  let sts: StsDouble;
  let restore: () => void;
  let clock: number;
  const now = () => clock;

  beforeEach(async () => {
    clock = Date.now();
    sts = await startStsDouble({
      deniedRoles: [`arn:aws:iam::${STS_ACCOUNT}:role/denied`],
    });
    restore = awsEnvironment({
      AWS_ACCESS_KEY_ID: KEY_ID,
      AWS_SECRET_ACCESS_KEY: SECRET,
      AWS_REGION: 'eu-west-1',
      AWS_ENDPOINT_URL_STS: sts.url,
    });
  });
  afterEach(async () => {
    restore();
    await sts.close();
  });

  it('presigns an STS GetCallerIdentity URL naming the cluster with the static credentials of the environment, locally (no STS call)', async () => {
    const tokensFor = cloudBearerTokens(new ConfigReader({}), { now });
    const byName = await tokensFor(eks('eks-dev')).token();
    const byId = await tokensFor(
      eks('eks-prod', { 'kubernetes.io/x-k8s-aws-id': 'prod-cluster-id' }),
    ).token();

    expect(byName).toMatch(/^k8s-aws-v1\.[A-Za-z0-9_-]+$/);
    const url = decodeEksToken(`Bearer ${byName}`)!;
    expect(url.origin).toBe('https://sts.eu-west-1.amazonaws.com');
    expect(url.searchParams.get('Action')).toBe('GetCallerIdentity');
    expect(url.searchParams.get('X-Amz-Credential')).toMatch(
      new RegExp(`^${KEY_ID}/\\d{8}/eu-west-1/sts/aws4_request$`),
    );
    expect(
      checkEksToken(`Bearer ${byName}`, { clusterId: 'eks-dev', secretOf }),
    ).toEqual({ ok: true, accessKeyId: KEY_ID, region: 'eu-west-1' });
    // x-k8s-aws-id: the cluster id when given, and the signature binds it.
    expect(
      checkEksToken(`Bearer ${byId}`, {
        clusterId: 'prod-cluster-id',
        secretOf,
      }).ok,
    ).toBe(true);
    expect(
      checkEksToken(`Bearer ${byId}`, { clusterId: 'eks-prod', secretOf }),
    ).toMatchObject({ ok: false, reason: expect.stringMatching(/signature/) });
    // The secret key signs, it is never in the token.
    expect(Buffer.from(byName.slice(11), 'base64url').toString()).not.toContain(
      SECRET,
    );
    expect(sts.calls).toEqual([]);
  });

  it('reuses a token for 10 minutes (it is valid 15), then presigns a new one', async () => {
    expect(TOKEN_TTL_MS.aws).toBe(10 * 60_000);
    const tokens = cloudBearerTokens(new ConfigReader({}), { now })(
      eks('eks-dev', {
        'kubernetes.io/aws-assume-role': `arn:aws:iam::${STS_ACCOUNT}:role/eks`,
      }),
    );
    const first = await tokens.token();
    clock += 10 * 60_000 - 1;
    expect(await tokens.token()).toBe(first);
    expect(sts.calls.filter(c => c.action === 'AssumeRole')).toHaveLength(1);
    clock += 1;
    await tokens.token();
    expect(sts.calls.filter(c => c.action === 'AssumeRole')).toHaveLength(2);
  });

  it('assumes the role of kubernetes.io/aws-assume-role with its external id, and signs with the role credentials', async () => {
    const role = `arn:aws:iam::${STS_ACCOUNT}:role/eks-viewer`;
    const token = await cloudBearerTokens(new ConfigReader({}), { now })(
      eks('eks-dev', {
        'kubernetes.io/aws-assume-role': role,
        'kubernetes.io/aws-external-id': 'external-42',
      }),
    ).token();
    const assumed = sts.calls.filter(c => c.action === 'AssumeRole');
    expect(assumed).toHaveLength(1);
    expect(assumed[0]).toMatchObject({
      callerKeyId: KEY_ID,
      params: { RoleArn: role, ExternalId: 'external-42' },
    });
    const url = decodeEksToken(`Bearer ${token}`)!;
    expect(url.searchParams.get('X-Amz-Security-Token')).toBe(
      ASSUMED.sessionToken,
    );
    expect(
      checkEksToken(`Bearer ${token}`, { clusterId: 'eks-dev', secretOf }),
    ).toEqual({
      ok: true,
      accessKeyId: ASSUMED.accessKeyId,
      region: 'eu-west-1',
    });
  });

  it('a failing credential chain (no credentials; a role STS refuses) rejects with a clear message and no secret', async () => {
    const denied = await cloudBearerTokens(new ConfigReader({}), { now })(
      eks('eks-denied', {
        'kubernetes.io/aws-assume-role': `arn:aws:iam::${STS_ACCOUNT}:role/denied`,
      }),
    )
      .token()
      .catch(e => e);
    expect(denied).toBeInstanceOf(ClusterCredentialsError);
    expect(denied.message).toBe(
      `no token from the aws credentials of the backend: User: arn:aws:iam::${STS_ACCOUNT}:user/portal is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::${STS_ACCOUNT}:role/denied`,
    );

    restore();
    restore = awsEnvironment({ AWS_REGION: 'eu-west-1' });
    const none = await cloudBearerTokens(new ConfigReader({}), { now })(
      eks('eks-dev'),
    )
      .token()
      .catch(e => e);
    expect(none).toBeInstanceOf(ClusterCredentialsError);
    expect(none.message).toMatch(
      /^no token from the aws credentials of the backend: Could not load credentials from any providers/,
    );
    for (const e of [denied, none]) {
      expect(`${e.message} ${e.stack} ${JSON.stringify(e)}`).not.toMatch(
        new RegExp(`${SECRET}|${ASSUMED.secretAccessKey}|k8s-aws-v1`),
      );
    }
  });
});
