import { Link } from '@backstage/core-components';
import Box from '@material-ui/core/Box';
import Card from '@material-ui/core/Card';
import CardContent from '@material-ui/core/CardContent';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import type {
  DashboardEnvironment,
  RolloutOutcome,
} from '@gitops2/plugin-gitops-common';
import { RolloutOutcomeStatus } from '../GitopsTab/RolloutOutcomeStatus';
import { ConnectionLine } from '../live';
import { ChangeSummary, RelativeTime } from '../shared';
import { EnvironmentStatusChip } from './EnvironmentStatusChip';

const useStyles = makeStyles(theme => ({
  card: { height: '100%', minWidth: 0 },
  ERROR: { borderColor: theme.palette.error.main, borderWidth: 2 },
  header: {
    display: 'flex',
    alignItems: 'center',
    flexWrap: 'wrap',
    justifyContent: 'space-between',
    gap: theme.spacing(1),
  },
  muted: { color: theme.palette.text.secondary },
  mono: { fontFamily: 'monospace' },
  /** Long values (names, URLs, versions) end in "…", in full on hover. */
  ellipsis: {
    minWidth: 0,
    maxWidth: '100%',
    overflow: 'hidden',
    textOverflow: 'ellipsis',
    whiteSpace: 'nowrap',
  },
  rollouts: {
    listStyle: 'none',
    margin: 0,
    padding: 0,
    '& li': {
      display: 'flex',
      flexWrap: 'wrap',
      alignItems: 'center',
      gap: theme.spacing(1),
      fontSize: '0.8rem',
      padding: theme.spacing(0.25, 0),
    },
  },
}));

/**
 * One environment on the dashboard: status, URL, cluster and connection,
 * counts of services, deployments and pods, and its last rollouts with
 * their outcome (verified or failed by the deployment steps, rolled back).
 */
export const DashboardEnvironmentCard = (props: {
  environment: DashboardEnvironment;
}) => {
  const classes = useStyles();
  const env = props.environment;
  const { counts } = env;
  return (
    <Card
      variant="outlined"
      className={`${classes.card} ${
        env.status === 'ERROR' ? classes.ERROR : ''
      }`}
      data-testid={`gitops-dashboard-env-${env.name}`}
    >
      <CardContent>
        <div className={classes.header}>
          <Typography
            variant="h6"
            component="h3"
            className={classes.ellipsis}
            title={env.name}
          >
            {env.name}
          </Typography>
          <EnvironmentStatusChip status={env.status} />
        </div>
        {env.url && (
          <Typography
            variant="body2"
            className={classes.ellipsis}
            title={env.url}
          >
            <Link to={env.url}>{env.url}</Link>
          </Typography>
        )}
        {env.cluster && (
          <Typography
            variant="body2"
            className={`${classes.muted} ${classes.ellipsis}`}
            title={`cluster ${env.cluster}`}
          >
            cluster {env.cluster}
          </Typography>
        )}
        <ConnectionLine
          connection={
            // The backend sends the connection only when it is not
            // connected; UNKNOWN: the cluster is not configured or never seen.
            env.connection ??
            (env.cluster && env.status !== 'UNKNOWN'
              ? { cluster: env.cluster, state: 'connected' }
              : undefined)
          }
          showConnected
          data-testid="gitops-dashboard-connection"
        />

        <Box mt={1} data-testid="gitops-dashboard-counts">
          <Typography variant="body2">
            {counts.services} service{counts.services === 1 ? '' : 's'}
          </Typography>
          <Typography
            variant="body2"
            data-testid="gitops-dashboard-deployments"
          >
            {counts.deployments} deployment
            {counts.deployments === 1 ? '' : 's'}: {counts.healthy} healthy,{' '}
            {counts.progressing} progressing, {counts.degraded} degraded
          </Typography>
          <Typography variant="body2" data-testid="gitops-dashboard-pods">
            {counts.pods.total} pod{counts.pods.total === 1 ? '' : 's'}:{' '}
            {counts.pods.running} running, {counts.pods.pending} pending,{' '}
            {counts.pods.failed} failed, {counts.pods.crashLooping}{' '}
            crash-looping
          </Typography>
        </Box>

        <Box mt={1}>
          <Typography variant="subtitle2">Recent rollouts</Typography>
          {env.recentRollouts.length === 0 ? (
            <Typography variant="body2" className={classes.muted}>
              none
            </Typography>
          ) : (
            <ul className={classes.rollouts}>
              {env.recentRollouts.slice(0, 5).map(r => (
                <li
                  key={r.id}
                  data-testid="gitops-dashboard-rollout"
                  data-outcome={r.outcome}
                >
                  <span className={classes.ellipsis} title={r.service}>
                    {r.service}
                  </span>
                  <span
                    className={`${classes.mono} ${classes.ellipsis}`}
                    title={`${r.fromVersion ? `${r.fromVersion} → ` : ''}${
                      r.toVersion
                    }`}
                  >
                    {r.fromVersion ? `${r.fromVersion} → ` : ''}
                    {r.toVersion}
                  </span>
                  <RolloutOutcomeStatus outcome={r.outcome as RolloutOutcome} />
                  <span className={classes.muted}>
                    <RelativeTime value={r.desiredAt} />
                  </span>
                  <ChangeSummary changes={r.changes} kind={r.kind} />
                </li>
              ))}
            </ul>
          )}
        </Box>
      </CardContent>
    </Card>
  );
};
