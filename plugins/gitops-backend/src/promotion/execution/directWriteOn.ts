import type { GitopsAction } from '@gitops2/plugin-gitops-common';
import type { PromotionEngine } from '../engine';
import type { PromotionRepository } from '../types';

/**
 * The direct commit the portal wrote for an action when it is in the
 * history of `head`: Git has the change although the action was not
 * recorded merged (a crash, or an answer lost after the ref moved).
 * Undefined for a pull request's action (people merge it, reconciliation
 * follows it). Throws when Git cannot tell: "cannot tell" is never "no".
 */
export async function directWriteOn(
  engine: PromotionEngine,
  repo: PromotionRepository,
  action: GitopsAction,
  head: string,
): Promise<string | undefined> {
  if (action.mode !== 'direct' || !engine.portalCommitsOfAction)
    return undefined;
  const shas = await engine.portalCommitsOfAction(
    action.repositoryId,
    action.id,
  );
  for (const sha of shas) {
    if (await repo.writer.isAncestor(sha, head)) return sha;
  }
  return undefined;
}
