import TableCell from '@material-ui/core/TableCell';
import TableRow from '@material-ui/core/TableRow';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import type { Rollout } from '@gitops2/plugin-gitops-common';
import { CommitLink, RelativeTime } from '../shared';
import { RolloutKindChip } from './RolloutKindChip';
import { RolloutOutcomeStatus } from './RolloutOutcomeStatus';

const useStyles = makeStyles(theme => ({
  version: {
    fontFamily: 'monospace',
    whiteSpace: 'nowrap',
  },
  muted: {
    color: theme.palette.text.secondary,
  },
}));

/** One line of the rollout ledger. */
export const RolloutRow = (props: { rollout: Rollout }) => {
  const { rollout } = props;
  const classes = useStyles();
  const author = rollout.commit.authorName;
  return (
    <TableRow data-testid="gitops-rollout-row">
      <TableCell>
        <RelativeTime value={rollout.desiredAt} />
      </TableCell>
      <TableCell>{rollout.environment}</TableCell>
      <TableCell className={classes.version}>
        <span className={rollout.fromVersion ? undefined : classes.muted}>
          {rollout.fromVersion ?? '(none)'}
        </span>
        {' → '}
        <strong>{rollout.toVersion}</strong>
      </TableCell>
      <TableCell>
        <RolloutKindChip kind={rollout.kind} />
      </TableCell>
      <TableCell>
        <RolloutOutcomeStatus outcome={rollout.outcome} />
      </TableCell>
      <TableCell>
        {rollout.initiator}
        {author && author !== rollout.initiator && (
          <Typography
            variant="caption"
            display="block"
            className={classes.muted}
          >
            author: {author}
          </Typography>
        )}
      </TableCell>
      <TableCell>
        <CommitLink commit={rollout.commit} />
      </TableCell>
    </TableRow>
  );
};
