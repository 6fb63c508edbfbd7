import { HelmValuesLocator, parseDotPath } from './HelmValuesLocator';

/** 1-based line of the first occurrence of `needle` in `text`. */
function lineOf(text: string, needle: string): number {
  const at = text.indexOf(needle);
  if (at < 0) throw new Error(`fixture has no ${needle}`);
  return text.slice(0, at).split('\n').length;
}

const VALUES = `# Default values for guestbook-api.
# This is a YAML-formatted file.
replicaCount: 2

image: &image
  repository: ghcr.io/acme/guestbook-api
  tag: "2.3.1"          # updated by promotion
  pullPolicy: IfNotPresent

chart:
  version: 1.10

sidecars:
  - name: envoy
    image:
      repository: envoyproxy/envoy
      tag: v1.31.0
  - name: exporter
    image: {repository: prom/statsd-exporter, tag: 'v0.26.0'}

worker:
  image:
    <<: *image
    pullPolicy: Always

global:
  "image.tag": 9.9.9

notes: |
  v1
`;

const FILE = 'apps/guestbook-api/prod-us/values.yaml';
const locator = new HelmValuesLocator();
const tag = { path: 'image.tag' };

describe('parseDotPath', () => {
  it('parses keys, indexes and quoted keys', () => {
    expect(parseDotPath('image.tag')).toEqual([
      { key: 'image' },
      { key: 'tag' },
    ]);
    expect(parseDotPath('sidecars[1].image.tag')).toEqual([
      { key: 'sidecars' },
      { index: 1 },
      { key: 'image' },
      { key: 'tag' },
    ]);
    expect(parseDotPath('a[0][2]')).toEqual([
      { key: 'a' },
      { index: 0 },
      { index: 2 },
    ]);
    expect(parseDotPath('[3].tag')).toEqual([{ index: 3 }, { key: 'tag' }]);
    expect(parseDotPath('global["image.tag"]')).toEqual([
      { key: 'global' },
      { key: 'image.tag' },
    ]);
  });

  it('explains bad paths', () => {
    expect(parseDotPath('')).toBe(
      'path "" is not a valid dot path: it is empty',
    );
    expect(parseDotPath('image..tag')).toBe(
      'path "image..tag" is not a valid dot path: empty key at position 7',
    );
    expect(parseDotPath('image.')).toBe(
      'path "image." is not a valid dot path: it ends with "."',
    );
    expect(parseDotPath('.image')).toBe(
      'path ".image" is not a valid dot path: empty key at position 1',
    );
    expect(parseDotPath('images[x]')).toBe(
      'path "images[x]" is not a valid dot path: expected a list index or a quoted key inside [x]',
    );
    expect(parseDotPath('images[0')).toBe(
      'path "images[0" is not a valid dot path: unclosed "[" at position 7',
    );
    expect(parseDotPath('images[0]tag')).toBe(
      'path "images[0]tag" is not a valid dot path: expected "." or "[" at position 10',
    );
    expect(parseDotPath('a]b')).toBe(
      'path "a]b" is not a valid dot path: unexpected "]" at position 2',
    );
  });
});

describe('HelmValuesLocator', () => {
  it('has type helm-values', () => {
    expect(locator.type).toBe('helm-values');
  });

  it('validates options', () => {
    expect(locator.validateOptions(tag)).toBeUndefined();
    expect(locator.validateOptions({})).toBe(
      'option "path" is required: dot path of the version, e.g. image.tag or images[0].tag',
    );
    expect(locator.validateOptions({ path: 'image..tag' })).toBe(
      'option "path": path "image..tag" is not a valid dot path: empty key at position 7',
    );
    expect(locator.validateOptions({ path: 'image.tag', image: 'x' })).toBe(
      'unknown option "image" (expected: path)',
    );
  });

  describe('read', () => {
    it('reads the scalar at a dot path, with its line', () => {
      expect(locator.read(VALUES, FILE, tag)).toEqual({
        ok: true,
        version: '2.3.1',
        line: lineOf(VALUES, 'tag: "2.3.1"'),
      });
    });

    it('reads list items and flow maps', () => {
      expect(
        locator.read(VALUES, FILE, { path: 'sidecars[0].image.tag' }),
      ).toEqual({
        ok: true,
        version: 'v1.31.0',
        line: lineOf(VALUES, 'tag: v1.31.0'),
      });
      expect(
        locator.read(VALUES, FILE, { path: 'sidecars[1].image.tag' }),
      ).toEqual({
        ok: true,
        version: 'v0.26.0',
        line: lineOf(VALUES, "tag: 'v0.26.0'"),
      });
    });

    it('keeps numbers as written', () => {
      expect(
        locator.read(VALUES, FILE, { path: 'chart.version' }),
      ).toMatchObject({ ok: true, version: '1.10' });
    });

    it('reads through a merge key and quoted keys', () => {
      expect(locator.read(VALUES, FILE, { path: 'worker.image.tag' })).toEqual({
        ok: true,
        version: '2.3.1',
        line: lineOf(VALUES, 'tag: "2.3.1"'),
      });
      expect(
        locator.read(VALUES, FILE, { path: 'global["image.tag"]' }),
      ).toMatchObject({
        ok: true,
        version: '9.9.9',
      });
    });

    it('says which key is missing and which keys exist, at the parent key', () => {
      expect(locator.read(VALUES, FILE, { path: 'image.version' })).toEqual({
        ok: false,
        error: {
          message:
            'image has no key "version" (found: "repository", "tag", "pullPolicy")',
          file: FILE,
          line: lineOf(VALUES, 'image: &image'),
        },
      });
      expect(locator.read(VALUES, FILE, { path: 'api.image.tag' })).toEqual({
        ok: false,
        error: {
          message:
            'the values file has no key "api" (found: "replicaCount", "image", "chart", "sidecars", "worker", "global", "notes")',
          file: FILE,
          line: lineOf(VALUES, 'replicaCount'),
        },
      });
    });

    it('reports an index out of range', () => {
      expect(
        locator.read(VALUES, FILE, { path: 'sidecars[5].image.tag' }),
      ).toEqual({
        ok: false,
        error: {
          message: 'sidecars has 2 item(s), no index [5]',
          file: FILE,
          line: lineOf(VALUES, 'sidecars:'),
        },
      });
    });

    it('reports wrong shapes on the way', () => {
      expect(locator.read(VALUES, FILE, { path: 'replicaCount.tag' })).toEqual({
        ok: false,
        error: {
          message: 'replicaCount is a number, not a map (looking for "tag")',
          file: FILE,
          line: lineOf(VALUES, 'replicaCount'),
        },
      });
      expect(locator.read(VALUES, FILE, { path: 'image[0]' })).toEqual({
        ok: false,
        error: {
          message: 'image is a map, not a list (looking for [0])',
          file: FILE,
          line: lineOf(VALUES, 'image: &image'),
        },
      });
      expect(locator.read(VALUES, FILE, { path: 'image' })).toEqual({
        ok: false,
        error: {
          message: 'image is a map, not a version',
          file: FILE,
          line: lineOf(VALUES, 'image: &image'),
        },
      });
    });

    it('reports an empty value', () => {
      expect(locator.read('image:\n  tag:\n', FILE, tag)).toEqual({
        ok: false,
        error: {
          message: 'image.tag is an empty value, not a version',
          file: FILE,
          line: 2,
        },
      });
    });

    it('reports an empty file', () => {
      expect(locator.read('', FILE, tag)).toEqual({
        ok: false,
        error: {
          message: 'the values file is empty (looking for image.tag)',
          file: FILE,
          line: 1,
        },
      });
    });

    it('turns a YAML syntax error into an error with its line', () => {
      const broken = VALUES.replace('tag: "2.3.1"', 'tag: "2.3.1');
      const result = locator.read(broken, FILE, tag);
      expect(result).toMatchObject({
        ok: false,
        error: {
          message: expect.stringMatching(/^invalid YAML: /),
          file: FILE,
        },
      });
      const indent = VALUES.replace(
        '  pullPolicy: IfNotPresent',
        ' pullPolicy: IfNotPresent',
      );
      expect(locator.read(indent, FILE, tag)).toEqual({
        ok: false,
        error: {
          message: expect.stringMatching(/^invalid YAML: /),
          file: FILE,
          line: lineOf(VALUES, 'pullPolicy: IfNotPresent'),
        },
      });
    });
  });

  describe('write', () => {
    it('keeps double quotes and the comment', () => {
      expect(locator.write(VALUES, FILE, tag, '2.4.0')).toEqual({
        ok: true,
        content: VALUES.replace(
          'tag: "2.3.1"          #',
          'tag: "2.4.0"          #',
        ),
      });
    });

    it('keeps plain values plain, and single quotes in flow maps', () => {
      expect(
        locator.write(
          VALUES,
          FILE,
          { path: 'sidecars[0].image.tag' },
          'v1.32.1',
        ),
      ).toEqual({
        ok: true,
        content: VALUES.replace('tag: v1.31.0', 'tag: v1.32.1'),
      });
      expect(
        locator.write(
          VALUES,
          FILE,
          { path: 'sidecars[1].image.tag' },
          'v0.27.0',
        ),
      ).toEqual({
        ok: true,
        content: VALUES.replace("tag: 'v0.26.0'}", "tag: 'v0.27.0'}"),
      });
    });

    it('quotes a plain number so that it stays a string', () => {
      expect(
        locator.write(VALUES, FILE, { path: 'chart.version' }, '1.11'),
      ).toEqual({
        ok: true,
        content: VALUES.replace('version: 1.10', 'version: "1.11"'),
      });
      expect(
        locator.write(VALUES, FILE, { path: 'chart.version' }, '1.11.0'),
      ).toEqual({
        ok: true,
        content: VALUES.replace('version: 1.10', 'version: 1.11.0'),
      });
    });

    it('writes into a key that holds dots', () => {
      expect(
        locator.write(VALUES, FILE, { path: 'global["image.tag"]' }, '10.0.0'),
      ).toEqual({
        ok: true,
        content: VALUES.replace('"image.tag": 9.9.9', '"image.tag": 10.0.0'),
      });
    });

    it('refuses a value reached through a merge key, which other maps share', () => {
      expect(
        locator.write(VALUES, FILE, { path: 'worker.image.tag' }, '2.4.0'),
      ).toEqual({
        ok: false,
        error: {
          message:
            'cannot rewrite the version in place: worker.image.tag comes from a merge key (<<); rewriting it would change other places that share it',
          file: FILE,
          line: lineOf(VALUES, 'tag: "2.3.1"'),
        },
      });
    });

    it('refuses a block scalar', () => {
      expect(
        locator.write(VALUES, FILE, { path: 'notes' }, 'v2'),
      ).toMatchObject({
        ok: false,
        error: {
          message: expect.stringMatching(/block scalar/),
          line: lineOf(VALUES, 'notes:'),
        },
      });
    });

    it('refuses unsafe versions', () => {
      for (const version of [
        '2.4.0\nimage: evil',
        '2.4.0 # x',
        '"2.4.0"',
        '{}',
        '[1]',
        'a b',
      ]) {
        expect(locator.write(VALUES, FILE, tag, version)).toMatchObject({
          ok: false,
          error: {
            message: expect.stringMatching(/^refusing to write version /),
            file: FILE,
          },
        });
      }
    });

    it('accepts build metadata and digests', () => {
      expect(locator.write(VALUES, FILE, tag, '2.4.0+build.7')).toMatchObject({
        ok: true,
      });
      const digest = `sha256:${'ab'.repeat(32)}`;
      expect(locator.write(VALUES, FILE, tag, digest)).toEqual({
        ok: true,
        content: VALUES.replace('"2.3.1"', `"${digest}"`),
      });
    });
  });
});
