import type { LoggerService } from '@backstage/backend-plugin-api';
import type { GithubRepositoryIndex } from './githubRepositories';

/**
 * `push` to the branch a GitOps repository's clusters follow: ingest that
 * repository now (through the coalescing trigger, so a burst of pushes costs
 * one or two runs). Pushes to other branches (the portal's pull request
 * branches …) and to unknown repositories are ignored.
 */
export function createPushHandler(options: {
  repositories: GithubRepositoryIndex;
  ingest: (repositoryId: string) => void;
  logger: LoggerService;
}): (payload: unknown) => Promise<void> {
  return async payload => {
    const repository = options.repositories.gitopsRepositoryOf(payload);
    if (!repository) {
      options.logger.debug(
        'push to a repository that is not a GitOps repository, ignored',
      );
      return;
    }
    const ref = (payload as { ref?: unknown }).ref;
    if (ref !== `refs/heads/${repository.branch}`) return;
    options.ingest(repository.id);
  };
}
