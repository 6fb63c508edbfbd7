import { GitRepoFixture } from '../testing/GitRepoFixture';
import { LocalGitSource } from './LocalGitSource';
import { OversizedFile } from './types';

const MiB = 1024 * 1024;

/** A YAML file of exactly `bytes` bytes (a comment line padded with `#`). */
function fileOf(bytes: number): string {
  return `${'#'.repeat(bytes - 1)}\n`;
}

describe('LocalGitSource.readFiles size limit', () => {
  let repo: GitRepoFixture;

  beforeEach(() => {
    repo = new GitRepoFixture();
  });
  afterEach(() => repo.cleanup());

  it('returns an OversizedFile (not undefined) for a file over 1 MiB, and reads the files around it', async () => {
    const big = Math.round(3.2 * MiB);
    repo.write('small.yaml', 'a: 1\n');
    repo.write('big.yaml', fileOf(big));
    repo.write('after.yaml', 'b: 2\n');
    const sha = repo.commit('files');
    const source = new LocalGitSource(repo.dir, 'main');
    const read = await source.readFiles([
      { sha, path: 'small.yaml' },
      { sha, path: 'big.yaml' },
      { sha, path: 'missing.yaml' },
      { sha, path: 'after.yaml' },
      { sha, path: 'big.yaml' },
    ]);
    expect(read).toEqual([
      'a: 1\n',
      new OversizedFile('big.yaml', big, MiB),
      undefined,
      'b: 2\n',
      new OversizedFile('big.yaml', big, MiB),
    ]);
    expect((read[1] as OversizedFile).describe('manifest')).toBe(
      'manifest is 3.2 MiB, over the 1 MiB limit (gitops.limits.maxManifestBytes)',
    );
  });

  it('takes the limit from its options: a file of exactly the limit is read, one byte more is not', async () => {
    repo.write('exact.yaml', fileOf(4096));
    repo.write('over.yaml', fileOf(4097));
    const sha = repo.commit('files');
    const source = LocalGitSource.fromUrl(repo.dir, 'main', {
      maxFileBytes: 4096,
    });
    const [exact, over] = await source.readFiles([
      { sha, path: 'exact.yaml' },
      { sha, path: 'over.yaml' },
    ]);
    expect(exact).toBe(fileOf(4096));
    expect(over).toEqual(new OversizedFile('over.yaml', 4097, 4096));
    expect((over as OversizedFile).describe('pipeline file')).toBe(
      'pipeline file is 4097 bytes, over the 4096-byte limit (gitops.limits.maxManifestBytes)',
    );
  });
});
