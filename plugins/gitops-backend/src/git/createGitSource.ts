import type { Config } from '@backstage/config';
import { RepositoryConfig } from '../config';
import { LocalGitSource } from './LocalGitSource';
import { GitSource } from './types';

/** Picks the Git source implementation of a configured repository. */
export function createGitSource(repo: RepositoryConfig, _config: Config): GitSource {
  switch (repo.provider) {
    case 'local':
      return LocalGitSource.fromUrl(repo.url, repo.branch, {
        commitUrlTemplate: repo.commitUrlTemplate,
      });
    case 'github':
      // Added with GitHubGitSource; fail loudly rather than silently.
      throw new Error(`gitops.repositories ${repo.id}: the github provider is not available in this build`);
    default:
      throw new Error(`unknown provider`);
  }
}
