import { Alias } from 'yaml';
import { parsePipeline } from '../pipeline/parsePipeline';
import { TWO_STAGE_PIPELINE } from '../testing/GitRepoFixture';
import { ArgoCdApplicationLocator } from './ArgoCdApplicationLocator';
import { ContainerImageLocator } from './ContainerImageLocator';
import { HelmValuesLocator } from './HelmValuesLocator';
import { KustomizeImageLocator } from './KustomizeImageLocator';
import type { LocatorOptions, VersionLocator } from './types';
import { createDefaultLocatorRegistry } from './VersionLocatorRegistry';

/*
 * Hostile YAML: files of a few lines whose aliases or merge keys stand for
 * billions of nodes must be refused quickly, with an error naming the file
 * and line, by every locator and by the pipeline parser. The time bound is
 * far from both sides: the refusal takes milliseconds, an unbounded
 * expansion of these files takes hours.
 */

/** 10 lines: each anchor is a list of 9 aliases to the previous one (9^9 leaves). */
function aliasBomb(): string {
  const lines = ['x-lol0: &lol0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]'];
  for (let i = 1; i < 10; i++) {
    lines.push(
      `x-lol${i}: &lol${i} [${Array(9)
        .fill(`*lol${i - 1}`)
        .join(', ')}]`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/** 10 lines: each map merges the previous one 9 times (9^9 merge sources). */
function mergeBomb(): string {
  const lines = ['x-m0: &m0 {k0: v}'];
  for (let i = 1; i < 10; i++) {
    lines.push(
      `x-m${i}: &m${i} {<<: [${Array(9)
        .fill(`*m${i - 1}`)
        .join(', ')}], k${i}: v}`,
    );
  }
  // Merged into the document root, where every locator looks first.
  lines.push('<<: *m9');
  return `${lines.join('\n')}\n`;
}

const cases: Array<{
  name: string;
  locator: VersionLocator;
  options: LocatorOptions;
  manifest: string;
}> = [
  {
    name: 'kustomize-image',
    locator: new KustomizeImageLocator(),
    options: { image: 'ghcr.io/acme/cart' },
    manifest:
      'kind: Kustomization\nimages:\n  - name: ghcr.io/acme/cart\n    newTag: v1\n',
  },
  {
    name: 'helm-values',
    locator: new HelmValuesLocator(),
    options: { path: 'image.tag' },
    manifest: 'image:\n  repository: ghcr.io/acme/cart\n  tag: v1\n',
  },
  {
    name: 'container-image',
    locator: new ContainerImageLocator(),
    options: { container: 'cart' },
    manifest:
      'kind: Deployment\nmetadata: {name: cart}\nspec:\n  template:\n    spec:\n      containers:\n        - {name: cart, image: "ghcr.io/acme/cart:v1"}\n',
  },
  {
    name: 'argocd-application',
    locator: new ArgoCdApplicationLocator(),
    options: {},
    manifest:
      'apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: cart}\nspec:\n  source: {repoURL: https://example.com/x.git, targetRevision: v1}\n',
  },
];

const FILE = 'apps/cart/dev/manifest.yaml';
const bombs = [
  { bomb: 'alias bomb', text: aliasBomb(), line: 5 },
  { bomb: 'merge-key bomb', text: mergeBomb(), line: 5 },
];

/**
 * Runs `fn`. The proof is the refusal itself (the error names the alias
 * expansion); an expanded bomb would not return for hours. Speed is not
 * asserted here.
 */
function run<T>(fn: () => T): { result: T } {
  return { result: fn() };
}

describe('hostile YAML', () => {
  describe.each(cases)('$name locator', ({ locator, options, manifest }) => {
    it('reads the plain manifest (the fixture is valid)', () => {
      expect(locator.read(manifest, FILE, options)).toMatchObject({
        ok: true,
      });
    });

    it.each(bombs)(
      'refuses a 10-line $bomb without expanding it, in read and write',
      ({ text, line }) => {
        const content = manifest + text;
        const firstLine = manifest.split('\n').length - 1;
        const read = run(() => locator.read(content, FILE, options));
        expect(read.result).toEqual({
          ok: false,
          error: {
            file: FILE,
            line: firstLine + line,
            message: expect.stringMatching(
              /^YAML aliases expand to more than 10,000 nodes/,
            ),
          },
        });
        const write = run(() => locator.write(content, FILE, options, 'v2'));
        expect(write.result).toEqual(read.result);
      },
    );
  });

  describe('the pipeline parser', () => {
    const registry = createDefaultLocatorRegistry();

    it.each(bombs)(
      'refuses a 10-line $bomb without expanding it',
      ({ text, line }) => {
        const firstLine = TWO_STAGE_PIPELINE.split('\n').length - 1;
        const { result } = run(() =>
          parsePipeline(TWO_STAGE_PIPELINE + text, 'pipeline.yaml', registry),
        );
        expect(result.definition).toBeNull();
        expect(result.fileError).toEqual({
          file: 'pipeline.yaml',
          line: firstLine + line,
          message: expect.stringMatching(
            /^YAML aliases expand to more than 10,000 nodes/,
          ),
        });
      },
    );

    it('refuses an alias that contains itself (a recursive structure)', () => {
      const hostile = TWO_STAGE_PIPELINE.replace(
        '  name: shop\n',
        '  name: shop\n  annotations: &loop {self: *loop}\n',
      );
      const result = parsePipeline(hostile, 'pipeline.yaml', registry);
      expect(result.fileError).toEqual({
        file: 'pipeline.yaml',
        line: 5,
        message:
          'YAML alias *loop is inside the node it refers to (a recursive structure)',
      });
    });

    it('resolves aliases inside a promotion policy', () => {
      const content = TWO_STAGE_PIPELINE.replace(
        '  environments:\n    dev:\n',
        '  environments:\n    dev:\n      promotion: {mode: &direct direct}\n',
      ).replace(
        '    staging:\n      cluster: staging-cluster\n',
        '    staging:\n      promotion: {mode: *direct}\n      cluster: staging-cluster\n',
      );
      const result = parsePipeline(content, 'pipeline.yaml', registry);
      expect(result.fileError).toBeNull();
      expect(result.environmentErrors).toEqual({});
      expect(
        result.definition?.environments.find(e => e.name === 'staging')
          ?.promotion,
      ).toMatchObject({ mode: 'direct' });
    });
  });

  it("refuses collections nested thousands deep with a message that says so (not the parser's stack overflow)", () => {
    const deep = `image: ${'['.repeat(3000)}${']'.repeat(3000)}\n`;
    const result = new HelmValuesLocator().read(deep, FILE, {
      path: 'image.tag',
    });
    expect(result).toEqual({
      ok: false,
      error: {
        file: FILE,
        line: 1,
        message: expect.stringMatching(
          /^invalid YAML: collections nested too deep to read \(hundreds of levels\) at column \d+$/,
        ),
      },
    });
  });

  it('refuses merge keys nested more than 20 levels deep', () => {
    const lines = ['m0: &m0 {tag: v1}'];
    for (let i = 1; i <= 21; i++) lines.push(`m${i}: &m${i} {<<: *m${i - 1}}`);
    lines.push('image: {<<: *m21}');
    const result = new HelmValuesLocator().read(`${lines.join('\n')}\n`, FILE, {
      path: 'image.tag',
    });
    expect(result).toEqual({
      ok: false,
      error: {
        file: FILE,
        line: 22, // m21: the 21st level of merges
        message: 'YAML merge keys (<<) nest more than 20 levels deep',
      },
    });
  });

  it('resolves aliases without walking the document once per alias', () => {
    // 2,000 aliases among 26,000 other nodes (100 KB). The yaml library's
    // Alias.resolve walks the whole document on each call: quadratic, many
    // seconds for this file and minutes for a 1 MiB one.
    const resolve = jest.spyOn(Alias.prototype, 'resolve');
    const lines = ['image:', '  tag: &tag v1'];
    for (let i = 0; i < 2000; i++) {
      lines.push(`x${i}: {a: 1, b: 2, c: 3, d: 4, e: 5, f: 6, t: *tag}`);
    }
    const content = `${lines.join('\n')}\n`;
    const { result } = run(() =>
      new HelmValuesLocator().read(content, FILE, { path: 'image.tag' }),
    );
    expect(result).toEqual({ ok: true, version: 'v1', line: 2 });
    expect(resolve).not.toHaveBeenCalled();
    resolve.mockRestore();
  });
});
