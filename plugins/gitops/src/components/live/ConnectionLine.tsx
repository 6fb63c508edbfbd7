import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import { readableText } from '../shared/contrast';
import type { ClusterConnection } from '@gitops2/plugin-gitops-common';
import { RelativeTime } from '../shared';

const useStyles = makeStyles(theme => ({
  problem: {
    color: readableText(
      theme.palette.error.main,
      theme.palette.background.paper,
    ),
    fontWeight: 500,
  },
  ok: {
    color: theme.palette.text.secondary,
  },
}));

/**
 * The state of a cluster connection: "connected", or "unreachable since
 * 10 minutes ago" (also "unauthorized since …", "connecting"), with the
 * API server's message on hover.
 */
export const ConnectionLine = (props: {
  connection?: ClusterConnection;
  /** Show "connected" too (by default only problems are shown). */
  showConnected?: boolean;
  'data-testid'?: string;
}) => {
  const classes = useStyles();
  const { connection } = props;
  if (!connection || connection.state === 'connected') {
    if (!props.showConnected || !connection) return null;
    return (
      <Typography
        variant="body2"
        className={classes.ok}
        data-testid={props['data-testid']}
      >
        {connection.cluster}: connected
      </Typography>
    );
  }
  return (
    <Typography
      variant="body2"
      className={classes.problem}
      title={connection.message}
      data-testid={props['data-testid']}
      data-state={connection.state}
    >
      {connection.cluster}: {connection.state}
      {connection.since && (
        <>
          {' '}
          since <RelativeTime value={connection.since} />
        </>
      )}
    </Typography>
  );
};
