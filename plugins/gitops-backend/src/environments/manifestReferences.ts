import { posix } from 'node:path';
import { ConflictError } from '@backstage/errors';
import { isScalar, parseAllDocuments, visit } from 'yaml';
import type { ServiceEnvironmentSpec } from '../pipeline/types';
import type { PromotionRepository } from '../promotion/types';

/** A value that names a file or directory relative to the manifest (`../prod-us`, `pdb.yaml`, `./base`). */
const RELATIVE =
  /^(?:\.{1,2}\/[^\s]*|\.\.|[A-Za-z0-9._-]+\/[^\s]*|[A-Za-z0-9._-]+\.ya?ml)$/;

/**
 * The repository paths a manifest names (Kustomize `resources`, `bases`,
 * `components`, `patches[].path` … or any other relative path in it),
 * resolved against its directory. Unparseable YAML names nothing here; the
 * caller decides what an unreadable manifest means.
 */
export function pathsReferencedBy(content: string, manifest: string): string[] {
  const dir = posix.dirname(manifest);
  const found = new Set<string>();
  for (const doc of parseAllDocuments(content)) {
    if (!('contents' in doc)) continue;
    visit(doc, {
      Scalar(_, node) {
        if (!isScalar(node) || typeof node.value !== 'string') return;
        if (!RELATIVE.test(node.value)) return;
        found.add(posix.normalize(posix.join(dir, node.value)));
      },
    });
  }
  return [...found];
}

/** Whether `path` is `referenced` or inside it (a directory). */
export function isWithin(path: string, referenced: string): boolean {
  return path === referenced || path.startsWith(`${referenced}/`);
}

/**
 * Refuses deleting a file that a manifest which stays still names
 * (`resources: [../prod-us]`): its environment would no longer build.
 */
export async function assertUnreferenced(
  repo: PromotionRepository,
  keptSpecs: ServiceEnvironmentSpec[],
  sha: string,
  deleted: string[],
  outcome: string,
): Promise<void> {
  const paths = [...new Set(keptSpecs.map(s => s.path))];
  const contents = await repo.source.readFiles(
    paths.map(path => ({ sha, path })),
  );
  paths.forEach((path, i) => {
    const content = contents[i];
    if (content === undefined) return; // not deployed there yet
    if (typeof content !== 'string')
      throw new ConflictError(
        `this change deletes files and ${path} cannot be read to check that it does not use them; ${outcome}`,
      );
    for (const ref of pathsReferencedBy(content, path)) {
      const gone = deleted.find(d => isWithin(d, ref));
      if (gone)
        throw new ConflictError(
          `this change deletes ${gone}, which ${path} still uses; ${outcome}`,
        );
    }
  });
}
