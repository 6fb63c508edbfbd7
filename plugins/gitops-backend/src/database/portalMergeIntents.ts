import { createHash } from 'node:crypto';
import type { Knex } from 'knex';
import { MergeIntent, normalizedMessage } from '../git/mergeIntent';
import { portalCommitsAmong } from './portalCommits';

const digest = (message: string) =>
  createHash('sha256').update(normalizedMessage(message)).digest('hex');

const keyOf = (
  base: string,
  head: string,
  messageSha256: string,
  tree: string,
) =>
  `${base.toLowerCase()} ${head.toLowerCase()} ${messageSha256} ${tree.toLowerCase()}`;

/**
 * Records a merge the portal is about to ask the Git host for (before it is
 * asked); recording it again changes nothing.
 */
export async function recordPortalMergeIntent(
  db: Knex,
  repositoryId: string,
  intent: MergeIntent,
  actionId?: string,
): Promise<void> {
  await db('gitops_portal_merge_intents')
    .insert({
      repository_id: repositoryId,
      base_sha: intent.baseSha.toLowerCase(),
      head_sha: intent.headSha.toLowerCase(),
      message_sha256: digest(intent.message),
      tree_sha: intent.treeSha?.toLowerCase() ?? null,
      action_id: actionId ?? null,
    })
    .onConflict(['repository_id', 'head_sha', 'base_sha', 'message_sha256'])
    .ignore();
}

/**
 * The merge commits among `commits` that match a recorded intent exactly:
 * two parents, the intent's base and reviewed head, its message and its
 * tree (an intent or a commit without a tree matches nothing).
 */
export async function portalMergesAmong(
  db: Knex,
  repositoryId: string,
  commits: Array<{
    sha: string;
    parents: string[];
    message: string;
    treeSha?: string;
  }>,
): Promise<Set<string>> {
  const merges = commits.filter(c => c.parents.length === 2 && c.treeSha);
  const heads = [...new Set(merges.map(c => c.parents[1].toLowerCase()))];
  const intents = new Set<string>();
  for (let i = 0; i < heads.length; i += 500) {
    const rows = await db('gitops_portal_merge_intents')
      .where({ repository_id: repositoryId })
      .whereIn('head_sha', heads.slice(i, i + 500))
      .whereNotNull('tree_sha')
      .select('base_sha', 'head_sha', 'message_sha256', 'tree_sha');
    for (const r of rows)
      intents.add(keyOf(r.base_sha, r.head_sha, r.message_sha256, r.tree_sha));
  }
  const found = new Set<string>();
  for (const c of merges) {
    if (
      intents.has(
        keyOf(c.parents[0], c.parents[1], digest(c.message), c.treeSha!),
      )
    )
      found.add(c.sha.toLowerCase());
  }
  return found;
}

/**
 * Which of `commits` are the portal's: recorded by sha, or merge commits
 * that match a recorded merge intent.
 */
export async function portalCommitsOf(
  db: Knex,
  repositoryId: string,
  commits: Array<{
    sha: string;
    parents: string[];
    message: string;
    treeSha?: string;
  }>,
): Promise<Set<string>> {
  const found = await portalCommitsAmong(
    db,
    repositoryId,
    commits.map(c => c.sha),
  );
  const rest = commits.filter(c => !found.has(c.sha.toLowerCase()));
  for (const sha of await portalMergesAmong(db, repositoryId, rest))
    found.add(sha);
  return found;
}

/** Whether the portal asked the Git host to merge for an action. */
export async function portalMergeAskedFor(
  db: Knex,
  repositoryId: string,
  actionId: string,
): Promise<boolean> {
  const row = await db('gitops_portal_merge_intents')
    .where({ repository_id: repositoryId, action_id: actionId })
    .first('head_sha');
  return Boolean(row);
}
