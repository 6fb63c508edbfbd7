import { InfoCard } from '@backstage/core-components';
import Box from '@material-ui/core/Box';
import Table from '@material-ui/core/Table';
import TableBody from '@material-ui/core/TableBody';
import TableCell from '@material-ui/core/TableCell';
import TableRow from '@material-ui/core/TableRow';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import CheckIcon from '@material-ui/icons/Check';
import RemoveIcon from '@material-ui/icons/Remove';
import type {
  FeatureEnvironmentPresence,
  FeatureServicePresence,
} from '@gitops2/plugin-gitops-common';
import { CommitList, RelativeTime, formatDuration, TableHead } from '../shared';

const useStyles = makeStyles(theme => ({
  present: {
    color: theme.palette.text.primary,
    '& svg': { color: theme.palette.success.main },
    display: 'inline-flex',
    alignItems: 'center',
    gap: theme.spacing(0.5),
    fontWeight: 600,
  },
  absent: {
    color: theme.palette.text.secondary,
    display: 'inline-flex',
    alignItems: 'center',
    gap: theme.spacing(0.5),
  },
  removed: {
    color: theme.palette.text.primary,
    fontWeight: 600,
  },
  muted: {
    color: theme.palette.text.secondary,
  },
}));

const Presence = (props: { env: FeatureEnvironmentPresence }) => {
  const classes = useStyles();
  return props.env.present ? (
    <span className={classes.present}>
      <CheckIcon fontSize="small" aria-hidden />
      present
    </span>
  ) : (
    <span className={classes.absent}>
      <RemoveIcon fontSize="small" aria-hidden />
      absent
    </span>
  );
};

/** Where a feature is in one service: environments in pipeline order. */
export const ServicePresence = (props: {
  presence: FeatureServicePresence;
}) => {
  const classes = useStyles();
  const { presence } = props;
  return (
    <InfoCard
      title={presence.service}
      subheader={`GitOps repository ${presence.repositoryId}`}
    >
      <div data-testid={`gitops-feature-service-${presence.service}`}>
        <Table size="small" aria-label={`Environments of ${presence.service}`}>
          <TableHead>
            <TableRow>
              <TableCell>Environment</TableCell>
              <TableCell>Present</TableCell>
              <TableCell>Since</TableCell>
              <TableCell>Stayed</TableCell>
            </TableRow>
          </TableHead>
          <TableBody>
            {presence.environments.map(env => {
              const dwell = presence.dwell.filter(
                d => d.from === env.environment,
              );
              return (
                <TableRow
                  key={env.environment}
                  data-testid={`gitops-feature-env-${env.environment}`}
                >
                  <TableCell>
                    <strong>{env.environment}</strong>
                  </TableCell>
                  <TableCell>
                    <Presence env={env} />
                  </TableCell>
                  <TableCell>
                    {env.since ? (
                      <>
                        {env.present ? 'since ' : 'arrived '}
                        <RelativeTime value={env.since} />
                      </>
                    ) : (
                      <span className={classes.muted}>never</span>
                    )}
                    {env.removedAt && (
                      <Typography
                        variant="body2"
                        className={classes.removed}
                        data-testid="gitops-feature-removed"
                      >
                        removed by {env.removedByKind ?? 'a later rollout'}{' '}
                        <RelativeTime value={env.removedAt} />
                      </Typography>
                    )}
                  </TableCell>
                  <TableCell>
                    {dwell.length === 0 ? (
                      <span className={classes.muted}>—</span>
                    ) : (
                      dwell.map(d => (
                        <Typography
                          key={d.to}
                          variant="body2"
                          data-testid="gitops-feature-dwell"
                        >
                          {formatDuration(d.seconds)} in {d.from} before {d.to}
                        </Typography>
                      ))
                    )}
                  </TableCell>
                </TableRow>
              );
            })}
          </TableBody>
        </Table>
        {presence.commits.length > 0 && (
          <Box mt={2}>
            <Typography variant="subtitle2">
              Matching commits of {presence.service}
            </Typography>
            <CommitList commits={presence.commits} />
          </Box>
        )}
      </div>
    </InfoCard>
  );
};
