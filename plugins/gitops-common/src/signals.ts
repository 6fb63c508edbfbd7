/**
 * Live updates (issue #11): the backend publishes a small message on this
 * signals channel whenever what the portal shows changed; open pages
 * refetch what concerns them. @public
 */
export const GITOPS_SIGNAL_CHANNEL = 'gitops:changes';

/**
 * What changed: `rollouts` (new rollouts ingested), `outcome` (a rollout's
 * outcome), `action` (a promotion or rollback changed state or got an
 * approval), `live` (a service's live status in a cluster). Without
 * `service`, anything in the repository may have changed. @public
 */
export interface GitopsChangeSignal {
  repositoryId: string;
  service?: string;
  kind: 'rollouts' | 'outcome' | 'action' | 'live';
}
