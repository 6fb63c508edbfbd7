import type { DeliveryMetrics } from '@gitops2/plugin-gitops-common';
import Grid from '@material-ui/core/Grid';
import Paper from '@material-ui/core/Paper';
import Typography from '@material-ui/core/Typography';
import { formatPerDay, formatRate, formatSeconds } from './format';

const Tile = (props: {
  name: string;
  title: string;
  value: string;
  detail: string;
}) => (
  <Grid item xs={12} sm={6} md={3}>
    <Paper
      variant="outlined"
      data-testid={`gitops-metrics-tile-${props.name}`}
      style={{ padding: 16, height: '100%' }}
    >
      <Typography variant="overline" color="textSecondary">
        {props.title}
      </Typography>
      <Typography variant="h4" component="p">
        {props.value}
      </Typography>
      <Typography variant="body2" color="textSecondary">
        {props.detail}
      </Typography>
    </Paper>
  </Grid>
);

/** The four delivery metrics of one environment. */
export const MetricsTiles = ({
  metrics,
  days,
}: {
  metrics: DeliveryMetrics;
  days: number;
}) => {
  const { deployments, leadTime, changeFailure, timeToRestore } = metrics;
  return (
    <Grid container spacing={2}>
      <Tile
        name="deployment-frequency"
        title="Deployments / day"
        value={formatPerDay(deployments.perDay)}
        detail={`${deployments.count} deployments in ${days} days`}
      />
      <Tile
        name="lead-time"
        title="Lead time (median)"
        value={formatSeconds(leadTime.firstCommit.medianSeconds)}
        detail={
          leadTime.firstCommit.samples === 0
            ? 'no correlated changes'
            : `first commit; merge → env ${formatSeconds(
                leadTime.merge.medianSeconds,
              )}; p90 ${formatSeconds(leadTime.firstCommit.p90Seconds)}; ${
                leadTime.firstCommit.samples
              } changes`
        }
      />
      <Tile
        name="change-failure-rate"
        title="Change failure rate"
        value={formatRate(changeFailure.rate)}
        detail={`${changeFailure.failures} of ${changeFailure.changes} changes failed; ${changeFailure.rollbacks} rollbacks`}
      />
      <Tile
        name="time-to-restore"
        title="Time to restore (median)"
        value={formatSeconds(timeToRestore.medianSeconds)}
        detail={
          timeToRestore.samples === 0 && timeToRestore.unrestored === 0
            ? 'no failures'
            : `${timeToRestore.samples} restored${
                timeToRestore.unrestored
                  ? `, ${timeToRestore.unrestored} not restored`
                  : ''
              }`
        }
      />
    </Grid>
  );
};
