import Alert from '@material-ui/lab/Alert';
import AlertTitle from '@material-ui/lab/AlertTitle';
import type { ClusterConnection } from '@gitops2/plugin-gitops-common';
import { RelativeTime, clusterAdvice } from '../shared';

/** The clusters that are not connected, once each, in the order given. */
export function clusterProblems(
  connections: Array<ClusterConnection | undefined>,
): ClusterConnection[] {
  const seen = new Map<string, ClusterConnection>();
  for (const c of connections)
    if (c && c.state !== 'connected' && !seen.has(c.cluster))
      seen.set(c.cluster, c);
  return [...seen.values()];
}

/**
 * Clusters the backend cannot watch, said once per page with what to do
 * (the cards keep their last known state and a short "unreachable" line).
 */
export const ClusterProblems = (props: { problems: ClusterConnection[] }) => {
  if (props.problems.length === 0) return null;
  return (
    <>
      {props.problems.map(c => (
        <Alert
          key={c.cluster}
          severity={c.state === 'connecting' ? 'info' : 'warning'}
          data-testid="gitops-cluster-problem"
          style={{ marginBottom: 8 }}
        >
          <AlertTitle>
            Cluster {c.cluster} is {c.state}
            {c.since && (
              <>
                {' '}
                since <RelativeTime value={c.since} />
              </>
            )}
          </AlertTitle>
          {c.message && <>{c.message}. </>}
          The pages show its last known state. {clusterAdvice(c.state)}
        </Alert>
      ))}
    </>
  );
};
