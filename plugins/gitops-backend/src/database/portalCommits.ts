import type { Knex } from 'knex';

/** Records that the portal wrote `sha`; recording it again changes nothing. */
export async function recordPortalCommit(
  db: Knex,
  repositoryId: string,
  sha: string,
  actionId?: string,
): Promise<void> {
  await db('gitops_portal_commits')
    .insert({
      repository_id: repositoryId,
      sha: sha.toLowerCase(),
      action_id: actionId ?? null,
    })
    .onConflict(['repository_id', 'sha'])
    .ignore();
}

/** Which of `shas` the portal wrote. */
export async function portalCommitsAmong(
  db: Knex,
  repositoryId: string,
  shas: string[],
): Promise<Set<string>> {
  const found = new Set<string>();
  const unique = [...new Set(shas.map(s => s.toLowerCase()))];
  for (let i = 0; i < unique.length; i += 500) {
    const rows = await db('gitops_portal_commits')
      .where({ repository_id: repositoryId })
      .whereIn('sha', unique.slice(i, i + 500))
      .select('sha');
    for (const r of rows) found.add(r.sha);
  }
  return found;
}

/** The action a portal commit was written for, if the portal wrote it. */
export async function portalCommitActionOf(
  db: Knex,
  repositoryId: string,
  sha: string,
): Promise<string | null | undefined> {
  const row = await db('gitops_portal_commits')
    .where({ repository_id: repositoryId, sha: sha.toLowerCase() })
    .first('action_id');
  if (!row) return undefined;
  return row.action_id === null ? null : String(row.action_id);
}

/** The commits the portal wrote for an action (each attempt of a write). */
export async function portalCommitsOfAction(
  db: Knex,
  repositoryId: string,
  actionId: string,
): Promise<string[]> {
  const rows = await db('gitops_portal_commits')
    .where({ repository_id: repositoryId, action_id: actionId })
    .select('sha');
  return rows.map(r => String(r.sha));
}
