import { KustomizeImageLocator } from './KustomizeImageLocator';

/** 1-based line of the first occurrence of `needle` in `text`. */
function lineOf(text: string, needle: string): number {
  const at = text.indexOf(needle);
  if (at < 0) throw new Error(`fixture has no ${needle}`);
  return text.slice(0, at).split('\n').length;
}

const DIGEST = `sha256:${'0123456789abcdef'.repeat(4)}`;

const KUSTOMIZATION = `# Overlay of guestbook for the dev environment.
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: guestbook-dev

resources:
  - ../../base   # shared manifests
commonLabels: &labels
  app.kubernetes.io/part-of: guestbook
labels:
  - pairs: *labels

images:
  # Sidecar, pinned by the platform team.
  - name: nginx
    newTag: "1.27.0"
  - name: ghcr.io/acme/guestbook-ui
    newName: ghcr.io/acme/guestbook-ui
    newTag: v1.4.2 # bumped by CI
  - name: ghcr.io/acme/guestbook-worker
    newTag: 'v0.9.0'
  - name: ghcr.io/acme/guestbook-api
    digest: ${DIGEST}
`;

const FILE = 'apps/guestbook/overlays/dev/kustomization.yaml';
const locator = new KustomizeImageLocator();
const ui = { image: 'ghcr.io/acme/guestbook-ui' };

describe('KustomizeImageLocator', () => {
  it('has type kustomize-image', () => {
    expect(locator.type).toBe('kustomize-image');
  });

  describe('validateOptions', () => {
    it('accepts an image', () => {
      expect(locator.validateOptions(ui)).toBeUndefined();
    });
    it('names a missing, empty or unknown option', () => {
      expect(locator.validateOptions({})).toBe(
        'option "image" is required: the images[].name to match',
      );
      expect(locator.validateOptions({ image: '' })).toMatch(
        /^option "image" must be a non-empty string/,
      );
      expect(locator.validateOptions({ image: 3 })).toMatch(
        /^option "image" must be a non-empty string.*\(found: 3\)$/,
      );
      expect(locator.validateOptions({ image: 'x', tag: 'y' })).toBe(
        'unknown option "tag" (expected: image)',
      );
    });
  });

  describe('read', () => {
    it('reads newTag of the matching entry, with its line', () => {
      expect(locator.read(KUSTOMIZATION, FILE, ui)).toEqual({
        ok: true,
        version: 'v1.4.2',
        line: lineOf(KUSTOMIZATION, 'newTag: v1.4.2'),
      });
    });

    it('reads quoted tags', () => {
      expect(locator.read(KUSTOMIZATION, FILE, { image: 'nginx' })).toEqual({
        ok: true,
        version: '1.27.0',
        line: lineOf(KUSTOMIZATION, 'newTag: "1.27.0"'),
      });
      expect(
        locator.read(KUSTOMIZATION, FILE, {
          image: 'ghcr.io/acme/guestbook-worker',
        }),
      ).toMatchObject({
        ok: true,
        version: 'v0.9.0',
      });
    });

    it('reads the digest when there is no tag', () => {
      expect(
        locator.read(KUSTOMIZATION, FILE, {
          image: 'ghcr.io/acme/guestbook-api',
        }),
      ).toEqual({
        ok: true,
        version: DIGEST,
        line: lineOf(KUSTOMIZATION, 'digest:'),
      });
    });

    it('keeps numeric-looking tags as written', () => {
      const content = 'images:\n  - name: app\n    newTag: 1.10\n';
      expect(locator.read(content, FILE, { image: 'app' })).toEqual({
        ok: true,
        version: '1.10',
        line: 3,
      });
    });

    it('follows an alias to the version', () => {
      const content = `versions:\n  ui: &ui v2.0.0\nimages:\n  - name: ui\n    newTag: *ui\n`;
      expect(locator.read(content, FILE, { image: 'ui' })).toEqual({
        ok: true,
        version: 'v2.0.0',
        line: 5,
      });
    });

    it('says which entry is missing and what it found, at the images list', () => {
      expect(
        locator.read(KUSTOMIZATION, FILE, { image: 'ghcr.io/acme/other' }),
      ).toEqual({
        ok: false,
        error: {
          message:
            'images has no entry named "ghcr.io/acme/other" (found: "nginx", "ghcr.io/acme/guestbook-ui", "ghcr.io/acme/guestbook-worker", "ghcr.io/acme/guestbook-api")',
          file: FILE,
          line: lineOf(KUSTOMIZATION, 'images:'),
        },
      });
    });

    it('reports a kustomization without images', () => {
      const content = '# base\nresources:\n  - deployment.yaml\nnamespace: x\n';
      expect(locator.read(content, FILE, ui)).toEqual({
        ok: false,
        error: {
          message:
            'the kustomization has no images list (found keys: "resources", "namespace")',
          file: FILE,
          line: 2,
        },
      });
    });

    it('reports images that is not a list', () => {
      const content = 'resources: []\nimages:\n  name: x\n';
      expect(locator.read(content, FILE, ui)).toEqual({
        ok: false,
        error: { message: 'images is a map, not a list', file: FILE, line: 3 },
      });
    });

    it('reports an entry with neither newTag nor digest', () => {
      const content =
        'images:\n  - name: nginx\n    newTag: "1"\n  - name: ghcr.io/acme/guestbook-ui\n    newName: ghcr.io/acme/ui\n';
      expect(locator.read(content, FILE, ui)).toEqual({
        ok: false,
        error: {
          message:
            'images entry "ghcr.io/acme/guestbook-ui" has neither newTag nor digest (found keys: "name", "newName")',
          file: FILE,
          line: 4,
        },
      });
    });

    it('reports an empty newTag', () => {
      const content =
        'images:\n  - name: ghcr.io/acme/guestbook-ui\n    newTag:\n';
      expect(locator.read(content, FILE, ui)).toEqual({
        ok: false,
        error: {
          message:
            'images entry "ghcr.io/acme/guestbook-ui" has newTag set to an empty value, not a version',
          file: FILE,
          line: 3,
        },
      });
    });

    it('reports empty files and non-map documents', () => {
      expect(locator.read('# nothing yet\n', FILE, ui)).toEqual({
        ok: false,
        error: {
          message:
            'the kustomization is empty (looking for images[].name "ghcr.io/acme/guestbook-ui")',
          file: FILE,
          line: 1,
        },
      });
      expect(locator.read('\n- a\n- b\n', FILE, ui)).toEqual({
        ok: false,
        error: {
          message:
            'the kustomization is a list, not a map (looking for images)',
          file: FILE,
          line: 2,
        },
      });
    });

    it('turns a YAML syntax error into an error with its line', () => {
      const broken = KUSTOMIZATION.replace(
        'newName: ghcr.io/acme/guestbook-ui',
        'newName: ghcr.io/acme/guestbook-ui: oops',
      );
      expect(locator.read(broken, FILE, ui)).toEqual({
        ok: false,
        error: {
          message:
            'invalid YAML: nested mappings are not allowed in compact mappings',
          file: FILE,
          line: lineOf(KUSTOMIZATION, 'newName:'),
        },
      });
      const tab = KUSTOMIZATION.replace('  - name: nginx', '\t- name: nginx');
      expect(locator.read(tab, FILE, ui)).toMatchObject({
        ok: false,
        error: { file: FILE, line: lineOf(KUSTOMIZATION, '- name: nginx') },
      });
    });

    it('reports a duplicate key as a syntax error at the duplicate', () => {
      const content =
        'images:\n  - name: ghcr.io/acme/guestbook-ui\n    newTag: v1\n    newTag: v2\n';
      expect(locator.read(content, FILE, ui)).toEqual({
        ok: false,
        error: {
          message: 'invalid YAML: map keys must be unique',
          file: FILE,
          line: 4,
        },
      });
    });

    it('reports invalid options instead of throwing', () => {
      expect(locator.read(KUSTOMIZATION, FILE, {})).toEqual({
        ok: false,
        error: {
          message:
            'invalid locator options: option "image" is required: the images[].name to match',
          file: FILE,
        },
      });
    });
  });

  describe('write', () => {
    it('changes only the version bytes of a plain tag', () => {
      expect(locator.write(KUSTOMIZATION, FILE, ui, 'v1.5.0')).toEqual({
        ok: true,
        content: KUSTOMIZATION.replace(
          'newTag: v1.4.2 # bumped by CI',
          'newTag: v1.5.0 # bumped by CI',
        ),
      });
    });

    it('keeps double and single quotes', () => {
      expect(
        locator.write(KUSTOMIZATION, FILE, { image: 'nginx' }, '1.28.1'),
      ).toEqual({
        ok: true,
        content: KUSTOMIZATION.replace('newTag: "1.27.0"', 'newTag: "1.28.1"'),
      });
      expect(
        locator.write(
          KUSTOMIZATION,
          FILE,
          { image: 'ghcr.io/acme/guestbook-worker' },
          'v0.10.0',
        ),
      ).toEqual({
        ok: true,
        content: KUSTOMIZATION.replace("newTag: 'v0.9.0'", "newTag: 'v0.10.0'"),
      });
    });

    it('double-quotes a plain value that would not read back as a string', () => {
      expect(locator.write(KUSTOMIZATION, FILE, ui, '1.5')).toEqual({
        ok: true,
        content: KUSTOMIZATION.replace('newTag: v1.4.2 #', 'newTag: "1.5" #'),
      });
      // YAML 1.1 (Helm, older tools) reads `on` as a boolean.
      expect(locator.write(KUSTOMIZATION, FILE, ui, 'on')).toEqual({
        ok: true,
        content: KUSTOMIZATION.replace('newTag: v1.4.2 #', 'newTag: "on" #'),
      });
    });

    it('writes a digest where the digest is', () => {
      const next = `sha256:${'fedcba9876543210'.repeat(4)}`;
      expect(
        locator.write(
          KUSTOMIZATION,
          FILE,
          { image: 'ghcr.io/acme/guestbook-api' },
          next,
        ),
      ).toEqual({
        ok: true,
        content: KUSTOMIZATION.replace(DIGEST, next),
      });
    });

    it('replaces an alias by the value, leaving the anchor alone', () => {
      const content = `versions:\n  ui: &ui v2.0.0\nimages:\n  - name: ui\n    newTag: *ui   # shared\n`;
      expect(locator.write(content, FILE, { image: 'ui' }, 'v2.1.0')).toEqual({
        ok: true,
        content: content.replace('newTag: *ui', 'newTag: v2.1.0'),
      });
    });

    it('writes into a flow mapping', () => {
      const content =
        'images: [{name: ghcr.io/acme/guestbook-ui, newTag: v1}, {name: nginx, newTag: "1"}]\n';
      expect(locator.write(content, FILE, ui, 'v2')).toEqual({
        ok: true,
        content: content.replace('newTag: v1}', 'newTag: v2}'),
      });
    });

    it('writes a digest into a flow mapping as a plain scalar', () => {
      const content = 'images: [{name: ui, newTag: v1}]  # one line\n';
      expect(locator.write(content, FILE, { image: 'ui' }, DIGEST)).toEqual({
        ok: true,
        content: content.replace('newTag: v1}', `newTag: ${DIGEST}}`),
      });
    });

    it('returns the file unchanged when the version is already there', () => {
      expect(locator.write(KUSTOMIZATION, FILE, ui, 'v1.4.2')).toEqual({
        ok: true,
        content: KUSTOMIZATION,
      });
    });

    it.each([
      ['a newline', 'v1\nevil: true'],
      ['a space', 'v1 v2'],
      ['a comment', 'v1#x'],
      ['a double quote', 'v1"'],
      ['a single quote', "v1'"],
      ['a flow map', '{a: 1}'],
      ['a flow list', '[v1]'],
      ['an empty string', ''],
      ['a leading dash', '-v1'],
      ['129 characters', `v${'1'.repeat(128)}`],
    ])('refuses a version with %s', (_what, version) => {
      expect(locator.write(KUSTOMIZATION, FILE, ui, version)).toEqual({
        ok: false,
        error: {
          message: `refusing to write version ${JSON.stringify(
            version,
          )}: a version must be one token of 1-128 letters, digits, ".", "_", "+", "@", ":", "/" or "-", starting with a letter or digit`,
          file: FILE,
        },
      });
    });

    it('refuses to rewrite a block scalar', () => {
      const content = 'images:\n  - name: ui\n    newTag: |\n      v1\n';
      expect(locator.write(content, FILE, { image: 'ui' }, 'v2')).toEqual({
        ok: false,
        error: {
          message:
            'cannot rewrite the version in place: it is written as a block scalar (| or >); write it as a plain or quoted single-line value',
          file: FILE,
          line: 3,
        },
      });
    });

    it('refuses when the entry is shared through an alias', () => {
      const content = 'base: &ui {name: ui, newTag: v1}\nimages:\n  - *ui\n';
      expect(locator.write(content, FILE, { image: 'ui' }, 'v2')).toEqual({
        ok: false,
        error: {
          message:
            'cannot rewrite the version in place: images entry "ui" is shared through an alias or merge key; rewriting it would change other places that share it',
          file: FILE,
          line: 1,
        },
      });
    });

    it('passes read errors through', () => {
      expect(
        locator.write(KUSTOMIZATION, FILE, { image: 'nope' }, 'v2'),
      ).toMatchObject({
        ok: false,
        error: {
          message: expect.stringMatching(/^images has no entry named "nope"/),
          file: FILE,
        },
      });
    });
  });
});
