import type { GitopsAction } from '@gitops2/plugin-gitops-common';
import type { ManifestEditor } from '../planning/ManifestEditor';
import type { WritablePipeline } from '../planning/WritablePipeline';
import type { PromotionRepository } from '../types';

/**
 * Before adopting a branch found where an action's branch should be (a
 * crash between writing it and recording it): it must be one commit of this
 * action (its trailer) whose only change, against its parent, is exactly
 * the edit the plan makes there. Anything else is refused, never merged.
 */
export async function verifyActionBranch(
  repo: PromotionRepository,
  action: GitopsAction,
  head: string,
  pipeline: WritablePipeline,
  editor: ManifestEditor,
): Promise<{ ok: true; parent: string } | { ok: false; reason: string }> {
  const info = await repo.writer.describeCommit(head);
  const refuse = (why: string) => ({
    ok: false as const,
    reason: `branch ${action.branch ?? ''} exists at ${head.slice(
      0,
      12,
    )} but ${why}; refusing to adopt it (delete the branch, or cancel the action)`,
  });
  if (info.parents.length !== 1) return refuse('it is not a single commit');
  if (!new RegExp(`^Gitops-Action: ${action.id}$`, 'm').test(info.message))
    return refuse(`its commit is not the one of action #${action.id}`);
  const specs = action.environments.map(e => pipeline.spec(action.service, e));
  const planned = await editor.edits(
    repo,
    info.parents[0],
    specs,
    action.version,
  );
  const expected = new Map(planned.files.map(f => [f.path, f.content]));
  const changed = [...new Set(info.changedFiles)].sort();
  const wanted = [...expected.keys()].sort();
  if (changed.join('\n') !== wanted.join('\n'))
    return refuse(
      `it changes ${changed.join(', ') || 'nothing'} instead of ${
        wanted.join(', ') || 'nothing'
      }`,
    );
  const actual = await repo.source.readFiles(
    wanted.map(path => ({ sha: head, path })),
  );
  for (let i = 0; i < wanted.length; i++) {
    if (actual[i] !== expected.get(wanted[i]))
      return refuse(`${wanted[i]} differs from the planned edit`);
  }
  return { ok: true, parent: info.parents[0] };
}
