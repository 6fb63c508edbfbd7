import { ConfigReader } from '@backstage/config';
import type { ClusterConfig } from './clusterConfig';
import {
  mergeClusterSources,
  readKubernetesPluginClusters,
} from './kubernetesPluginClusters';

const tokenOf = (c: ClusterConfig) =>
  c.authProvider === 'serviceAccount' ? c.serviceAccountToken : undefined;

const sa = {
  name: 'prod-us-cluster',
  url: 'https://k8s.example.com:6443',
  authProvider: 'serviceAccount',
  serviceAccountToken: 'sa-token-never-in-a-message',
  caData: 'Y2E=',
};

const kubernetes = (clusters: any[], extra: any[] = []) => ({
  kubernetes: {
    serviceLocatorMethod: { type: 'multiTenant' },
    clusterLocatorMethods: [{ type: 'config', clusters }, ...extra],
  },
});

describe('readKubernetesPluginClusters', () => {
  it('reads serviceAccount clusters of the config locator, token and CA included', () => {
    const { clusters, skipped } = readKubernetesPluginClusters(
      new ConfigReader(kubernetes([sa])),
    );
    expect(clusters).toEqual([
      {
        name: 'prod-us-cluster',
        url: 'https://k8s.example.com:6443',
        authProvider: 'serviceAccount',
        serviceAccountToken: 'sa-token-never-in-a-message',
        caData: 'Y2E=',
        skipTLSVerify: undefined,
      },
    ]);
    expect(skipped).toEqual([]);
  });

  it('takes the provider and token from authMetadata, as the Kubernetes plugin does', () => {
    const { clusters } = readKubernetesPluginClusters(
      new ConfigReader(
        kubernetes([
          {
            name: 'meta',
            url: 'https://k8s.example.com',
            authMetadata: {
              'kubernetes.io/auth-provider': 'serviceAccount',
              serviceAccountToken: 'from-metadata',
            },
          },
        ]),
      ),
    );
    expect(clusters.map(c => [c.name, tokenOf(c)])).toEqual([
      ['meta', 'from-metadata'],
    ]);
  });

  it('reads aws clusters with the role, external id and cluster id of the Kubernetes plugin (keys or authMetadata), and googleServiceAccount clusters', () => {
    const { clusters, skipped } = readKubernetesPluginClusters(
      new ConfigReader(
        kubernetes([
          {
            name: 'eks-keys',
            url: 'https://eks.example.com',
            authProvider: 'aws',
            assumeRole: 'arn:aws:iam::123456789012:role/portal',
            externalId: 'ext-1',
          },
          {
            name: 'eks-meta',
            url: 'https://eks2.example.com',
            authMetadata: {
              'kubernetes.io/auth-provider': 'aws',
              'kubernetes.io/aws-assume-role':
                'arn:aws:iam::123456789012:role/other',
              'kubernetes.io/aws-external-id': 'ext-2',
              'kubernetes.io/x-k8s-aws-id': 'eks-cluster-id',
              'unrelated.example.com/key': 'not kept',
            },
            assumeRole: 'arn:aws:iam::123456789012:role/overridden',
          },
          {
            name: 'gke',
            url: 'https://gke.example.com',
            authProvider: 'googleServiceAccount',
            caData: 'Y2E=',
          },
        ]),
      ),
    );
    expect(skipped).toEqual([]);
    expect(clusters).toEqual([
      {
        name: 'eks-keys',
        url: 'https://eks.example.com',
        authProvider: 'aws',
        authMetadata: {
          'kubernetes.io/aws-assume-role':
            'arn:aws:iam::123456789012:role/portal',
          'kubernetes.io/aws-external-id': 'ext-1',
        },
        caData: undefined,
        skipTLSVerify: undefined,
      },
      {
        name: 'eks-meta',
        url: 'https://eks2.example.com',
        authProvider: 'aws',
        authMetadata: {
          'kubernetes.io/aws-assume-role':
            'arn:aws:iam::123456789012:role/other',
          'kubernetes.io/aws-external-id': 'ext-2',
          'kubernetes.io/x-k8s-aws-id': 'eks-cluster-id',
        },
        caData: undefined,
        skipTLSVerify: undefined,
      },
      {
        name: 'gke',
        url: 'https://gke.example.com',
        authProvider: 'googleServiceAccount',
        authMetadata: {},
        caData: 'Y2E=',
        skipTLSVerify: undefined,
      },
    ]);
  });

  it('skips, with the reason, what cannot be watched with credentials of the backend', () => {
    const { clusters, skipped } = readKubernetesPluginClusters(
      new ConfigReader(
        kubernetes(
          [
            { ...sa, name: 'gke-user', authProvider: 'google' },
            { ...sa, name: 'oidc', authProvider: 'oidc' },
            { ...sa, name: 'aks', authProvider: 'azure' },
            { ...sa, name: 'proxy', authProvider: 'localKubectlProxy' },
            { ...sa, name: 'no-token', serviceAccountToken: undefined },
            { ...sa, name: 'plain', url: 'http://10.0.0.1' },
            { ...sa, name: 'lost-ca', caFile: '/nonexistent/ca.crt' },
            sa,
            sa,
          ],
          [{ type: 'catalog' }, { type: 'gke', projectId: 'p' }],
        ),
      ),
    );
    expect(clusters.map(c => c.name)).toEqual(['prod-us-cluster']);
    const at = (j: number) =>
      `kubernetes.clusterLocatorMethods[0].clusters[${j}]`;
    expect(skipped.map(s => [s.name ?? s.key, s.reason])).toEqual([
      [
        'gke-user',
        `${at(
          0,
        )}.authProvider: "google" gives per-user tokens from the browser, which a backend watch does not have (supported: serviceAccount, aws, googleServiceAccount)`,
      ],
      [
        'oidc',
        `${at(
          1,
        )}.authProvider: "oidc" gives per-user tokens from the browser, which a backend watch does not have (supported: serviceAccount, aws, googleServiceAccount)`,
      ],
      [
        'aks',
        `${at(
          2,
        )}.authProvider: "azure" is not supported by live status (supported: serviceAccount, aws, googleServiceAccount)`,
      ],
      [
        'proxy',
        `${at(
          3,
        )}.authProvider: "localKubectlProxy" is not supported by live status (supported: serviceAccount, aws, googleServiceAccount)`,
      ],
      ['no-token', `${at(4)}.serviceAccountToken: required`],
      [
        'plain',
        `${at(5)}.url: plain http needs skipTLSVerify: true (development only)`,
      ],
      ['lost-ca', `${at(6)}.caFile: no file at /nonexistent/ca.crt`],
      ['prod-us-cluster', 'duplicate cluster "prod-us-cluster"'],
      [
        'kubernetes.clusterLocatorMethods[1]',
        'cluster locator type "catalog" is not read (only "config")',
      ],
      [
        'kubernetes.clusterLocatorMethods[2]',
        'cluster locator type "gke" is not read (only "config")',
      ],
    ]);
    expect(JSON.stringify(skipped)).not.toContain(sa.serviceAccountToken);
  });

  it('reads nothing without the Kubernetes plugin configuration', () => {
    expect(readKubernetesPluginClusters(new ConfigReader({}))).toEqual({
      clusters: [],
      skipped: [],
    });
  });
});

describe('mergeClusterSources', () => {
  const own = [
    {
      name: 'prod-us-cluster',
      url: 'https://other.example.com',
      authProvider: 'serviceAccount' as const,
      serviceAccountToken: 'own',
    },
  ];

  it('adds the Kubernetes plugin clusters; gitops.clusters wins a name in both', () => {
    const { clusters, skipped } = mergeClusterSources(
      new ConfigReader(kubernetes([sa, { ...sa, name: 'dev-cluster' }])),
      own,
    );
    expect(clusters.map(c => [c.name, tokenOf(c)])).toEqual([
      ['prod-us-cluster', 'own'],
      ['dev-cluster', sa.serviceAccountToken],
    ]);
    expect(skipped.map(s => s.name)).toEqual(['prod-us-cluster']);
  });

  it('reads only gitops.clusters with useKubernetesPluginClusters: false', () => {
    const config = new ConfigReader({
      ...kubernetes([{ ...sa, name: 'dev-cluster' }]),
      gitops: { useKubernetesPluginClusters: false },
    });
    expect(mergeClusterSources(config, own).clusters).toEqual(own);
  });
});
