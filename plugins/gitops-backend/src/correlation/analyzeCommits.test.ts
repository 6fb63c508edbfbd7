import { ConfigReader } from '@backstage/config';
import { readGitopsConfig } from '../config';
import { analyzeCommits, RawCommit } from './analyzeCommits';
import {
  coAuthorsOf,
  IssueKeyExtractor,
  parseMergeMessage,
  parseSquashSubject,
} from './featureRefs';
import { resolveVersion, VersionStrategyRegistry } from './versionStrategies';

const commit = (
  sha: string,
  parents: string[],
  message: string,
  direction: RawCommit['direction'] = 'added',
): RawCommit => ({
  sha,
  parents,
  message,
  direction,
  authorName: 'Ada',
  authorEmail: 'ada@example.com',
  committedAt: '2026-11-01T00:00:00.000Z',
});

describe('feature references', () => {
  it('reads pull requests from merge and squash subjects', () => {
    expect(
      parseMergeMessage(
        'Merge pull request #150 from acme/SAAS-1543-dark-mode\n\nfeat(theme): dark mode',
      ),
    ).toEqual({
      number: 150,
      branch: 'acme/SAAS-1543-dark-mode',
      title: 'feat(theme): dark mode',
    });
    expect(
      parseMergeMessage("Merge branch 'main' into feature"),
    ).toBeUndefined();
    expect(
      parseSquashSubject('feat(i18n): add French translation (#130)'),
    ).toBe(130);
    expect(
      parseSquashSubject('fix: handle (#12) in the middle of a subject'),
    ).toBeUndefined();
    expect(
      coAuthorsOf(
        'x\n\nCo-authored-by: Aisha Bello <aisha@acme.example>\nco-authored-by: Bo <bo@x>',
      ),
    ).toEqual(['Aisha Bello', 'Bo']);
  });

  it('extracts issue keys with the configured patterns, not glued to a word', () => {
    const jira = new IssueKeyExtractor(['[A-Z][A-Z0-9]+-[0-9]+']);
    expect(
      jira.extract(
        'fix: SAAS-1 and SAAS-22',
        'acme/SAAS-1543-dark-mode',
        'utf8SAAS-9 SAAS-1',
      ),
    ).toEqual(['SAAS-1', 'SAAS-22', 'SAAS-1543']);
    const gh = new IssueKeyExtractor(['GH-[0-9]+', '#[0-9]+ *\\(issue\\)']);
    expect(gh.extract('closes GH-7 and #12 (issue)')).toEqual([
      'GH-7',
      '#12 (ISSUE)',
    ]);
  });
});

describe('analyzeCommits', () => {
  const keys = new IssueKeyExtractor(['[A-Z][A-Z0-9]+-[0-9]+']);

  it('gives a merge pull request to the commits of its second parent only', () => {
    // base ← m1 (main) ; base ← b1 ← b2 (branch) ; merge(m1, b2)
    const raw = [
      commit(
        'merge',
        ['m1', 'b2'],
        'Merge pull request #9 from acme/SHOP-9-thing',
      ),
      commit('b2', ['b1'], 'test: thing'),
      commit('b1', ['base'], 'feat: thing'),
      commit('m1', ['base'], 'fix: other (#8)'),
    ];
    const { commits, pullRequests } = analyzeCommits(raw, keys);
    const by = Object.fromEntries(commits.map(c => [c.sha, c]));
    expect(by.merge.pullRequests).toEqual([9]);
    expect(by.b1.pullRequests).toEqual([9]);
    expect(by.b2.issueKeys).toEqual(['SHOP-9']);
    expect(by.m1).toMatchObject({ pullRequests: [8], issueKeys: [] });
    expect(pullRequests).toEqual([
      { number: 8, title: 'fix: other' },
      {
        number: 9,
        branch: 'acme/SHOP-9-thing',
        title: undefined,
        mergeSha: 'merge',
      },
    ]);
  });

  it('keeps the sides of a change set apart', () => {
    const raw = [
      commit(
        'merge',
        ['m1', 'b1'],
        'Merge pull request #9 from acme/x',
        'added',
      ),
      commit('b1', ['base'], 'feat: x', 'removed'),
    ];
    const by = Object.fromEntries(
      analyzeCommits(raw, keys).commits.map(c => [c.sha, c]),
    );
    expect(by.b1.pullRequests).toEqual([]);
  });
});

describe('version strategies', () => {
  const registry = VersionStrategyRegistry.create({
    tagPattern: '^v[0-9.]+-g(?<sha>[0-9a-f]{7,40})$',
  });

  it('takes the first verified candidate in registry order', () => {
    const verified = new Map([
      ['abcdef1', 'abcdef1'.padEnd(40, '0')],
      ['1234567', '1234567'.padEnd(40, '0')],
    ]);
    expect(
      resolveVersion(
        { version: 'v1.2.3-gabcdef1', trailerSha: '1234567' },
        registry,
        verified,
        'r',
      ),
    ).toEqual({
      status: 'mapped',
      sha: '1234567'.padEnd(40, '0'),
      strategy: 'trailer',
    });
    expect(
      resolveVersion({ version: 'v1.2.3-gabcdef1' }, registry, verified, 'r'),
    ).toMatchObject({
      status: 'mapped',
      strategy: 'tag-pattern',
    });
  });

  it('never guesses', () => {
    expect(
      resolveVersion({ version: 'latest' }, registry, new Map(), 'demo:ui'),
    ).toEqual({
      status: 'unmapped',
      message: expect.stringMatching(
        /^version latest could not be mapped to a source commit: no Gitops-Source-Commit trailer.*not a commit sha.*does not match.*OCI label/,
      ),
    });
    expect(
      resolveVersion(
        { version: 'deadbeef0000' },
        registry,
        new Map(),
        'demo:ui',
      ),
    ).toEqual({
      status: 'unknown-commit',
      message: expect.stringContaining(
        'tag "deadbeef0000" as a commit sha: not a commit of demo:ui',
      ),
    });
  });

  it('rejects a tag pattern without a sha group, and invalid issue patterns, at startup', () => {
    const read = (correlation: object) => () =>
      readGitopsConfig(new ConfigReader({ gitops: { correlation } }));
    expect(read({ tagPattern: '^v(.*)$' })).toThrow(
      /gitops\.correlation\.tagPattern: must be a regular expression with a named group/,
    );
    expect(read({ issueKeyPatterns: ['[A-Z'] })).toThrow(
      /gitops\.correlation\.issueKeyPatterns\.0/,
    );
    expect(readGitopsConfig(new ConfigReader({})).correlation).toMatchObject({
      issueKeyPatterns: ['[A-Z][A-Z0-9]+-[0-9]+'],
      baselineMaxCommits: 1000,
    });
  });
});
