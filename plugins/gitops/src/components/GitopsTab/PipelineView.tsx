import { Fragment, useState } from 'react';
import { EmptyState } from '@backstage/core-components';
import Alert from '@material-ui/lab/Alert';
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
  /**
   * One column per stage, sharing the width (never wider than the page: no
   * sideways scrolling), an arrow between stages; parallel environments of
   * a stage stack in its column.
   */
  row: {
    display: 'grid',
    alignItems: 'stretch',
    paddingBottom: theme.spacing(1),
    minWidth: 0,
  },
  stage: {
    display: 'flex',
    flexDirection: 'column',
    gap: theme.spacing(1),
    minWidth: 0,
  },
  arrow: {
    alignSelf: 'center',
    margin: theme.spacing(0, 0.5),
    color: theme.palette.text.secondary,
  },
  notice: {
    marginBottom: theme.spacing(1),
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
  // Said once above the pipeline, not on every card.
  const [noSource, setNoSource] = useState<string>();

  if (stages.length === 0) {
    return (
      <EmptyState
        missing="data"
        title="No environments"
        description={`The pipeline does not deploy ${props.status.service} to any environment.`}
      />
    );
  }

  const columns = stages.map(() => 'minmax(0, 1fr)').join(' min-content ');
  return (
    <>
      {noSource && (
        <Alert
          severity="info"
          className={classes.notice}
          data-testid="gitops-pipeline-no-source"
        >
          What is pending between environments is unknown: {noSource}
        </Alert>
      )}
      <div
        className={classes.row}
        style={{ gridTemplateColumns: columns }}
        data-testid="gitops-pipeline"
      >
        {stages.map((stage, i) => (
          <Fragment key={stage.name}>
            {i > 0 && (
              <ArrowForwardIcon className={classes.arrow} aria-hidden />
            )}
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
                  onNoSource={setNoSource}
                />
              ))}
            </div>
          </Fragment>
        ))}
      </div>
    </>
  );
};
