import type { LoggerService } from '@backstage/backend-plugin-api';
import type { GithubRepositoryIndex } from './githubRepositories';

/** Pull request changes that can end an action or invalidate its approval. */
const RECONCILED_ACTIONS = new Set(['closed', 'reopened', 'synchronize']);

/** The portal's branches: `gitops/<kind>-<action id>`. */
const ACTION_BRANCH = /^gitops\/(?:promotion|rollback)-(\d{1,18})$/;

/**
 * `pull_request` closed (merged or not), reopened or synchronized (new
 * commits) on a portal branch of a GitOps repository: reconcile that action
 * with the Git host now (merged → merged, closed → cancelled, moved → the
 * approval no longer covers it). The reconciliation asks GitHub itself, so a
 * payload can only make it look sooner, never decide the outcome.
 */
export function createPullRequestHandler(options: {
  repositories: GithubRepositoryIndex;
  reconcile: (actionId: string) => Promise<unknown>;
  logger: LoggerService;
}): (payload: unknown) => Promise<void> {
  return async payload => {
    const p = payload as {
      action?: unknown;
      pull_request?: { head?: { ref?: unknown } };
    };
    if (typeof p?.action !== 'string' || !RECONCILED_ACTIONS.has(p.action))
      return;
    const repository = options.repositories.gitopsRepositoryOf(payload);
    if (!repository) {
      options.logger.debug(
        'pull request in a repository that is not a GitOps repository, ignored',
      );
      return;
    }
    const ref = p.pull_request?.head?.ref;
    const match = typeof ref === 'string' ? ACTION_BRANCH.exec(ref) : null;
    if (!match) return;
    await options.reconcile(match[1]);
  };
}
