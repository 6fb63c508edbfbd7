import type { LoggerService } from '@backstage/backend-plugin-api';
import { githubSourceId } from '../correlation/sourceRepositories';
import { fullNameOf, hostOf } from './githubRepositories';

const SHA = /^[0-9a-f]{40}$/;

/** The commit a `check_run`, `check_suite` or `status` payload reports on. */
export function ciCommitOf(
  topic: string,
  payload: unknown,
): string | undefined {
  const p = payload as {
    sha?: unknown;
    check_run?: { head_sha?: unknown };
    check_suite?: { head_sha?: unknown };
  };
  let sha: unknown = p?.check_suite?.head_sha;
  if (topic === 'github.status') sha = p?.sha;
  if (topic === 'github.check_run') sha = p?.check_run?.head_sha;
  return typeof sha === 'string' && SHA.test(sha) ? sha : undefined;
}

/**
 * CI reported on a commit of a source repository: the change sets whose new
 * version is that commit get its CI results again.
 */
export function createCiResultHandler(options: {
  refresh: (sourceRepository: string, sha: string) => Promise<number>;
  logger: LoggerService;
}): (payload: unknown, topic: string) => Promise<void> {
  return async (payload, topic) => {
    const sha = ciCommitOf(topic, payload);
    const name = fullNameOf(payload);
    if (!sha || !name) return;
    // github.com, or the GitHub Enterprise host the payload comes from.
    const refreshed = await options.refresh(
      githubSourceId(hostOf(payload) ?? 'github.com', name),
      sha,
    );
    if (refreshed === 0) {
      options.logger.debug(
        `CI result for ${name}@${sha.slice(
          0,
          12,
        )}: no rollout deployed it, ignored`,
      );
    }
  };
}
