import Box from '@material-ui/core/Box';
import Chip from '@material-ui/core/Chip';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import { readableText } from '../shared/contrast';
import Alert from '@material-ui/lab/Alert';
import type {
  EnvironmentLiveStatus,
  PodCounts,
} from '@gitops2/plugin-gitops-common';
import { backendMessage } from '../promotion';
import { RelativeTime, shortSha } from '../shared';
import { ConnectionLine } from './ConnectionLine';
import { EventsSourceLine } from './EventsSourceLine';
import { HealthChip } from './HealthChip';
import { formatBehind } from './format';

const useStyles = makeStyles(theme => ({
  section: {
    marginTop: theme.spacing(1),
    paddingTop: theme.spacing(1),
    borderTop: `1px dashed ${theme.palette.divider}`,
  },
  chips: {
    display: 'flex',
    flexWrap: 'wrap',
    alignItems: 'center',
    gap: theme.spacing(1),
  },
  outOfSync: {
    borderColor: theme.palette.warning.main,
    color: readableText(
      theme.palette.warning.dark,
      theme.palette.background.paper,
    ),
  },
  muted: {
    color: theme.palette.text.secondary,
  },
  mono: {
    fontFamily: 'monospace',
  },
  /** Environment names are long: one line, "…", in full on hover. */
  ellipsis: {
    overflow: 'hidden',
    textOverflow: 'ellipsis',
    whiteSpace: 'nowrap',
  },
  alert: {
    marginTop: theme.spacing(1),
    padding: theme.spacing(0, 1),
    wordBreak: 'break-word',
  },
}));

/** "2 running, 1 pending, 1 crash-looping" (zero counts left out). */
export function formatPods(pods: PodCounts): string {
  const parts = [
    [pods.running, 'running'],
    [pods.pending, 'pending'],
    [pods.failed, 'failed'],
    [pods.crashLooping, 'crash-looping'],
  ] as const;
  const shown = parts.filter(([n]) => n > 0).map(([n, s]) => `${n} ${s}`);
  return shown.length ? shown.join(', ') : 'no pods';
}

/**
 * What the cluster runs for one environment of a service: health, sync
 * (applied vs. desired revision), replicas and pods, drift, last sync, the
 * cluster connection (its last known state stays shown when the cluster is
 * unreachable) or the Argo CD / Flux events it comes from, and how many
 * versions it is behind the previous stage.
 * An error loading the live status stays in this section.
 */
export const LiveStatusSection = (props: {
  live?: EnvironmentLiveStatus;
  /** The live status could not be loaded (and none was loaded before). */
  error?: Error;
  loading?: boolean;
  behind?: { count: number; previous: string };
}) => {
  const classes = useStyles();
  const { live, error, behind } = props;

  return (
    <div className={classes.section} data-testid="gitops-env-live">
      {behind && (
        <Typography
          variant="body2"
          data-testid="gitops-env-behind"
          className={`${classes.ellipsis} ${
            behind.count > 0 ? '' : classes.muted
          }`}
          title={formatBehind(behind.count, behind.previous)}
        >
          {formatBehind(behind.count, behind.previous)}
        </Typography>
      )}
      {!live && error && (
        <Alert
          severity="error"
          className={classes.alert}
          data-testid="gitops-env-live-error"
        >
          Live status unavailable: {backendMessage(error)}
        </Alert>
      )}
      {!live && !error && (
        <Typography variant="body2" className={classes.muted}>
          {props.loading ? 'Loading live status…' : 'No live status'}
        </Typography>
      )}
      {live && (
        <>
          <Box className={classes.chips} mt={0.5}>
            <HealthChip health={live.health} data-testid="gitops-env-health" />
            <Chip
              size="small"
              variant="outlined"
              label={live.sync}
              className={live.sync === 'OutOfSync' ? classes.outOfSync : ''}
              data-testid="gitops-env-sync"
              data-sync={live.sync}
              title={
                live.appliedRevision || live.desiredRevision
                  ? `applied ${live.appliedRevision ?? '?'}, Git ${
                      live.desiredRevision ?? '?'
                    }`
                  : undefined
              }
            />
          </Box>
          {(live.appliedRevision || live.desiredRevision) && (
            <Typography
              variant="body2"
              className={classes.muted}
              data-testid="gitops-env-revisions"
            >
              applied{' '}
              <span className={classes.mono}>
                {live.appliedRevision ? shortSha(live.appliedRevision) : '?'}
              </span>
              {live.sync === 'OutOfSync' ? ', Git wants ' : ' = Git '}
              <span className={classes.mono}>
                {live.desiredRevision ? shortSha(live.desiredRevision) : '?'}
              </span>
            </Typography>
          )}
          {(live.replicas || live.pods) && (
            <Typography variant="body2" data-testid="gitops-env-replicas">
              {live.replicas &&
                `${live.replicas.ready}/${live.replicas.desired} replicas ready`}
              {live.replicas && live.pods && ' · '}
              {live.pods && `pods: ${formatPods(live.pods)}`}
            </Typography>
          )}
          {live.observedVersions.length > 0 && (
            <Typography variant="body2" className={classes.muted}>
              runs{' '}
              <span className={classes.mono}>
                {live.observedVersions.join(', ')}
              </span>
            </Typography>
          )}
          {live.drift && (
            <Alert
              severity="warning"
              className={classes.alert}
              data-testid="gitops-env-drift"
              title={live.drift.message}
            >
              Git says {live.drift.desired}, the cluster runs{' '}
              {live.drift.observed.join(', ') || 'nothing'}
            </Alert>
          )}
          {live.lastSyncAt && (
            <Typography
              variant="body2"
              className={classes.muted}
              data-testid="gitops-env-last-sync"
            >
              last sync <RelativeTime value={live.lastSyncAt} />
            </Typography>
          )}
          <EventsSourceLine live={live} />
          <ConnectionLine
            connection={live.connection}
            data-testid="gitops-env-connection"
          />
          {error && (
            <Typography
              variant="caption"
              className={classes.muted}
              data-testid="gitops-env-live-stale"
            >
              Could not refresh: {backendMessage(error)}
            </Typography>
          )}
        </>
      )}
    </div>
  );
};
