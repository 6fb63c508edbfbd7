import type { LoggerService } from '@backstage/backend-plugin-api';
import type { Config } from '@backstage/config';
import { RepositoryConfig } from '../config';
import { GitHubGitSource } from './GitHubGitSource';
import { LocalGitSource } from './LocalGitSource';
import { DEFAULT_MAX_FILE_BYTES, GitSource } from './types';

/**
 * Picks the Git source implementation of a configured repository. `config` is
 * the root config (the github provider reads `integrations.github`);
 * `maxFileBytes` is `gitops.limits.maxManifestBytes`.
 */
export function createGitSource(
  repo: RepositoryConfig,
  config: Config,
  logger: LoggerService,
  maxFileBytes: number = DEFAULT_MAX_FILE_BYTES,
): GitSource {
  switch (repo.provider) {
    case 'local':
      return LocalGitSource.fromUrl(repo.url, repo.branch, {
        commitUrlTemplate: repo.commitUrlTemplate,
        maxFileBytes,
      });
    case 'github':
      try {
        return GitHubGitSource.fromConfig(config, {
          url: repo.url,
          branch: repo.branch,
          logger: logger.child({ repository: repo.id }),
          maxFileBytes,
        });
      } catch (e) {
        throw new Error(
          `gitops.repositories ${repo.id}: ${
            e instanceof Error ? e.message : String(e)
          }`,
        );
      }
    default:
      throw new Error(`unknown provider`);
  }
}
