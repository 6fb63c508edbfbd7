import { ConfigReader } from '@backstage/config';
import { demoClusterEnabled, readClusterConfigs } from './clusterConfig';

const read = (clusters: any[]) =>
  readClusterConfigs(new ConfigReader({ gitops: { clusters } }));
const ok = {
  name: 'prod-us-cluster',
  url: 'https://k8s.example.com:6443/',
  authProvider: 'serviceAccount',
  serviceAccountToken: 't',
};

describe('readClusterConfigs', () => {
  it('reads clusters (none by default)', () => {
    expect(readClusterConfigs(new ConfigReader({}))).toEqual([]);
    expect(read([{ ...ok, caData: 'Y2E=' }])).toEqual([
      {
        name: 'prod-us-cluster',
        url: 'https://k8s.example.com:6443',
        authProvider: 'serviceAccount',
        serviceAccountToken: 't',
        caData: 'Y2E=',
        skipTLSVerify: undefined,
      },
    ]);
  });

  it('names the key at fault', () => {
    expect(() => read([{ ...ok, name: 'bad name' }])).toThrow(
      'gitops.clusters[0].name',
    );
    expect(() => read([ok, ok])).toThrow('duplicate cluster "prod-us-cluster"');
    expect(() => read([{ ...ok, url: 'k8s.example.com' }])).toThrow(
      'gitops.clusters[0].url',
    );
    expect(() => read([{ ...ok, url: 'http://127.0.0.1:6443' }])).toThrow(
      'skipTLSVerify',
    );
    expect(
      read([{ ...ok, url: 'http://127.0.0.1:6443', skipTLSVerify: true }])[0]
        .skipTLSVerify,
    ).toBe(true);
    expect(() => read([{ ...ok, authProvider: 'oidc' }])).toThrow(
      'only "serviceAccount"',
    );
    // Cloud credentials: for the Kubernetes plugin's clusters only.
    expect(() => read([{ ...ok, authProvider: 'aws' }])).toThrow(
      `gitops.clusters[0].authProvider: only "serviceAccount" is supported here, got "aws" (aws and googleServiceAccount: in the Kubernetes plugin's kubernetes.clusterLocatorMethods)`,
    );
    expect(() => read([{ ...ok, serviceAccountToken: undefined }])).toThrow(
      'serviceAccountToken: required',
    );
  });

  it('reads the watch scope: namespaces, label selector, list page size', () => {
    expect(read([ok])[0].scope).toBeUndefined();
    expect(
      read([
        {
          ...ok,
          namespaces: ['shop', 'shop', 'argocd'],
          labelSelector: 'backstage.io/kubernetes-id',
          listPageSize: 100,
          maxObjects: 5000,
        },
      ])[0].scope,
    ).toEqual({
      namespaces: ['shop', 'argocd'],
      labelSelector: 'backstage.io/kubernetes-id',
      pageSize: 100,
      maxObjects: 5000,
    });
    expect(() => read([{ ...ok, maxObjects: 0.5 }])).toThrow(
      'gitops.clusters[0].maxObjects',
    );
    expect(() => read([{ ...ok, namespaces: ['Shop_1'] }])).toThrow(
      'gitops.clusters[0].namespaces: "Shop_1" is not a namespace name',
    );
    expect(() => read([{ ...ok, labelSelector: 'a\nb' }])).toThrow(
      'gitops.clusters[0].labelSelector',
    );
    expect(() => read([{ ...ok, listPageSize: 0 }])).toThrow(
      'gitops.clusters[0].listPageSize',
    );
  });

  it('never puts the token in an error', () => {
    expect(() =>
      read([{ ...ok, serviceAccountToken: 'sekret-123', url: 'nope' }]),
    ).toThrow(
      expect.objectContaining({
        message: expect.not.stringContaining('sekret-123'),
      }),
    );
  });

  it('reads the demo switch', () => {
    expect(demoClusterEnabled(new ConfigReader({}))).toBe(false);
    expect(
      demoClusterEnabled(
        new ConfigReader({ gitops: { demoCluster: { enabled: true } } }),
      ),
    ).toBe(true);
  });
});
