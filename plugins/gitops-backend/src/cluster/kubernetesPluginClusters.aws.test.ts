import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import type { LoggerService } from '@backstage/backend-plugin-api';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { fixtures, KubeApiDouble, start } from '@gitops2/kube-api-double';
import request from 'supertest';
import { gitopsPlugin } from '../plugin';
import {
  GitRepoFixture,
  kustomization,
  TWO_STAGE_PIPELINE,
} from '../testing/GitRepoFixture';
import { checkEksToken } from './__testUtils__/eksToken';
import {
  ASSUMED,
  awsEnvironment,
  StsDouble,
  startStsDouble,
  STS_ACCOUNT,
} from './__testUtils__/stsDouble';
import { waitFor } from './__testUtils__/waitFor';

jest.setTimeout(120_000);

const KEY_ID = 'AKIAEXAMPLE000000002';
const SECRET = 'static-secret-key-of-the-backend-never-shown';
const secretOf = (id: string) =>
  ({ [KEY_ID]: SECRET, [ASSUMED.accessKeyId]: ASSUMED.secretAccessKey }[id]);
const ROLE = `arn:aws:iam::${STS_ACCOUNT}:role/eks-viewer`;
const DENIED = `arn:aws:iam::${STS_ACCOUNT}:role/denied`;

const cartEntity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: {
    name: 'cart',
    namespace: 'default',
    annotations: { 'gitops2.io/gitops-repo': 'demo' },
  },
  spec: { type: 'service', owner: 'guests', lifecycle: 'production' },
};

/** Every message the backend logs, with its metadata. */
function recordingLogger(lines: string[]): LoggerService {
  const log = (level: string) => (message: string, meta?: unknown) => {
    lines.push(`${level} ${message} ${meta ? JSON.stringify(meta) : ''}`);
  };
  const logger: LoggerService = {
    child: () => logger,
    debug: log('debug'),
    info: log('info'),
    warn: log('warn'),
    error: log('error'),
  };
  return logger;
}

/**
 * Issue #12, point 2: `aws` clusters of the Kubernetes plugin's config give
 * live status with the EKS tokens of the Kubernetes plugin's
 * AwsIamStrategy. Each double accepts only what EKS would: a presigned STS
 * GetCallerIdentity URL for its cluster id, signed with the expected
 * credentials (checked again with node:crypto). STS is a local double.
 */
describe('live status from aws clusters of the Kubernetes plugin (EKS tokens)', () => {
  let repo: GitRepoFixture;
  let sts: StsDouble;
  let restoreEnv: () => void;
  let dev: KubeApiDouble;
  let staging: KubeApiDouble;
  let prodUs: KubeApiDouble;
  const seen = { dev: [] as string[], staging: [] as string[] };
  const refused: string[] = [];

  const eksDouble = (
    clusterId: string,
    namespace: string,
    requests: string[],
  ) =>
    start({
      objects: [
        fixtures.namespace(namespace),
        ...fixtures.deploymentSet({
          name: 'cart',
          namespace,
          image: 'ghcr.io/acme/cart:v1',
          replicas: 2,
        }).all,
      ],
      authenticate: authorization => {
        const check = checkEksToken(authorization, { clusterId, secretOf });
        if (!check.ok) refused.push(`${clusterId}: ${check.reason}`);
        return check.ok;
      },
      onRequest: r => requests.push(String(r.headers.authorization)),
    });

  beforeAll(async () => {
    repo = new GitRepoFixture();
    repo.write('gitops-pipeline.yaml', TWO_STAGE_PIPELINE);
    for (const env of ['dev', 'staging', 'prod-us', 'prod-eu']) {
      repo.write(`apps/cart/${env}/kustomization.yaml`, kustomization('v1'));
    }
    repo.commit('bootstrap cart');
    sts = await startStsDouble({ deniedRoles: [DENIED] });
    restoreEnv = awsEnvironment({
      AWS_ACCESS_KEY_ID: KEY_ID,
      AWS_SECRET_ACCESS_KEY: SECRET,
      AWS_REGION: 'eu-west-1',
      AWS_ENDPOINT_URL_STS: sts.url,
    });
    dev = await eksDouble('eks-dev-1234', 'shop-dev', seen.dev);
    staging = await eksDouble('staging-cluster', 'shop', seen.staging);
    prodUs = await eksDouble('prod-us-cluster', 'shop', []);
  });

  afterAll(async () => {
    restoreEnv?.();
    repo?.cleanup();
    await Promise.all([dev, staging, prodUs].map(d => d?.close()));
    await sts?.close();
  });

  it('watches through AwsIamStrategy tokens (static keys; an assumed role with external id), and a role STS refuses leaves its cluster unreachable with a token-free reason', async () => {
    const logged: string[] = [];
    const { server } = await startTestBackend({
      features: [
        gitopsPlugin,
        catalogServiceMock.factory({ entities: [cartEntity] }),
        mockServices.logger.mock(recordingLogger(logged)).factory,
        mockServices.rootConfig.factory({
          data: {
            kubernetes: {
              serviceLocatorMethod: { type: 'multiTenant' },
              clusterLocatorMethods: [
                {
                  type: 'config',
                  clusters: [
                    {
                      name: 'dev-cluster',
                      url: dev.url,
                      skipTLSVerify: true,
                      authProvider: 'aws',
                      authMetadata: {
                        'kubernetes.io/x-k8s-aws-id': 'eks-dev-1234',
                      },
                    },
                    {
                      name: 'staging-cluster',
                      url: staging.url,
                      skipTLSVerify: true,
                      authProvider: 'aws',
                      assumeRole: ROLE,
                      externalId: 'external-42',
                    },
                    {
                      name: 'prod-us-cluster',
                      url: prodUs.url,
                      skipTLSVerify: true,
                      authMetadata: {
                        'kubernetes.io/auth-provider': 'aws',
                        'kubernetes.io/aws-assume-role': DENIED,
                      },
                    },
                  ],
                },
              ],
            },
            gitops: {
              repositories: [{ id: 'demo', provider: 'local', url: repo.dir }],
              ingestion: { frequency: { minutes: 60 } },
            },
          },
        }),
      ],
    });
    await request(server).post('/api/gitops/v1/repositories/demo/refresh');

    const live = await waitFor(
      async () => {
        const r = await request(server).get(
          '/api/gitops/v1/entities/default/component/cart/live',
        );
        const states = (r.body.clusters ?? []).map((c: any) => c.state);
        return r.body.environments?.[0]?.health === 'Healthy' &&
          r.body.environments?.[1]?.health === 'Healthy' &&
          states.join() === 'connected,connected,unreachable'
          ? r
          : undefined;
      },
      'live statuses through EKS tokens',
      60_000,
    );
    expect(
      live.body.environments.map((e: any) => [e.environment, e.health]),
    ).toEqual([
      ['dev', 'Healthy'],
      ['staging', 'Healthy'],
      ['prod-us', 'Unknown'],
      ['prod-eu', 'Unknown'],
    ]);
    expect(live.body.environments[0]).toMatchObject({
      replicas: { ready: 2, desired: 2 },
      observedVersions: ['v1'],
    });
    const prodUsConnection = live.body.clusters[2];
    expect(prodUsConnection).toMatchObject({
      cluster: 'prod-us-cluster',
      state: 'unreachable',
      message: `no token from the aws credentials of the backend: User: arn:aws:iam::${STS_ACCOUNT}:user/portal is not authorized to perform: sts:AssumeRole on resource: ${DENIED}`,
    });
    // Fail closed: no token, no request.
    expect(prodUs.count()).toBe(0);

    // Every request carried a valid EKS token; none was refused.
    expect(refused).toEqual([]);
    expect(seen.dev.length).toBeGreaterThanOrEqual(14); // 7 lists + 7 watches
    expect(
      seen.dev.every(a => a.startsWith('Bearer k8s-aws-v1.')) &&
        seen.staging.every(a => a.startsWith('Bearer k8s-aws-v1.')),
    ).toBe(true);
    // One token per cluster, reused (well within its 15 minutes).
    expect(new Set(seen.dev).size).toBe(1);
    expect(new Set(seen.staging).size).toBe(1);
    expect(
      checkEksToken(seen.dev[0], { clusterId: 'eks-dev-1234', secretOf }),
    ).toMatchObject({ ok: true, accessKeyId: KEY_ID });
    expect(
      checkEksToken(seen.staging[0], {
        clusterId: 'staging-cluster',
        secretOf,
      }),
    ).toMatchObject({ ok: true, accessKeyId: ASSUMED.accessKeyId });
    // The role was assumed once, with its external id.
    expect(
      sts.calls
        .filter(c => c.action === 'AssumeRole')
        .map(c => [c.params.RoleArn, c.params.ExternalId]),
    ).toEqual(expect.arrayContaining([[ROLE, 'external-42']]));
    expect(
      sts.calls.filter(
        c => c.action === 'AssumeRole' && c.params.RoleArn === ROLE,
      ),
    ).toHaveLength(1);

    // Tokens and keys stay in the backend: not in responses, not in logs.
    const dashboard = await request(server).get(
      '/api/gitops/v1/dashboard?repository=demo',
    );
    const secrets = [
      SECRET,
      ASSUMED.secretAccessKey,
      ASSUMED.sessionToken,
      'k8s-aws-v1',
      seen.dev[0].slice('Bearer k8s-aws-v1.'.length, 60),
    ];
    for (const text of [live.text, dashboard.text, logged.join('\n')]) {
      for (const s of secrets) expect(text).not.toContain(s);
    }
    expect(logged.join('\n')).toContain(
      'no token from the aws credentials of the backend',
    );
  });
});
