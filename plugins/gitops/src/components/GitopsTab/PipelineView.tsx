import { EmptyState } from '@backstage/core-components';
import Box from '@material-ui/core/Box';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import ArrowForwardIcon from '@material-ui/icons/ArrowForward';
import type {
  EntityRefParts,
  Hold,
  ServiceStatusResponse,
} from '@gitops2/plugin-gitops-common';
import type { LiveView } from '../live';
import { groupByStage } from '../shared';
import { EnvironmentCard } from './EnvironmentCard';

const useStyles = makeStyles(theme => ({
  row: {
    display: 'flex',
    alignItems: 'stretch',
    overflowX: 'auto',
    paddingBottom: theme.spacing(1),
  },
  stage: {
    display: 'flex',
    flexDirection: 'column',
    gap: theme.spacing(1),
    flex: '0 0 auto',
  },
  arrow: {
    alignSelf: 'center',
    margin: theme.spacing(0, 1),
    color: theme.palette.text.secondary,
    flex: '0 0 auto',
  },
  stageName: {
    textTransform: 'uppercase',
    color: theme.palette.text.secondary,
  },
}));

/**
 * The stages of the pipeline, left to right in promotion order. With an
 * entity, each environment followed by another stage tells what is pending
 * for the first environment of that stage.
 */
export const PipelineView = (props: {
  status: ServiceStatusResponse;
  entity?: EntityRefParts;
  /** Active holds of the service, shown on their environments. */
  holds?: Hold[];
  /** Given: the cards offer promote and roll back, and call it afterwards. */
  onChanged?(): void;
  /** What the clusters run, shown on each card. */
  live?: LiveView;
}) => {
  const classes = useStyles();
  const stages = groupByStage(props.status);

  if (stages.length === 0) {
    return (
      <EmptyState
        missing="data"
        title="No environments"
        description={`The pipeline does not deploy ${props.status.service} to any environment.`}
      />
    );
  }

  return (
    <div className={classes.row} data-testid="gitops-pipeline">
      {stages.map((stage, i) => (
        <Box key={stage.name} display="flex" alignItems="stretch">
          {i > 0 && <ArrowForwardIcon className={classes.arrow} />}
          <div
            className={classes.stage}
            data-testid={`gitops-stage-${stage.name}`}
          >
            <Typography variant="overline" className={classes.stageName}>
              {stage.name}
            </Typography>
            {stage.environments.map(env => (
              <EnvironmentCard
                key={env.environment.name}
                status={env}
                entity={props.entity}
                next={stages[i + 1]?.environments[0]?.environment.name}
                holds={props.holds?.filter(
                  h => h.environment === env.environment.name,
                )}
                onChanged={props.onChanged}
                live={props.live}
              />
            ))}
          </div>
        </Box>
      ))}
    </div>
  );
};
