/**
 * Live updates (issue #11): the backend publishes a small message on this
 * signals channel whenever what the portal shows changed; open pages
 * refetch what concerns them. @public
 */
export const GITOPS_SIGNAL_CHANNEL = 'gitops:changes';

/**
 * A change, as broadcast to every signed-in browser. It names no repository
 * and no service: `key` is an opaque change key (32 hex characters) that a
 * view learns only from the permission-checked API (`changeKey` and
 * `repositoryChangeKey` of the service status), so a user who may not see
 * a service cannot tell its changes apart from noise. A repository-wide key
 * (new rollouts of the repository) concerns every service of it.
 *
 * `kind`: `rollouts` (new rollouts ingested), `outcome` (a rollout's
 * outcome), `action` (a promotion or rollback changed state or got an
 * approval), `live` (a service's live status in a cluster). @public
 */
export interface GitopsChangeSignal {
  key: string;
  kind: 'rollouts' | 'outcome' | 'action' | 'live';
}
