import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import type { DashboardEnvironment } from '@gitops2/plugin-gitops-common';
import { DashboardEnvironmentCard } from './DashboardEnvironmentCard';

/** The dashboard's environments grouped by stage, in promotion order. */
export function stagesOf(environments: DashboardEnvironment[]) {
  const stages: { name: string; environments: DashboardEnvironment[] }[] = [];
  for (const env of environments) {
    let stage = stages.find(s => s.name === env.stage);
    if (!stage) {
      stage = { name: env.stage, environments: [] };
      stages.push(stage);
    }
    stage.environments.push(env);
  }
  return stages;
}

const useStyles = makeStyles(theme => ({
  /**
   * One grid: a column per stage, sharing the width (never wider than the
   * page), a row per parallel environment, so that the cards of all stages
   * line up. Narrow screens stack everything.
   */
  grid: {
    display: 'grid',
    gap: theme.spacing(2),
    minWidth: 0,
    [theme.breakpoints.down('sm')]: {
      display: 'flex',
      flexDirection: 'column',
    },
  },
  stage: {
    minWidth: 0,
    borderBottom: `2px solid ${theme.palette.divider}`,
    color: theme.palette.text.primary,
    overflow: 'hidden',
    textOverflow: 'ellipsis',
    whiteSpace: 'nowrap',
  },
  cell: { minWidth: 0 },
}));

/**
 * The environment cards of the dashboard in one grid: stages left to right,
 * the parallel environments of a stage stacked under its name.
 */
export const DashboardGrid = (props: {
  environments: DashboardEnvironment[];
}) => {
  const classes = useStyles();
  const stages = stagesOf(props.environments);
  return (
    <div
      className={classes.grid}
      style={{
        gridTemplateColumns: `repeat(${stages.length}, minmax(0, 1fr))`,
      }}
      data-testid="gitops-dashboard-grid"
    >
      {stages.map((stage, column) => {
        const label =
          stage.environments.length > 1
            ? `${stage.name} · ${stage.environments.length} in parallel`
            : stage.name;
        return [
          <Typography
            key={`stage-${stage.name}`}
            variant="overline"
            component="h3"
            className={classes.stage}
            style={{ gridColumn: column + 1, gridRow: 1 }}
            title={label}
            data-testid={`gitops-dashboard-stage-${stage.name}`}
          >
            {label}
          </Typography>,
          ...stage.environments.map((env, row) => (
            <div
              key={env.name}
              className={classes.cell}
              style={{ gridColumn: column + 1, gridRow: row + 2 }}
            >
              <DashboardEnvironmentCard environment={env} />
            </div>
          )),
        ];
      })}
    </div>
  );
};
