import type { ClusterConnection } from '@gitops2/plugin-gitops-common';

/** "3 versions behind staging", "1 version behind qa", "up to date with qa". */
export function formatBehind(behind: number, previous: string): string {
  if (behind <= 0) return `up to date with ${previous}`;
  return `${behind} version${behind === 1 ? '' : 's'} behind ${previous}`;
}

/** "unreachable", "unauthorized", "connecting"; undefined when connected. */
export function connectionProblem(
  connection?: ClusterConnection,
): string | undefined {
  if (!connection || connection.state === 'connected') return undefined;
  return connection.state;
}
