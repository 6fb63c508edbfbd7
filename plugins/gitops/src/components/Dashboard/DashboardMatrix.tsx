import { InfoCard } from '@backstage/core-components';
import Table from '@material-ui/core/Table';
import TableBody from '@material-ui/core/TableBody';
import TableCell from '@material-ui/core/TableCell';
import { TableHead } from '../shared';
import TableRow from '@material-ui/core/TableRow';
import Tooltip from '@material-ui/core/Tooltip';
import { makeStyles } from '@material-ui/core/styles';
import { readableText } from '../shared/contrast';
import { stagesOf } from './DashboardGrid';
import type {
  DashboardResponse,
  HealthStatus,
} from '@gitops2/plugin-gitops-common';

const useStyles = makeStyles(theme => ({
  /**
   * As wide as the page, never wider: the columns share the width and long
   * values (versions, environment names) end in "…", in full on hover.
   */
  table: { tableLayout: 'fixed', width: '100%' },
  cell: { whiteSpace: 'nowrap', overflow: 'hidden', textOverflow: 'ellipsis' },
  service: { width: '16%' },
  stage: { borderBottom: 'none', paddingBottom: 0 },
  line: {
    display: 'flex',
    alignItems: 'center',
    flexWrap: 'wrap',
    columnGap: theme.spacing(0.5),
  },
  ellipsis: {
    minWidth: 0,
    maxWidth: '100%',
    overflow: 'hidden',
    textOverflow: 'ellipsis',
    whiteSpace: 'nowrap',
  },
  version: { fontFamily: 'monospace', fontWeight: 600 },
  muted: { color: theme.palette.text.secondary },
  behind: {
    marginLeft: theme.spacing(1),
    fontSize: '0.75rem',
    fontWeight: 600,
    color: theme.palette.text.primary,
    borderBottom: `2px solid ${theme.palette.warning.main}`,
  },
  drift: {
    marginLeft: theme.spacing(0.5),
    color: readableText(
      theme.palette.warning.dark,
      theme.palette.background.paper,
    ),
    fontWeight: 700,
  },
  dot: {
    display: 'inline-block',
    width: 10,
    height: 10,
    borderRadius: '50%',
    marginRight: theme.spacing(1),
    verticalAlign: 'middle',
  },
  Healthy: { backgroundColor: theme.palette.success.main },
  Progressing: { backgroundColor: theme.palette.info.main },
  Degraded: { backgroundColor: theme.palette.error.main },
  Missing: { backgroundColor: theme.palette.warning.dark },
  Unknown: { backgroundColor: theme.palette.grey[400] },
}));

/**
 * Services × environments: the version each runs, how many versions it lags
 * the previous stage ("3 behind"), a health dot and a drift marker.
 */
export const DashboardMatrix = (props: { dashboard: DashboardResponse }) => {
  const classes = useStyles();
  const { environments, matrix } = props.dashboard;
  const healthClass = (h?: HealthStatus) =>
    classes[h && classes[h] ? h : 'Unknown'];
  const stages = stagesOf(environments);
  const parallel = stages.some(s => s.environments.length > 1);

  return (
    <InfoCard title="Services × environments" noPadding>
      <Table
        size="small"
        className={classes.table}
        data-testid="gitops-dashboard-matrix"
      >
        <TableHead>
          {parallel && (
            <TableRow>
              <TableCell className={`${classes.service} ${classes.stage}`} />
              {stages.map(stage => (
                <TableCell
                  key={stage.name}
                  colSpan={stage.environments.length}
                  className={`${classes.cell} ${classes.stage}`}
                  title={`stage ${stage.name}`}
                >
                  {/* A stage of one environment of the same name: said once, below. */}
                  {stage.environments.length === 1 &&
                  stage.environments[0].name === stage.name
                    ? ''
                    : stage.name}
                </TableCell>
              ))}
            </TableRow>
          )}
          <TableRow>
            <TableCell className={`${classes.service} ${classes.cell}`}>
              Service
            </TableCell>
            {environments.map(env => (
              <TableCell
                key={env.name}
                className={classes.cell}
                title={env.name}
              >
                {env.name}
              </TableCell>
            ))}
          </TableRow>
        </TableHead>
        <TableBody>
          {matrix.length === 0 && (
            <TableRow>
              <TableCell
                colSpan={environments.length + 1}
                className={classes.muted}
              >
                No services
              </TableCell>
            </TableRow>
          )}
          {matrix.map(row => (
            <TableRow
              key={row.service}
              data-testid={`gitops-matrix-row-${row.service}`}
            >
              <TableCell className={classes.cell} title={row.service}>
                {row.service}
              </TableCell>
              {environments.map(env => {
                const cell = row.cells[env.name];
                return (
                  <TableCell
                    key={env.name}
                    className={classes.cell}
                    data-testid={`gitops-matrix-${row.service}-${env.name}`}
                    data-health={cell?.health}
                  >
                    {cell?.version ? (
                      <span className={classes.line}>
                        <Tooltip title={cell.health ?? 'Unknown'}>
                          <span
                            className={`${classes.dot} ${healthClass(
                              cell.health,
                            )}`}
                            role="img"
                            aria-label={cell.health ?? 'Unknown'}
                          />
                        </Tooltip>
                        <span
                          className={`${classes.version} ${classes.ellipsis}`}
                          title={cell.version}
                          data-testid="gitops-matrix-version"
                        >
                          {cell.version}
                        </span>
                        {cell.behind !== undefined && cell.behind > 0 && (
                          <span
                            className={classes.behind}
                            data-testid="gitops-matrix-behind"
                          >
                            {cell.behind} behind
                          </span>
                        )}
                        {cell.drift && (
                          <Tooltip title="Drift: the cluster does not run what Git says">
                            <span
                              className={classes.drift}
                              data-testid="gitops-matrix-drift"
                            >
                              ⚠ drift
                            </span>
                          </Tooltip>
                        )}
                      </span>
                    ) : (
                      <span className={classes.muted}>—</span>
                    )}
                  </TableCell>
                );
              })}
            </TableRow>
          ))}
        </TableBody>
      </Table>
    </InfoCard>
  );
};
