import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import type { ActionState, GitopsAction } from '@gitops2/plugin-gitops-common';
import { ActionStateChip } from '../promotion';
import { RelativeTime } from '../shared';

/** Actions that are not finished: someone or something still has to act. */
const OPEN: ActionState[] = [
  'requested',
  'awaiting-approval',
  'pull-request-open',
  'merged',
  'syncing',
];

export function openActions(actions: GitopsAction[]): GitopsAction[] {
  return actions.filter(a => OPEN.includes(a.state));
}

const useStyles = makeStyles(theme => ({
  list: { listStyle: 'none', margin: 0, padding: 0 },
  row: {
    display: 'flex',
    alignItems: 'center',
    gap: theme.spacing(1),
    minWidth: 0,
    padding: theme.spacing(0.25, 0),
  },
  text: {
    minWidth: 0,
    flex: '1 1 auto',
    overflow: 'hidden',
    textOverflow: 'ellipsis',
    whiteSpace: 'nowrap',
  },
  muted: { color: theme.palette.text.secondary, whiteSpace: 'nowrap' },
}));

function describe(a: GitopsAction): string {
  const to = a.environments.join(', ');
  const what =
    a.kind === 'rollback'
      ? `roll back ${to} to ${a.version}`
      : `promote ${a.version} to ${to}`;
  return a.state === 'awaiting-approval' && a.requiredApprovals > 0
    ? `${what} (${a.approvals.length} of ${a.requiredApprovals} approvals)`
    : what;
}

/** One line per open promotion or rollback: what, its state, since when. */
export const OpenActions = (props: { actions: GitopsAction[] }) => {
  const classes = useStyles();
  if (props.actions.length === 0) return null;
  return (
    <>
      <Typography variant="subtitle2" component="h3">
        Open actions
      </Typography>
      <ul className={classes.list} data-testid="gitops-overview-actions">
        {props.actions.map(a => (
          <li
            key={a.id}
            className={classes.row}
            data-testid="gitops-overview-action"
          >
            <ActionStateChip state={a.state} />
            <span className={classes.text} title={describe(a)}>
              {describe(a)}
            </span>
            <span className={classes.muted}>
              <RelativeTime value={a.createdAt} />
            </span>
          </li>
        ))}
      </ul>
    </>
  );
};
