import type {
  GitopsAction,
  ManifestChange,
} from '@gitops2/plugin-gitops-common';
import type { GitAuthor } from '../../git/GitWriter';

/** The Git author of a portal write: the person, at a no-reply address. */
export function authorOf(initiator: string): GitAuthor {
  const name = initiator.replace(/^user:(default\/)?/, '');
  return {
    name,
    email: `${name.replace(
      /[^A-Za-z0-9._-]/g,
      '-',
    )}@users.noreply.gitops2.invalid`,
  };
}

/** The trailers that link a commit back to its action. */
export function trailersOf(
  action: GitopsAction,
  sourceCommit?: string,
): string[] {
  return [
    `Gitops-Kind: ${action.kind}`,
    `Gitops-Action: ${action.id}`,
    `Gitops-Initiator: ${action.requestedBy}`,
    ...(sourceCommit ? [`Gitops-Source-Commit: ${sourceCommit}`] : []),
  ];
}

export function commitMessage(
  action: GitopsAction,
  changes: ManifestChange[],
  sourceCommit?: string,
): string {
  const envs = action.environments.join(', ');
  const subject =
    action.kind === 'rollback'
      ? `${action.emergency ? 'emergency ' : ''}rollback ${
          action.service
        } in ${envs} to ${action.version}`
      : `promote ${action.service} ${action.version}${
          action.sourceEnvironment ? ` from ${action.sourceEnvironment}` : ''
        } to ${envs}`;
  const lines = changes.map(
    c =>
      `- ${c.environment}: ${c.fromVersion ?? '(none)'} → ${c.toVersion} (${
        c.file
      })`,
  );
  return `${subject}\n\n${
    action.reason ? `${action.reason}\n\n` : ''
  }${lines.join('\n')}\n\n${trailersOf(action, sourceCommit).join('\n')}\n`;
}

/** The message of the merge commit: the trailers again, for first-parent history. */
export function mergeMessage(action: GitopsAction): string {
  return `Merge ${action.kind} #${action.id} (${action.branch})\n\n${trailersOf(
    action,
  ).join('\n')}\n`;
}
