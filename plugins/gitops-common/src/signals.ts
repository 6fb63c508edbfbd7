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
 * (new commits of the repository) concerns every service of it.
 *
 * `kind`: `rollouts` (new commits ingested, with or without rollouts: the
 * pipeline and its errors may have changed), `outcome` (a rollout's
 * outcome), `action` (a promotion or rollback changed state or got an
 * approval, or a hold was created or lifted), `live` (a service's live
 * status in a cluster). @public
 */
export interface GitopsChangeSignal {
  key: string;
  kind: 'rollouts' | 'outcome' | 'action' | 'live';
}

/**
 * The backend sends `{ kind: 'heartbeat' }` on GITOPS_SIGNAL_CHANNEL this
 * often, to every signed-in browser. Signals' frontend API does not tell
 * whether its socket is connected (it reconnects silently), so a page
 * counts its live updates as connected only while messages arrive: after
 * three heartbeats missed it polls again (docs/configuration.md#live-updates).
 * @public
 */
export const GITOPS_SIGNAL_HEARTBEAT_MS = 20_000;

/**
 * The heartbeat on GITOPS_SIGNAL_CHANNEL: it names nothing. `keys`: an
 * opaque fingerprint of the change keys' secret (8 hex characters), absent
 * when the backend could not read it; when it changes, the change keys
 * changed and pages refetch (and so learn their new keys). @public
 */
export interface GitopsHeartbeatSignal {
  kind: 'heartbeat';
  keys?: string;
}
