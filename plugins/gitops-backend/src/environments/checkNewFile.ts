import { ConflictError, InputError } from '@backstage/errors';
import type { GitWriter } from '../git/GitWriter';
import { checkManifestPath } from '../pipeline/manifestPath';

/**
 * A file an environment change creates: a normalized path inside the
 * repository, not there yet (never overwritten), and under directories only
 * (a symlink or a file on the way could lead outside the repository).
 */
export async function checkNewFile(
  writer: Pick<GitWriter, 'fileMode'>,
  baseSha: string,
  path: string,
): Promise<void> {
  const bad = checkManifestPath(path);
  if (bad) throw new InputError(bad);
  if ((await writer.fileMode(baseSha, path)) !== undefined)
    throw new ConflictError(
      `${path} already exists; refusing to overwrite it (remove it, or choose another environment name)`,
    );
  const parts = path.split('/');
  for (let i = 1; i < parts.length; i++) {
    const dir = parts.slice(0, i).join('/');
    const mode = await writer.fileMode(baseSha, dir);
    if (mode === undefined) return; // a new directory: nothing below exists
    if (mode !== '040000')
      throw new InputError(
        `${path} would be written through ${dir}, which is not a directory (mode ${mode}); refusing to follow it outside the repository`,
      );
  }
}
