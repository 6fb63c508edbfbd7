import Typography from '@material-ui/core/Typography';
import type { EnvironmentLiveStatus } from '@gitops2/plugin-gitops-common';
import { RelativeTime } from '../shared';

const TOOLS = { argocd: 'Argo CD', flux: 'Flux' } as const;

/**
 * Where a status comes from when the portal has no cluster credentials for
 * the environment: "from Argo CD events (argocd/guestbook-eu), 5 minutes
 * ago", with the tool's message on hover (docs/cd-events.md).
 */
export const EventsSourceLine = (props: { live: EnvironmentLiveStatus }) => {
  const { live } = props;
  if (live.source !== 'events' || !live.events) return null;
  const e = live.events;
  const detail = [e.operationPhase, e.reason, e.message]
    .filter(Boolean)
    .join(': ');
  return (
    <Typography
      variant="body2"
      color="textSecondary"
      title={detail || undefined}
      data-testid="gitops-env-source"
      data-source="events"
    >
      from {TOOLS[e.tool] ?? e.tool} events ({e.app}),{' '}
      <RelativeTime value={e.at} />
    </Typography>
  );
};
