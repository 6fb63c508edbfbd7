import type { GitopsAction } from '@gitops2/plugin-gitops-common';
import type { ManifestEditor } from '../planning/ManifestEditor';
import type { WritablePipeline } from '../planning/WritablePipeline';
import type { PromotionRepository } from '../types';

/**
 * Before adopting a branch found where an action's branch should be (a
 * crash between writing it and recording it): its head must be a commit the
 * portal recorded for this very action (recorded before the branch moved,
 * so a crash cannot lose it), on top of the branch clusters follow (its
 * parent is in that branch's history), whose only change against that
 * parent is exactly the planned edit. Anything else is refused, never
 * merged: branch names are guessable, commit messages anyone's to write.
 */
export async function verifyActionBranch(
  repo: PromotionRepository,
  action: GitopsAction,
  head: string,
  pipeline: WritablePipeline,
  editor: ManifestEditor,
  portalCommitActionOf?: (
    repositoryId: string,
    sha: string,
  ) => Promise<string | null | undefined>,
): Promise<{ ok: true; parent: string } | { ok: false; reason: string }> {
  const writtenFor = await portalCommitActionOf?.(action.repositoryId, head);
  if (writtenFor !== action.id) {
    return {
      ok: false,
      reason: `branch ${action.branch ?? ''} exists at ${head.slice(
        0,
        12,
      )}, a commit the portal did not write for action #${
        action.id
      }; refusing to adopt it (delete the branch, or cancel the action)`,
    };
  }
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
  const target = await repo.writer.branchHead(repo.branch);
  if (!target || !(await repo.writer.isAncestor(info.parents[0], target)))
    return refuse(`its parent is not in the history of ${repo.branch}`);
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
