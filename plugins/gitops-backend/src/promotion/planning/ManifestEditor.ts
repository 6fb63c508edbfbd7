import { ConflictError, InputError } from '@backstage/errors';
import type { ManifestChange } from '@gitops2/plugin-gitops-common';
import type { FileWrite } from '../../git/GitWriter';
import { OversizedFile } from '../../git/types';
import { VersionLocatorRegistry } from '../../locators/VersionLocatorRegistry';
import type { ServiceEnvironmentSpec } from '../../pipeline/types';
import { manifestDiff } from '../manifestDiff';
import type { PromotionRepository } from '../types';

/**
 * Reads the manifests of a change at one commit and edits them in memory
 * with the version locators (surgical: only the version scalar changes).
 */
export class ManifestEditor {
  constructor(private readonly locators: VersionLocatorRegistry) {}

  /** The version a manifest sets at a commit. */
  async versionAt(
    repo: PromotionRepository,
    sha: string,
    spec: ServiceEnvironmentSpec,
  ): Promise<string> {
    const [content] = await repo.source.readFiles([{ sha, path: spec.path }]);
    if (content instanceof OversizedFile)
      throw new ConflictError(
        `cannot read the version of ${spec.service} in ${spec.environment}: ${
          spec.path
        }: ${content.describe('manifest')}`,
      );
    const read =
      typeof content === 'string'
        ? this.locators
            .get(spec.locator.type)
            ?.read(content, spec.path, spec.locator.options)
        : undefined;
    if (!read?.ok) {
      throw new ConflictError(
        `cannot read the version of ${spec.service} in ${spec.environment} (${
          spec.path
        }${read && !read.ok ? `: ${read.error.message}` : ''})`,
      );
    }
    return read.version;
  }

  /** The edits that set `version` in every spec's manifest at `baseSha`. */
  async edits(
    repo: PromotionRepository,
    baseSha: string,
    specs: ServiceEnvironmentSpec[],
    version: string,
  ): Promise<{ changes: ManifestChange[]; files: FileWrite[] }> {
    const contents = await repo.source.readFiles(
      specs.map(s => ({ sha: baseSha, path: s.path })),
    );
    const changes: ManifestChange[] = [];
    const files: FileWrite[] = [];
    for (let i = 0; i < specs.length; i++) {
      const spec = specs[i];
      const content = contents[i];
      if (content instanceof OversizedFile)
        throw new ConflictError(
          `${spec.path}: ${content.describe('manifest')}`,
        );
      if (typeof content !== 'string')
        throw new ConflictError(
          `${spec.path} cannot be read at ${baseSha.slice(0, 12)}`,
        );
      const mode = await repo.writer.fileMode(baseSha, spec.path);
      if (mode !== '100644' && mode !== '100755') {
        // A symlink could point outside the repository: never write through it.
        throw new InputError(
          `${spec.path} is not a regular file in the repository (mode ${
            mode ?? 'unknown'
          }); refusing to write through it`,
        );
      }
      const locator = this.locators.get(spec.locator.type);
      if (!locator)
        throw new ConflictError(
          `unknown locator type "${spec.locator.type}" for ${spec.path}`,
        );
      const current = locator.read(content, spec.path, spec.locator.options);
      if (!current.ok)
        throw new ConflictError(
          `${spec.path}${current.error.line ? `:${current.error.line}` : ''}: ${
            current.error.message
          }`,
        );
      if (current.version === version) continue; // already there
      const written = locator.write(
        content,
        spec.path,
        spec.locator.options,
        version,
      );
      if (!written.ok)
        throw new InputError(`${spec.path}: ${written.error.message}`);
      changes.push({
        environment: spec.environment,
        file: spec.path,
        fromVersion: current.version,
        toVersion: version,
        diff: manifestDiff(spec.path, content, written.content),
      });
      files.push({ path: spec.path, content: written.content });
    }
    return { changes, files };
  }
}
