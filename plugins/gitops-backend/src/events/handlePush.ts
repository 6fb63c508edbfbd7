import type { LoggerService } from '@backstage/backend-plugin-api';
import { githubSourceId } from '../correlation/sourceRepositories';
import type { PushedCommits } from '../git/PushedRevisions';
import {
  GithubRepositoryIndex,
  fullNameOf,
  hostOf,
} from './githubRepositories';

const SHA = /^[0-9a-f]{40}$/;
/** GitHub lists at most 2048 commits in a push payload. */
const MAX_PUSHED_COMMITS = 2048;

/**
 * The commits a `push` payload names, bounded: full shas only
 * (`commits[].id`, `head_commit.id`), at most MAX_PUSHED_COMMITS. Nothing
 * for a deleted ref.
 */
export function pushedCommitsOf(payload: unknown): PushedCommits {
  const p = payload as {
    deleted?: unknown;
    commits?: unknown;
    head_commit?: { id?: unknown } | null;
  };
  if (p?.deleted === true) return { shas: [] };
  const ids = Array.isArray(p?.commits)
    ? p.commits
        .slice(0, MAX_PUSHED_COMMITS)
        .map(c => (c as { id?: unknown } | null)?.id)
    : [];
  const head = p?.head_commit?.id;
  const shas = [
    ...new Set(
      [...ids, head].filter(
        (id): id is string => typeof id === 'string' && SHA.test(id),
      ),
    ),
  ];
  return { shas };
}

/**
 * `push` to the branch a GitOps repository's clusters follow: ingest that
 * repository now (through the coalescing trigger, so a burst of pushes costs
 * one or two runs). Pushes to other branches (the portal's pull request
 * branches …) are ignored. `push` to a source repository correlation reads:
 * its commits are remembered (`sourcePushed`), so that correlating
 * the versions built from them needs fewer GitHub requests. Pushes to other
 * repositories are ignored.
 */
export function createPushHandler(options: {
  repositories: GithubRepositoryIndex;
  ingest: (repositoryId: string) => void;
  /** Returns how many revisions were kept (0: not a source repository in use). */
  sourcePushed?: (sourceRepository: string, push: PushedCommits) => number;
  logger: LoggerService;
}): (payload: unknown) => Promise<void> {
  return async payload => {
    const repository = options.repositories.gitopsRepositoryOf(payload);
    if (repository) {
      const ref = (payload as { ref?: unknown }).ref;
      if (ref === `refs/heads/${repository.branch}`)
        options.ingest(repository.id);
      return;
    }
    const name = fullNameOf(payload);
    const kept =
      name && options.sourcePushed
        ? options.sourcePushed(
            githubSourceId(hostOf(payload) ?? 'github.com', name),
            pushedCommitsOf(payload),
          )
        : 0;
    if (kept === 0) {
      options.logger.debug(
        'push to a repository that is neither a GitOps repository nor a source repository in use, ignored',
      );
    }
  };
}
