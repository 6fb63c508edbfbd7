import type { RepositoryState } from '@gitops2/plugin-gitops-common';
import { shortSha } from './format';

/**
 * "2 commits could not be ingested and were skipped. Latest: a7c3e1f
 * guestbook-ui / staging: …", or undefined when ingestion skipped nothing.
 */
export function describeIngestionErrors(
  repository: RepositoryState,
): string | undefined {
  const count = repository.ingestionErrorCount ?? 0;
  const latest = repository.ingestionErrors?.[0];
  if (count === 0 || !latest) return undefined;
  const where =
    latest.service && latest.environment
      ? ` ${latest.service} / ${latest.environment}`
      : '';
  return `${count} ${
    count === 1
      ? 'commit could not be ingested and was skipped'
      : 'commits could not be ingested and were skipped'
  }. Latest: ${shortSha(latest.commitSha)}${where}: ${latest.message}`;
}
