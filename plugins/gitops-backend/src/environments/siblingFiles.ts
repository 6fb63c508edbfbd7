import { ConflictError } from '@backstage/errors';
import { posix } from 'node:path';
import { isScalar, parseAllDocuments, visit } from 'yaml';
import type { PromotionRepository } from '../promotion/types';
import { checkNewFile } from './checkNewFile';

const SIBLING = /^(?:\.\/)?([A-Za-z0-9][A-Za-z0-9._-]*\.ya?ml)$/;

/**
 * The files beside a manifest that it names by a bare file name (a
 * Kustomize overlay's `resources: [pdb.yaml]`, `patches: [{ path:
 * replicas.yaml }]`): they belong to the environment as much as the manifest
 * does, and are copied with it. Paths into other directories (`../../base`)
 * are shared, not copied.
 */
export function siblingFilesOf(content: string, self: string): string[] {
  const found = new Set<string>();
  for (const doc of parseAllDocuments(content)) {
    if (!('contents' in doc)) continue;
    visit(doc, {
      Scalar(_, node) {
        if (!isScalar(node) || typeof node.value !== 'string') return;
        const m = SIBLING.exec(node.value);
        if (m && m[1] !== self) found.add(m[1]);
      },
    });
  }
  return [...found];
}

/** The files a copied manifest names beside it, that exist there (siblingFiles.ts). */
export async function siblingsToCopy(
  repo: PromotionRepository,
  baseSha: string,
  fromPath: string,
  toPath: string,
  content: string,
  targets: Set<string>,
): Promise<Array<{ to: string; content: string }>> {
  const fromDir = posix.dirname(fromPath);
  const toDir = posix.dirname(toPath);
  if (fromDir === toDir) return [];
  const out: Array<{ to: string; content: string }> = [];
  for (const file of siblingFilesOf(content, posix.basename(fromPath))) {
    const from = posix.join(fromDir, file);
    const to = posix.join(toDir, file);
    const mode = await repo.writer.fileMode(baseSha, from);
    if (mode !== '100644' && mode !== '100755') continue; // not a file there
    if (targets.has(to)) continue;
    targets.add(to);
    await checkNewFile(repo.writer, baseSha, to);
    const [text] = await repo.source.readFiles([{ sha: baseSha, path: from }]);
    if (typeof text !== 'string')
      throw new ConflictError(`${from} cannot be read to copy it`);
    out.push({ to, content: text });
  }
  return out;
}
