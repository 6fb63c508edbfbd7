/**
 * Trailers only the portal may write: a commit message is anyone's to type,
 * so `Gitops-Kind`, `Gitops-Action` and `Gitops-Initiator` are believed only
 * on commits the portal recorded as its own (gitops_portal_commits, or a
 * merge commit matching a merge intent: gitops_portal_merge_intents).
 */
const PORTAL_TRAILERS = ['gitops-kind', 'gitops-action', 'gitops-initiator'];

/**
 * The trailers ingestion may use for a commit: all of them when the portal
 * wrote it, otherwise all but the portal's (e.g. `Gitops-Source-Commit`, a
 * hint that correlation verifies against the source repository, stays).
 */
export function trustedTrailers(
  trailers: Record<string, string>,
  writtenByPortal: boolean,
): Record<string, string> {
  if (writtenByPortal) return trailers;
  return Object.fromEntries(
    Object.entries(trailers).filter(([k]) => !PORTAL_TRAILERS.includes(k)),
  );
}
