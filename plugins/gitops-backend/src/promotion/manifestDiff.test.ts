import { manifestDiff } from './manifestDiff';

const PIPELINE = [
  'spec:',
  '  # Promotion order',
  '  stages:',
  '    - name: dev',
  '      environments: [dev]',
  '    - name: staging',
  '      environments: [staging]',
  '',
  '    - name: prod',
  '      environments: [prod-us, prod-eu]',
  '  environments:',
  '    dev: {}',
  '',
].join('\n');

describe('manifestDiff', () => {
  it('a version replaced inside a line: the changed line with two lines of context', () => {
    const after = PIPELINE.replace('[dev]', '[dev-1]');
    expect(manifestDiff('p.yaml', PIPELINE, after)).toBe(
      [
        '--- a/p.yaml',
        '+++ b/p.yaml',
        '@@ -3,5 +3,5 @@',
        '   stages:',
        '     - name: dev',
        '-      environments: [dev]',
        '+      environments: [dev-1]',
        '     - name: staging',
        '       environments: [staging]',
        '',
      ].join('\n'),
    );
  });

  it('lines inserted (a new stage): only the new lines are added, every other line is context, none removed', () => {
    const after = PIPELINE.replace(
      '      environments: [staging]\n',
      '      environments: [staging]\n    - name: perf\n      environments: [perf]\n',
    ).replace('    dev: {}\n', '    dev: {}\n    perf:\n      cluster: c\n');
    const diff = manifestDiff('p.yaml', PIPELINE, after);
    const body = diff.split('\n').slice(2);
    expect(body.filter(l => l.startsWith('-'))).toEqual([]);
    expect(body.filter(l => l.startsWith('+'))).toEqual([
      '+    - name: perf',
      '+      environments: [perf]',
      '+    perf:',
      '+      cluster: c',
    ]);
    // Two hunks, each with its own line numbers on both sides.
    expect(diff).toMatch(/^@@ -6,4 \+6,6 @@$/m);
    expect(diff).toMatch(/^@@ -11,2 \+13,4 @@$/m);
    expect(diff).toContain('       environments: [staging]\n+    - name: perf');
  });

  it('a new file is all additions, a deleted one all removals', () => {
    expect(manifestDiff('n.yaml', '', 'a: 1\nb: 2\n')).toBe(
      '--- a/n.yaml\n+++ b/n.yaml\n@@ -0,0 +1,2 @@\n+a: 1\n+b: 2\n',
    );
    expect(manifestDiff('n.yaml', 'a: 1\n', '')).toBe(
      '--- a/n.yaml\n+++ b/n.yaml\n@@ -1,1 +0,0 @@\n-a: 1\n',
    );
  });
});
