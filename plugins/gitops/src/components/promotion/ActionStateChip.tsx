import Chip from '@material-ui/core/Chip';
import { makeStyles } from '@material-ui/core/styles';
import type { ActionState } from '@gitops2/plugin-gitops-common';

const useStyles = makeStyles(theme => ({
  good: {
    backgroundColor: theme.palette.success?.main ?? '#2e7d32',
    color: theme.palette.common.white,
  },
  bad: {
    backgroundColor: theme.palette.error.main,
    color: theme.palette.common.white,
  },
  waiting: {
    backgroundColor: theme.palette.warning?.main ?? '#ed6c02',
    color: theme.palette.common.white,
  },
}));

/** Words of each state. */
export const actionStateLabels: Record<ActionState, string> = {
  requested: 'requested',
  'awaiting-approval': 'awaiting approval',
  'pull-request-open': 'pull request open',
  merged: 'merged',
  syncing: 'syncing',
  succeeded: 'succeeded',
  failed: 'failed',
  cancelled: 'cancelled',
  refused: 'refused',
};

/** States that still need someone (an approval or a merge). */
export function isWaiting(state: ActionState): boolean {
  return state === 'awaiting-approval' || state === 'pull-request-open';
}

export const ActionStateChip = (props: { state: ActionState }) => {
  const classes = useStyles();
  const { state } = props;
  let className: string | undefined;
  if (state === 'merged' || state === 'succeeded') className = classes.good;
  else if (state === 'failed' || state === 'refused') className = classes.bad;
  else if (isWaiting(state)) className = classes.waiting;
  return (
    <Chip
      size="small"
      label={actionStateLabels[state] ?? state}
      className={className}
      data-testid={`gitops-action-state-${state}`}
    />
  );
};
