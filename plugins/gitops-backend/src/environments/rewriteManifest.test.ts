import { rewriteManifest } from './rewriteManifest';

const STAGING_OVERLAY = `# guestbook-ui, staging overlay (cluster staging-cluster).
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: guestbook-staging # the team's namespace
resources:
  - ../../base
labels:
  - pairs:
      acme.example/environment: staging
      acme.example/tier: "staging"
      acme.example/area: 'stagingarea'
images:
  - name: ghcr.io/acme/guestbook-ui
    newTag: 3d9b390a1c2f # bumped by promotions
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: guestbook-ui-staging
data:
  HOST: staging.guestbook.example.com
  NOTES: |
    staging notes stay as written
`;

describe('rewriteManifest', () => {
  const rewrite = (text: string) =>
    rewriteManifest(text, {
      fromEnvironment: 'staging',
      toEnvironment: 'perf',
      fromNamespace: 'guestbook-staging',
      toNamespace: 'guestbook-load',
    });

  it('rewrites the namespace and the values naming the environment, in place, keeping comments and quotes', () => {
    const { content, changed } = rewrite(STAGING_OVERLAY);
    expect(changed).toBe(5);
    expect(content).toBe(
      STAGING_OVERLAY.replace(
        'namespace: guestbook-staging #',
        'namespace: guestbook-load #',
      )
        .replace(
          'acme.example/environment: staging',
          'acme.example/environment: perf',
        )
        .replace('tier: "staging"', 'tier: "perf"')
        .replace('name: guestbook-ui-staging', 'name: guestbook-ui-perf')
        .replace('HOST: staging.guestbook', 'HOST: perf.guestbook'),
    );
  });

  it('leaves words that only contain the name, comments, keys and block scalars alone', () => {
    const { content } = rewrite(STAGING_OVERLAY);
    expect(content).toContain("'stagingarea'");
    expect(content).toContain('# guestbook-ui, staging overlay');
    expect(content).toContain('    staging notes stay as written');
  });

  it('quotes a rewritten plain value that would otherwise stop being a string', () => {
    const { content } = rewriteManifest('replicas-label: staging\n', {
      fromEnvironment: 'staging',
      toEnvironment: '1e3',
      toNamespace: 'x',
    });
    expect(content).toBe('replicas-label: "1e3"\n');
  });
});
