import {
  ContainerImageLocator,
  isDigest,
  normalizeRepository,
  parseImageRef,
} from './ContainerImageLocator';

/** 1-based line of the first occurrence of `needle` in `text`. */
function lineOf(text: string, needle: string): number {
  const at = text.indexOf(needle);
  if (at < 0) throw new Error(`fixture has no ${needle}`);
  return text.slice(0, at).split('\n').length;
}

const DIGEST = `sha256:${'0123456789abcdef'.repeat(4)}`;

const MANIFESTS = `# guestbook: rendered manifests for prod-us
apiVersion: v1
kind: Service
metadata:
  name: guestbook
spec:
  ports: [{port: 80, targetPort: http}]
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: guestbook-ui
  labels: &labels
    app: guestbook
spec:
  replicas: 3
  template:
    metadata:
      labels: *labels
    spec:
      initContainers:
        - name: migrate
          image: ghcr.io/acme/migrate:0.1.0
      containers:
        - name: ui
          image: ghcr.io/acme/guestbook-ui:1.4.2   # bumped by CI
          ports:
            - name: http
              containerPort: 8080
        - name: envoy
          image: "envoyproxy/envoy:v1.31.0"
---
# state
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: redis
spec:
  serviceName: redis
  template:
    spec:
      containers:
        - name: redis
          image: redis@${DIGEST}
        - name: metrics
          image: 'localhost:5000/metrics-exporter:2.0'
`;

const FILE = 'apps/guestbook/prod-us/manifests.yaml';
const locator = new ContainerImageLocator();

describe('image references', () => {
  it('splits repository, tag and digest', () => {
    expect(parseImageRef('nginx')).toEqual({
      repository: 'nginx',
      digest: undefined,
    });
    expect(parseImageRef('nginx:1.27')).toEqual({
      repository: 'nginx',
      tag: '1.27',
      digest: undefined,
    });
    expect(parseImageRef('localhost:5000/app')).toEqual({
      repository: 'localhost:5000/app',
      digest: undefined,
    });
    expect(parseImageRef(`localhost:5000/app:v1@${DIGEST}`)).toEqual({
      repository: 'localhost:5000/app',
      tag: 'v1',
      digest: DIGEST,
    });
    expect(parseImageRef(`redis@${DIGEST}`)).toEqual({
      repository: 'redis',
      digest: DIGEST,
    });
  });

  it('normalizes Docker Hub names', () => {
    expect(normalizeRepository('nginx')).toBe('docker.io/library/nginx');
    expect(normalizeRepository('bitnami/redis')).toBe(
      'docker.io/bitnami/redis',
    );
    expect(normalizeRepository('index.docker.io/bitnami/redis')).toBe(
      'docker.io/bitnami/redis',
    );
    expect(normalizeRepository('ghcr.io/acme/ui')).toBe('ghcr.io/acme/ui');
    expect(normalizeRepository('localhost/ui')).toBe('localhost/ui');
  });

  it('recognizes digests', () => {
    expect(isDigest(DIGEST)).toBe(true);
    expect(isDigest('v1.2.3')).toBe(false);
    expect(isDigest('sha256:abc')).toBe(false);
  });
});

describe('ContainerImageLocator', () => {
  it('has type container-image and optional options', () => {
    expect(locator.type).toBe('container-image');
    expect(locator.validateOptions({})).toBeUndefined();
    expect(
      locator.validateOptions({ container: 'ui', image: 'ghcr.io/acme/ui' }),
    ).toBeUndefined();
    expect(locator.validateOptions({ container: '' })).toMatch(
      /^option "container" must be a non-empty string/,
    );
    expect(locator.validateOptions({ name: 'ui' })).toBe(
      'unknown option "name" (expected: container, image)',
    );
  });

  describe('read', () => {
    it('reads the first container of the first workload by default, skipping init containers', () => {
      expect(locator.read(MANIFESTS, FILE, {})).toEqual({
        ok: true,
        version: '1.4.2',
        line: lineOf(MANIFESTS, 'image: ghcr.io/acme/guestbook-ui'),
      });
    });

    it('finds a container by name', () => {
      expect(locator.read(MANIFESTS, FILE, { container: 'envoy' })).toEqual({
        ok: true,
        version: 'v1.31.0',
        line: lineOf(MANIFESTS, 'image: "envoyproxy'),
      });
    });

    it('finds a container by image repository, in later documents', () => {
      expect(
        locator.read(MANIFESTS, FILE, { image: 'docker.io/library/redis' }),
      ).toEqual({
        ok: true,
        version: DIGEST,
        line: lineOf(MANIFESTS, 'image: redis@'),
      });
      expect(
        locator.read(MANIFESTS, FILE, {
          image: 'localhost:5000/metrics-exporter',
        }),
      ).toMatchObject({
        ok: true,
        version: '2.0',
      });
      expect(
        locator.read(MANIFESTS, FILE, {
          container: 'metrics',
          image: 'localhost:5000/metrics-exporter',
        }),
      ).toMatchObject({ ok: true, version: '2.0' });
    });

    it('reads DaemonSets', () => {
      const ds =
        'apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: agent}\nspec:\n  template:\n    spec:\n      containers:\n        - {name: agent, image: "datadog/agent:7.50.0"}\n';
      expect(locator.read(ds, FILE, {})).toEqual({
        ok: true,
        version: '7.50.0',
        line: 8,
      });
    });

    it('says what it looked for and what it found', () => {
      expect(locator.read(MANIFESTS, FILE, { container: 'api' })).toEqual({
        ok: false,
        error: {
          message:
            'no container named "api" in the file (found: "ui" (ghcr.io/acme/guestbook-ui:1.4.2) in Deployment "guestbook-ui", ' +
            '"envoy" (envoyproxy/envoy:v1.31.0) in Deployment "guestbook-ui", ' +
            `"redis" (redis@${DIGEST}) in StatefulSet "redis", ` +
            '"metrics" (localhost:5000/metrics-exporter:2.0) in StatefulSet "redis")',
          file: FILE,
          line: lineOf(MANIFESTS, '- name: ui'),
        },
      });
      expect(
        locator.read(MANIFESTS, FILE, {
          container: 'ui',
          image: 'ghcr.io/acme/other',
        }),
      ).toMatchObject({
        ok: false,
        error: {
          message: expect.stringMatching(
            /^no container named "ui" with image "ghcr.io\/acme\/other" in the file \(found: /,
          ),
        },
      });
    });

    it('reports a file without workloads', () => {
      const content =
        '# just a service\napiVersion: v1\nkind: Service\nmetadata: {name: x}\n---\nkind: ConfigMap\n';
      expect(locator.read(content, FILE, {})).toEqual({
        ok: false,
        error: {
          message:
            'no Deployment, StatefulSet or DaemonSet in the file (found kinds: "Service", "ConfigMap")',
          file: FILE,
          line: 2,
        },
      });
    });

    it('reports a workload without containers', () => {
      const content =
        'kind: Deployment\nmetadata: {name: x}\nspec:\n  template:\n    metadata: {}\n';
      expect(locator.read(content, FILE, {})).toEqual({
        ok: false,
        error: {
          message:
            'no container in the file (found: Deployment "x" without spec.template.spec.containers)',
          file: FILE,
          line: 5,
        },
      });
    });

    it('reports an image without a tag or digest', () => {
      const content =
        'kind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n    spec:\n      containers:\n        - name: web\n          image: nginx\n';
      expect(locator.read(content, FILE, {})).toEqual({
        ok: false,
        error: {
          message:
            'container "web" in Deployment "web" has image "nginx" without a tag or digest',
          file: FILE,
          line: 8,
        },
      });
    });

    it('reports an alias to an anchor of another document as a YAML error', () => {
      const content =
        'x-ui: &ui {name: ui, image: "ghcr.io/acme/ui:1"}\n---\nkind: Deployment\nmetadata: {name: ui}\nspec:\n  template:\n    spec:\n      containers: [*ui]\n';
      expect(locator.read(content, FILE, {})).toEqual({
        ok: false,
        error: {
          message:
            'invalid YAML: unresolved alias *ui (the anchor must be set before the alias)',
          file: FILE,
          line: 8,
        },
      });
    });

    it('reports a syntax error in a later document with its line', () => {
      const broken = MANIFESTS.replace(
        '  serviceName: redis',
        '  serviceName: redis: broken',
      );
      expect(locator.read(broken, FILE, {})).toEqual({
        ok: false,
        error: {
          message:
            'invalid YAML: nested mappings are not allowed in compact mappings',
          file: FILE,
          line: lineOf(MANIFESTS, 'serviceName'),
        },
      });
    });
  });

  describe('write', () => {
    it('replaces only the tag', () => {
      expect(
        locator.write(MANIFESTS, FILE, { container: 'ui' }, '1.5.0'),
      ).toEqual({
        ok: true,
        content: MANIFESTS.replace(
          'guestbook-ui:1.4.2   #',
          'guestbook-ui:1.5.0   #',
        ),
      });
    });

    it('keeps quotes and registry ports', () => {
      expect(
        locator.write(MANIFESTS, FILE, { container: 'envoy' }, 'v1.32.0'),
      ).toEqual({
        ok: true,
        content: MANIFESTS.replace(
          '"envoyproxy/envoy:v1.31.0"',
          '"envoyproxy/envoy:v1.32.0"',
        ),
      });
      expect(
        locator.write(MANIFESTS, FILE, { container: 'metrics' }, '2.1'),
      ).toEqual({
        ok: true,
        content: MANIFESTS.replace(
          "'localhost:5000/metrics-exporter:2.0'",
          "'localhost:5000/metrics-exporter:2.1'",
        ),
      });
    });

    it('writes digests after @ and tags after :', () => {
      const next = `sha256:${'fedcba9876543210'.repeat(4)}`;
      expect(
        locator.write(MANIFESTS, FILE, { container: 'redis' }, next),
      ).toEqual({
        ok: true,
        content: MANIFESTS.replace(`redis@${DIGEST}`, `redis@${next}`),
      });
      expect(
        locator.write(MANIFESTS, FILE, { container: 'redis' }, '7.4.1'),
      ).toEqual({
        ok: true,
        content: MANIFESTS.replace(`redis@${DIGEST}`, 'redis:7.4.1'),
      });
      expect(locator.write(MANIFESTS, FILE, { container: 'ui' }, next)).toEqual(
        {
          ok: true,
          content: MANIFESTS.replace(
            'guestbook-ui:1.4.2',
            `guestbook-ui@${next}`,
          ),
        },
      );
    });

    it('drops a stale digest when a tag+digest image gets a new tag', () => {
      const content = `kind: Deployment\nmetadata: {name: ui}\nspec:\n  template:\n    spec:\n      containers:\n        - name: ui\n          image: ghcr.io/acme/ui:1.0@${DIGEST}\n`;
      expect(locator.read(content, FILE, {})).toEqual({
        ok: true,
        version: '1.0',
        line: 8,
      });
      expect(locator.write(content, FILE, {}, '1.1')).toEqual({
        ok: true,
        content: content.replace(
          `ghcr.io/acme/ui:1.0@${DIGEST}`,
          'ghcr.io/acme/ui:1.1',
        ),
      });
    });

    it('refuses something that is neither a tag nor a digest', () => {
      expect(locator.write(MANIFESTS, FILE, {}, 'other/repo')).toEqual({
        ok: false,
        error: {
          message:
            'refusing to write version "other/repo": it is neither an image tag (letters, digits, "_", "." or "-") nor a digest (e.g. sha256:…)',
          file: FILE,
        },
      });
      expect(locator.write(MANIFESTS, FILE, {}, 'v1:2')).toMatchObject({
        ok: false,
      });
      expect(locator.write(MANIFESTS, FILE, {}, 'v1\n')).toMatchObject({
        ok: false,
        error: {
          message: expect.stringMatching(
            /^refusing to write version "v1\\n": a version must be one token/,
          ),
        },
      });
    });

    it('refuses a container shared through an alias', () => {
      const content =
        'kind: Deployment\nmetadata: {name: ui}\nspec:\n  template:\n    spec:\n      initContainers: [&ui {name: ui, image: "ghcr.io/acme/ui:1"}]\n      containers: [*ui]\n';
      expect(locator.read(content, FILE, {})).toEqual({
        ok: true,
        version: '1',
        line: 6,
      });
      expect(locator.write(content, FILE, {}, '2')).toEqual({
        ok: false,
        error: {
          message:
            'cannot rewrite the version in place: container "ui" in Deployment "ui" is shared through an alias or merge key; rewriting it would change other places that share it',
          file: FILE,
          line: 6,
        },
      });
    });
  });
});
