import { GitRepoFixture } from '../testing/GitRepoFixture';
import { LocalGitWriter } from './LocalGitWriter';

const author = { name: 'Portal', email: 'portal@example.com' };

/**
 * A local merge records its merge commit (onCreated) before the target
 * branch points at it: a recording that fails leaves the branch where it
 * was, so "nothing was merged" is true there.
 */
describe('LocalGitWriter.merge records before the branch moves', () => {
  let repo: GitRepoFixture;
  let writer: LocalGitWriter;
  let main: string;
  let reviewed: string;

  beforeEach(() => {
    repo = new GitRepoFixture();
    repo.write('a.yaml', 'a: 1\n');
    repo.commit('bootstrap');
    repo.git('checkout', '-q', '-b', 'gitops/promotion-1');
    repo.write('b.yaml', 'b: 1\n');
    reviewed = repo.commit('the reviewed change');
    repo.git('checkout', '-q', 'main');
    // main moves on: the merge needs a merge commit (no fast-forward).
    repo.write('c.yaml', 'c: 1\n');
    main = repo.commit('someone else');
    writer = new LocalGitWriter(repo.dir);
  });
  afterEach(() => repo.cleanup());

  const merge = (onCreated: (sha: string) => Promise<void>) =>
    writer.merge({
      branch: 'gitops/promotion-1',
      expectedHead: reviewed,
      into: 'main',
      expectedOld: main,
      message: 'Merge promotion #1\n\nGitops-Action: 1\n',
      author,
      onCreated,
    });

  it('calls onCreated with the merge commit while main still points at the old head', async () => {
    const seen: Array<[string, string]> = [];
    const sha = await merge(async created => {
      seen.push([created, repo.git('rev-parse', 'main')]);
    });
    expect(seen).toEqual([[sha, main]]);
    expect(repo.git('rev-parse', 'main')).toBe(sha);
    expect(repo.git('rev-list', '--parents', '-n', '1', sha)).toBe(
      `${sha} ${main} ${reviewed}`,
    );
  });

  it('a recording that fails leaves main where it was (nothing merged) and the error is the recording’s', async () => {
    await expect(
      merge(async () => {
        throw new Error('database down');
      }),
    ).rejects.toThrow('database down');
    expect(repo.git('rev-parse', 'main')).toBe(main);
  });
});
