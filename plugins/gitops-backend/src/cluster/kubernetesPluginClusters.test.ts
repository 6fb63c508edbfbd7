import { ConfigReader } from '@backstage/config';
import {
  mergeClusterSources,
  readKubernetesPluginClusters,
} from './kubernetesPluginClusters';

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
    expect(clusters.map(c => [c.name, c.serviceAccountToken])).toEqual([
      ['meta', 'from-metadata'],
    ]);
  });

  it('skips, with the reason, what cannot be watched with a token from the backend', () => {
    const { clusters, skipped } = readKubernetesPluginClusters(
      new ConfigReader(
        kubernetes(
          [
            { ...sa, name: 'eks', authProvider: 'aws' },
            { ...sa, name: 'gke', authProvider: 'google' },
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
    expect(skipped.map(s => [s.name ?? s.key, s.reason])).toEqual([
      [
        'eks',
        'kubernetes.clusterLocatorMethods[0].clusters[0].authProvider: only "serviceAccount" is supported, got "aws"',
      ],
      [
        'gke',
        'kubernetes.clusterLocatorMethods[0].clusters[1].authProvider: only "serviceAccount" is supported, got "google"',
      ],
      [
        'no-token',
        'kubernetes.clusterLocatorMethods[0].clusters[2].serviceAccountToken: required',
      ],
      [
        'plain',
        'kubernetes.clusterLocatorMethods[0].clusters[3].url: plain http needs skipTLSVerify: true (development only)',
      ],
      [
        'lost-ca',
        'kubernetes.clusterLocatorMethods[0].clusters[4].caFile: no file at /nonexistent/ca.crt',
      ],
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
    expect(clusters.map(c => [c.name, c.serviceAccountToken])).toEqual([
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
