import type { LoggerService } from '@backstage/backend-plugin-api';
import type { Config } from '@backstage/config';
import { RepositoryConfig } from '../config';
import { GitHubGitSource } from './GitHubGitSource';
import { LocalGitSource } from './LocalGitSource';
import { GitSource } from './types';

/**
 * Picks the Git source implementation of a configured repository. `config` is
 * the root config (the github provider reads `integrations.github`).
 */
export function createGitSource(
  repo: RepositoryConfig,
  config: Config,
  logger: LoggerService,
): GitSource {
  switch (repo.provider) {
    case 'local':
      return LocalGitSource.fromUrl(repo.url, repo.branch, {
        commitUrlTemplate: repo.commitUrlTemplate,
      });
    case 'github':
      try {
        return GitHubGitSource.fromConfig(config, {
          url: repo.url,
          branch: repo.branch,
          logger: logger.child({ repository: repo.id }),
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
