import { ArgoCdApplicationLocator } from './ArgoCdApplicationLocator';

/** 1-based line of the first occurrence of `needle` in `text`. */
function lineOf(text: string, needle: string): number {
  const at = text.indexOf(needle);
  if (at < 0) throw new Error(`fixture has no ${needle}`);
  return text.slice(0, at).split('\n').length;
}

const APPS = `# Argo CD applications of guestbook (app-of-apps child)
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: guestbook-staging
  namespace: argocd
  finalizers: [resources-finalizer.argocd.argoproj.io]
spec:
  project: default
  source:
    repoURL: https://github.com/acme/guestbook.git
    path: deploy/chart
    targetRevision: v1.4.2   # promoted by gitops2
    helm:
      releaseName: guestbook
      parameters:
        - name: replicaCount
          value: "2"
        - name: image.tag
          value: "1.4.2"
  destination:
    server: https://kubernetes.default.svc
    namespace: guestbook
---
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: guestbook-prod
spec:
  project: default
  sources:
    - repoURL: https://charts.acme.io
      chart: guestbook
      targetRevision: 2.0.1
      helm:
        valueFiles: [$values/prod/values.yaml]
        parameters:
          - {name: image.tag, value: 1.3.9}
    - repoURL: https://github.com/acme/values.git
      targetRevision: main
      ref: values
  destination: {server: https://prod.example.com, namespace: guestbook}
`;

const FILE = 'argocd/guestbook.yaml';
const locator = new ArgoCdApplicationLocator();
const prod = { application: 'guestbook-prod' };
const helmTag = { field: 'helm-parameter', parameter: 'image.tag' };

describe('ArgoCdApplicationLocator', () => {
  it('has type argocd-application', () => {
    expect(locator.type).toBe('argocd-application');
  });

  it('validates options', () => {
    expect(locator.validateOptions({})).toBeUndefined();
    expect(
      locator.validateOptions({ field: 'targetRevision', application: 'x' }),
    ).toBeUndefined();
    expect(locator.validateOptions(helmTag)).toBeUndefined();
    expect(locator.validateOptions({ field: 'helm-parameter' })).toBe(
      'option "parameter" is required with field: helm-parameter (e.g. image.tag)',
    );
    expect(locator.validateOptions({ parameter: 'image.tag' })).toBe(
      'option "parameter" is only used with field: helm-parameter',
    );
    expect(locator.validateOptions({ field: 'revision' })).toBe(
      'option "field" must be one of "targetRevision", "helm-parameter" (found: "revision")',
    );
    expect(locator.validateOptions({ app: 'x' })).toBe(
      'unknown option "app" (expected: field, parameter, application)',
    );
  });

  describe('read', () => {
    it('reads spec.source.targetRevision of the first Application by default', () => {
      expect(locator.read(APPS, FILE, {})).toEqual({
        ok: true,
        version: 'v1.4.2',
        line: lineOf(APPS, 'targetRevision: v1.4.2'),
      });
    });

    it('reads a helm parameter', () => {
      expect(locator.read(APPS, FILE, helmTag)).toEqual({
        ok: true,
        version: '1.4.2',
        line: lineOf(APPS, 'value: "1.4.2"'),
      });
    });

    it('reads the first of spec.sources of a named Application', () => {
      expect(locator.read(APPS, FILE, prod)).toEqual({
        ok: true,
        version: '2.0.1',
        line: lineOf(APPS, 'targetRevision: 2.0.1'),
      });
      expect(locator.read(APPS, FILE, { ...prod, ...helmTag })).toEqual({
        ok: true,
        version: '1.3.9',
        line: lineOf(APPS, '{name: image.tag'),
      });
    });

    it('reports an unknown Application name with the names found', () => {
      expect(
        locator.read(APPS, FILE, { application: 'guestbook-dev' }),
      ).toEqual({
        ok: false,
        error: {
          message:
            'no Application named "guestbook-dev" in the file (found: "guestbook-staging", "guestbook-prod")',
          file: FILE,
          line: 2,
        },
      });
    });

    it('reports a file without Application', () => {
      const content = '# not argo\napiVersion: apps/v1\nkind: Deployment\n';
      expect(locator.read(content, FILE, {})).toEqual({
        ok: false,
        error: {
          message:
            'no Argo CD Application in the file (found kinds: "Deployment")',
          file: FILE,
          line: 2,
        },
      });
    });

    it('reports a missing helm parameter with the parameters found', () => {
      expect(
        locator.read(APPS, FILE, {
          field: 'helm-parameter',
          parameter: 'image.digest',
        }),
      ).toEqual({
        ok: false,
        error: {
          message:
            'spec.source.helm.parameters of Application "guestbook-staging" has no entry named "image.digest" (found: "replicaCount", "image.tag")',
          file: FILE,
          line: lineOf(APPS, '- name: replicaCount'),
        },
      });
    });

    it('reports a source without helm parameters', () => {
      const content = APPS.replace(
        '        parameters:\n          - {name: image.tag, value: 1.3.9}\n',
        '',
      );
      expect(locator.read(content, FILE, { ...prod, ...helmTag })).toEqual({
        ok: false,
        error: {
          message:
            'spec.sources[0] of Application "guestbook-prod" has no helm.parameters list (looking for parameter "image.tag")',
          file: FILE,
          line: lineOf(content, 'valueFiles'),
        },
      });
    });

    it('reports a missing targetRevision with the keys found', () => {
      const content = APPS.replace(
        '    targetRevision: v1.4.2   # promoted by gitops2\n',
        '',
      );
      expect(locator.read(content, FILE, {})).toEqual({
        ok: false,
        error: {
          message:
            'spec.source of Application "guestbook-staging" has no targetRevision (found keys: "repoURL", "path", "helm")',
          file: FILE,
          line: lineOf(
            content,
            'repoURL: https://github.com/acme/guestbook.git',
          ),
        },
      });
    });

    it('reports an Application without source', () => {
      const content =
        'kind: Application\nmetadata:\n  name: x\nspec:\n  project: default\n';
      expect(locator.read(content, FILE, {})).toEqual({
        ok: false,
        error: {
          message:
            'the Application "x" has neither spec.source nor spec.sources (found keys: "project")',
          file: FILE,
          line: 5,
        },
      });
    });

    it('reports a YAML syntax error with its line', () => {
      const broken = APPS.replace('chart: guestbook', 'chart: "guestbook');
      expect(locator.read(broken, FILE, prod)).toMatchObject({
        ok: false,
        error: {
          message: expect.stringMatching(/^invalid YAML: /),
          file: FILE,
        },
      });
      const tabbed = APPS.replace(
        '  project: default\n  sources:',
        '\tproject: default\n  sources:',
      );
      expect(locator.read(tabbed, FILE, prod)).toEqual({
        ok: false,
        error: {
          message: expect.stringMatching(/^invalid YAML: /),
          file: FILE,
          line: lineOf(APPS, '  project: default\n  sources:'),
        },
      });
    });
  });

  describe('write', () => {
    it('rewrites targetRevision, keeping the comment', () => {
      expect(locator.write(APPS, FILE, {}, 'v1.5.0')).toEqual({
        ok: true,
        content: APPS.replace(
          'targetRevision: v1.4.2   #',
          'targetRevision: v1.5.0   #',
        ),
      });
    });

    it('rewrites a quoted helm parameter value', () => {
      expect(locator.write(APPS, FILE, helmTag, '1.5.0')).toEqual({
        ok: true,
        content: APPS.replace('value: "1.4.2"', 'value: "1.5.0"'),
      });
    });

    it('rewrites inside a flow map of the second document only', () => {
      expect(
        locator.write(APPS, FILE, { ...prod, ...helmTag }, '1.4.0'),
      ).toEqual({
        ok: true,
        content: APPS.replace('value: 1.3.9}', 'value: 1.4.0}'),
      });
      expect(locator.write(APPS, FILE, prod, '2.1.0')).toEqual({
        ok: true,
        content: APPS.replace('targetRevision: 2.0.1', 'targetRevision: 2.1.0'),
      });
    });

    it('refuses unsafe versions and passes read errors through', () => {
      expect(locator.write(APPS, FILE, {}, 'main # x')).toMatchObject({
        ok: false,
        error: {
          message: expect.stringMatching(
            /^refusing to write version "main # x"/,
          ),
        },
      });
      expect(
        locator.write(APPS, FILE, { application: 'nope' }, 'v2'),
      ).toMatchObject({
        ok: false,
        error: {
          message: expect.stringMatching(/^no Application named "nope"/),
        },
      });
    });
  });
});
