import type { LoggerService } from '@backstage/backend-plugin-api';
import fs from 'node:fs';
import type { LedgerStore } from '../database/LedgerStore';

const SHA = /^[0-9a-f]{40}([0-9a-f]{24})?$/i;

/**
 * Imports `repositories[].portalCommitsFile`: commits the portal wrote before
 * this database recorded them (the demo's generated history, or a ledger
 * rebuilt on a new database), as JSON `{ "commits": [{ "sha": "…",
 * "actionId": "…" }] }`. Runs at startup, before the first ingestion, so
 * their Gitops-* trailers are trusted. A missing or malformed file trusts
 * nothing more and says why; recording is idempotent.
 */
export async function importPortalCommits(options: {
  store: LedgerStore;
  repositoryId: string;
  file: string;
  logger: LoggerService;
}): Promise<number> {
  const { store, repositoryId, file, logger } = options;
  let commits: unknown;
  try {
    commits = JSON.parse(fs.readFileSync(file, 'utf8'))?.commits;
  } catch (e) {
    logger.warn(
      `${repositoryId}: portal commits file ${file} not imported: ${
        (e as Error)?.message ?? String(e)
      }`,
    );
    return 0;
  }
  if (!Array.isArray(commits)) {
    logger.warn(
      `${repositoryId}: portal commits file ${file} not imported: expected {"commits": [{"sha": …}]}`,
    );
    return 0;
  }
  let imported = 0;
  for (const c of commits) {
    const sha = typeof c?.sha === 'string' ? c.sha : undefined;
    if (!sha || !SHA.test(sha)) {
      logger.warn(
        `${repositoryId}: portal commits file ${file}: skipped ${JSON.stringify(
          c,
        )} (not a full commit sha)`,
      );
      continue;
    }
    const actionId =
      typeof c.actionId === 'string' ? c.actionId.slice(0, 64) : undefined;
    await store.recordPortalCommit(repositoryId, sha, actionId);
    imported++;
  }
  logger.info(
    `${repositoryId}: ${imported} portal commits imported from ${file}`,
  );
  return imported;
}
