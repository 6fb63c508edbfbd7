import { ConfigReader } from '@backstage/config';
import { readGitopsConfig } from './config';

describe('gitops.limits', () => {
  it('defaults maxManifestBytes to 1 MiB', () => {
    expect(readGitopsConfig(new ConfigReader({})).limits).toEqual({
      maxManifestBytes: 1024 * 1024,
    });
    expect(
      readGitopsConfig(
        new ConfigReader({ gitops: { limits: { maxManifestBytes: 4096 } } }),
      ).limits.maxManifestBytes,
    ).toBe(4096);
  });

  it.each([0, 1023, 1.5, 200 * 1024 * 1024, '1MiB'])(
    'refuses maxManifestBytes %p with a message naming the key',
    value => {
      expect(() =>
        readGitopsConfig(
          new ConfigReader({ gitops: { limits: { maxManifestBytes: value } } }),
        ),
      ).toThrow(
        'Invalid gitops configuration: gitops.limits.maxManifestBytes: must be a whole number of bytes from 1024 (1 KiB) to 104857600 (100 MiB, the largest file GitHub serves)',
      );
    },
  );

  it('refuses unknown keys under limits', () => {
    expect(() =>
      readGitopsConfig(
        new ConfigReader({ gitops: { limits: { maxFileBytes: 1 } } }),
      ),
    ).toThrow(/gitops\.limits/);
  });
});
