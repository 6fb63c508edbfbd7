import { InfoCard } from '@backstage/core-components';
import Table from '@material-ui/core/Table';
import TableBody from '@material-ui/core/TableBody';
import TableCell from '@material-ui/core/TableCell';
import TableRow from '@material-ui/core/TableRow';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import { readableText } from '../shared/contrast';
import type { ServiceStatusResponse } from '@gitops2/plugin-gitops-common';
import { groupByStage, TableHead } from '../shared';
import { HealthChip } from './HealthChip';
import type { LiveView } from './useServiceLive';

const useStyles = makeStyles(theme => ({
  version: { fontFamily: 'monospace', fontWeight: 600 },
  muted: { color: theme.palette.text.secondary },
  warning: {
    color: readableText(
      theme.palette.warning.dark,
      theme.palette.background.paper,
    ),
  },
}));

/**
 * Environment vs. environment, compact: the version each environment runs,
 * how many versions it is behind the previous stage, and its health.
 */
export const EnvironmentCompare = (props: {
  status: ServiceStatusResponse;
  live: LiveView;
}) => {
  const classes = useStyles();
  const { status, live } = props;
  const envs = groupByStage(status).flatMap(stage => stage.environments);
  if (envs.length === 0) return null;

  return (
    <InfoCard title="Environments compared" noPadding>
      <Table size="small" data-testid="gitops-env-compare">
        <TableHead>
          <TableRow>
            <TableCell>Environment</TableCell>
            <TableCell>Version</TableCell>
            <TableCell>Behind</TableCell>
            <TableCell>Health</TableCell>
          </TableRow>
        </TableHead>
        <TableBody>
          {envs.map(env => {
            const name = env.environment.name;
            const state = live.byEnvironment.get(name);
            const fromMatrix = live.versions.get(name);
            const observed = state?.observedVersions.join(', ');
            const version =
              fromMatrix ?? (observed || env.desired?.version || null);
            const behind = live.behind.get(name);
            return (
              <TableRow key={name} data-testid={`gitops-compare-${name}`}>
                <TableCell>{name}</TableCell>
                <TableCell
                  className={version ? classes.version : classes.muted}
                  data-testid="gitops-compare-version"
                >
                  {version ?? 'not deployed'}
                  {state?.drift && (
                    <Typography
                      component="span"
                      variant="caption"
                      className={classes.warning}
                      title={state.drift.message}
                    >
                      {' '}
                      (drift)
                    </Typography>
                  )}
                </TableCell>
                <TableCell data-testid="gitops-compare-behind">
                  {behind ? (
                    <span className={behind.count > 0 ? '' : classes.muted}>
                      {behind.count > 0
                        ? `${behind.count} behind ${behind.previous}`
                        : `level with ${behind.previous}`}
                    </span>
                  ) : (
                    <span className={classes.muted}>—</span>
                  )}
                </TableCell>
                <TableCell>
                  {state ? (
                    <HealthChip health={state.health} />
                  ) : (
                    <span className={classes.muted}>—</span>
                  )}
                </TableCell>
              </TableRow>
            );
          })}
        </TableBody>
      </Table>
    </InfoCard>
  );
};
