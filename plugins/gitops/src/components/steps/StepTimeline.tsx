import { useApi } from '@backstage/core-plugin-api';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import LinearProgress from '@material-ui/core/LinearProgress';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import Alert from '@material-ui/lab/Alert';
import type { GitopsAction, StepRun } from '@gitops2/plugin-gitops-common';
import { gitopsApiRef } from '../../api';
import { backendMessage } from '../promotion/errors';
import { useLiveAction } from '../promotion/LiveActions';
import { AutoRollbackNote } from './AutoRollbackNote';
import { groupSteps, noStepsText } from './format';
import { StepItem } from './StepItem';
import { useActionSteps } from './useActionSteps';

const useStyles = makeStyles(theme => ({
  list: { listStyle: 'none', margin: 0, padding: theme.spacing(0, 0, 0, 1) },
  muted: { color: theme.palette.text.secondary },
}));

const PHASES: Array<{ phase: 'before' | 'after'; label: string }> = [
  { phase: 'before', label: 'before the write' },
  { phase: 'after', label: 'after the merge (verification)' },
];

/** The accessible name of an action's timeline (e2e tests find it by it). */
export function stepTimelineLabel(actionId: string): string {
  return `Deployment steps of action #${actionId}`;
}

/**
 * The deployment steps of an action: per target environment and phase
 * (before the write, after the merge), each step with its state, attempt,
 * timing, message and output; live while one is open. Below, what the
 * verification policy did (an automatic rollback).
 */
export const StepTimeline = (props: {
  action: GitopsAction;
  /** The open steps all finished: refetch what shows the action's state. */
  onSettled?(): void;
}) => {
  const classes = useStyles();
  const api = useApi(gitopsApiRef);
  const action = useLiveAction(props.action);
  const steps = useActionSteps(api, action, props.onSettled);
  const label = stepTimelineLabel(action.id);

  let body;
  if (steps.loading && !steps.value) {
    body = <LinearProgress aria-label="Loading deployment steps" />;
  } else if (steps.error && !steps.value) {
    body = (
      <Alert severity="error" data-testid="gitops-steps-error">
        Could not load the deployment steps: {backendMessage(steps.error)}
      </Alert>
    );
  } else {
    const groups = groupSteps(action.environments, steps.value?.items ?? []);
    body = groups.map(group => {
      const phases = PHASES.map(p => ({ ...p, items: group[p.phase] })).filter(
        p => p.items.length > 0,
      );
      return (
        <Box key={group.environment} mt={1}>
          <Typography variant="body2" component="h4">
            <strong>{group.environment}</strong>
          </Typography>
          {phases.length === 0 && (
            <Typography
              variant="body2"
              className={classes.muted}
              data-testid="gitops-steps-empty"
            >
              {noStepsText(action.state, group.environment)}
            </Typography>
          )}
          {phases.map(p => (
            <Box key={p.phase} mt={0.5}>
              <Typography variant="caption" className={classes.muted}>
                {p.label}
              </Typography>
              <ul
                className={classes.list}
                aria-label={`${group.environment}: steps ${p.label}`}
              >
                {p.items.map((step: StepRun) => (
                  <StepItem key={step.id} step={step} />
                ))}
              </ul>
            </Box>
          ))}
        </Box>
      );
    });
  }

  return (
    <section
      aria-label={label}
      data-testid="gitops-step-timeline"
      data-action-id={action.id}
      data-live={steps.live ? 'true' : 'false'}
    >
      <Typography variant="subtitle2" component="h3">
        Deployment steps{steps.live ? ' (live)' : ''}
      </Typography>
      {steps.error && steps.value && (
        <Alert severity="warning" data-testid="gitops-steps-error">
          Could not refresh the deployment steps, showing what was loaded
          before: {backendMessage(steps.error)}
        </Alert>
      )}
      {body}
      {steps.stopped && (
        <Box mt={1} display="flex" alignItems="center" gridGap={8}>
          <Typography variant="caption" className={classes.muted}>
            Live updates stopped after an hour.
          </Typography>
          <Button size="small" onClick={steps.refresh}>
            Refresh
          </Button>
        </Box>
      )}
      <AutoRollbackNote action={action} />
    </section>
  );
};
