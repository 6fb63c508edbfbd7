import { Link } from '@backstage/core-components';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import type { StepRun } from '@gitops2/plugin-gitops-common';
import { RelativeTime } from '../shared';
import { stepTiming } from './format';
import { stepFacts } from './stepFacts';
import { StepStateStatus } from './StepStateStatus';

const useStyles = makeStyles(theme => ({
  item: {
    padding: theme.spacing(0.5, 0),
    borderBottom: `1px solid ${theme.palette.divider}`,
    '&:last-child': { borderBottom: 'none' },
  },
  line: {
    display: 'flex',
    flexWrap: 'wrap',
    alignItems: 'baseline',
    gap: theme.spacing(1),
  },
  muted: { color: theme.palette.text.secondary },
  facts: {
    display: 'flex',
    flexWrap: 'wrap',
    gap: theme.spacing(1.5),
    fontFamily: 'monospace',
    fontSize: '0.8rem',
  },
}));

/**
 * One deployment step: its state, name and type, attempt, when it started
 * and how long it took, its message and the facts of its output.
 */
export const StepItem = (props: { step: StepRun }) => {
  const classes = useStyles();
  const { step } = props;
  const timing = stepTiming(step);
  const facts = stepFacts(step.output);
  return (
    <li
      className={classes.item}
      data-testid="gitops-step"
      data-step-name={step.name}
      data-step-type={step.type}
      data-state={step.state}
      data-phase={step.phase}
      data-environment={step.environment}
    >
      <div className={classes.line}>
        <StepStateStatus state={step.state} />
        <strong>{step.name}</strong>
        <code>{step.type}</code>
        <Typography variant="caption" className={classes.muted}>
          {step.attempt > 0 ? `attempt ${step.attempt}` : 'not started'}
          {step.startedAt && (
            <>
              {' · started '}
              <RelativeTime value={step.startedAt} />
            </>
          )}
          {timing && ` · ${timing}`}
        </Typography>
      </div>
      {step.message && (
        <Typography variant="body2" data-testid="gitops-step-message">
          {step.message}
        </Typography>
      )}
      {facts.length > 0 && (
        <div className={classes.facts} data-testid="gitops-step-output">
          {facts.map(f => (
            <span key={f.key} data-fact={f.key}>
              {f.href ? <Link to={f.href}>{f.text}</Link> : f.text}
            </span>
          ))}
        </div>
      )}
    </li>
  );
};
