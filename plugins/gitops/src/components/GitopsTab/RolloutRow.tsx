import { useState } from 'react';
import Box from '@material-ui/core/Box';
import Collapse from '@material-ui/core/Collapse';
import IconButton from '@material-ui/core/IconButton';
import TableCell from '@material-ui/core/TableCell';
import TableRow from '@material-ui/core/TableRow';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import KeyboardArrowDownIcon from '@material-ui/icons/KeyboardArrowDown';
import KeyboardArrowUpIcon from '@material-ui/icons/KeyboardArrowUp';
import type { Rollout } from '@gitops2/plugin-gitops-common';
import { ChangeSummary, CommitLink, RelativeTime } from '../shared';
import { RolloutKindChip } from './RolloutKindChip';
import { RolloutChangeSet } from './RolloutChangeSet';
import { RolloutOutcomeDetail } from './RolloutOutcomeDetail';
import { RolloutOutcomeStatus } from './RolloutOutcomeStatus';

const useStyles = makeStyles(theme => ({
  version: {
    fontFamily: 'monospace',
    whiteSpace: 'nowrap',
  },
  muted: {
    color: theme.palette.text.secondary,
  },
  nowrap: {
    whiteSpace: 'nowrap',
  },
  /** Long initiators (a bot with its address) end in "…", in full on hover. */
  initiator: {
    maxWidth: 150,
    overflow: 'hidden',
    textOverflow: 'ellipsis',
    whiteSpace: 'nowrap',
  },
  /** The panel row below draws the line between rollouts. */
  mainRow: {
    '& > td': {
      borderBottom: 'unset',
    },
  },
  panelCell: {
    paddingTop: 0,
    paddingBottom: 0,
  },
}));

/** Cells of a rollout row, including the expand button. */
export const ROLLOUT_COLUMNS = 8;

/**
 * One line of the rollout ledger; expands into the change set of the
 * rollout, fetched the first time it is opened (never for collapsed rows).
 */
export const RolloutRow = (props: { rollout: Rollout }) => {
  const { rollout } = props;
  const classes = useStyles();
  const [open, setOpen] = useState(false);
  const [opened, setOpened] = useState(false);
  const author = rollout.commit.authorName;
  const toggle = () => {
    setOpen(o => !o);
    setOpened(true);
  };
  return (
    <>
      <TableRow data-testid="gitops-rollout-row" className={classes.mainRow}>
        <TableCell padding="checkbox">
          <IconButton
            size="small"
            aria-label="Show changes"
            aria-expanded={open}
            onClick={toggle}
          >
            {open ? <KeyboardArrowUpIcon /> : <KeyboardArrowDownIcon />}
          </IconButton>
        </TableCell>
        <TableCell className={classes.nowrap}>
          <RelativeTime value={rollout.desiredAt} />
        </TableCell>
        <TableCell>{rollout.environment}</TableCell>
        <TableCell className={classes.version}>
          <span className={rollout.fromVersion ? undefined : classes.muted}>
            {rollout.fromVersion ?? '(none)'}
          </span>
          {' → '}
          <strong>{rollout.toVersion}</strong>
          <ChangeSummary changes={rollout.changes} kind={rollout.kind} />
        </TableCell>
        <TableCell>
          <RolloutKindChip kind={rollout.kind} />
          {rollout.rewrittenAt && (
            <Typography
              variant="caption"
              display="block"
              className={classes.muted}
              data-testid="gitops-rollout-rewritten"
              title="Its GitOps commit was force-pushed away: kept in the history, left out of metrics and feature answers"
            >
              rewritten: no longer in the branch history
            </Typography>
          )}
        </TableCell>
        <TableCell>
          <RolloutOutcomeStatus outcome={rollout.outcome} />
          <RolloutOutcomeDetail detail={rollout.outcomeDetail} />
        </TableCell>
        <TableCell>
          <div className={classes.initiator} title={rollout.initiator}>
            {rollout.initiator}
          </div>
          {author && author !== rollout.initiator && (
            <Typography
              variant="caption"
              display="block"
              className={`${classes.muted} ${classes.initiator}`}
              title={author}
            >
              author: {author}
            </Typography>
          )}
        </TableCell>
        <TableCell>
          <CommitLink commit={rollout.commit} />
        </TableCell>
      </TableRow>
      <TableRow data-testid="gitops-rollout-changes-row">
        <TableCell colSpan={ROLLOUT_COLUMNS} className={classes.panelCell}>
          <Collapse in={open} timeout="auto">
            {opened && (
              <Box py={2} pl={6}>
                <RolloutChangeSet rolloutId={rollout.id} />
              </Box>
            )}
          </Collapse>
        </TableCell>
      </TableRow>
    </>
  );
};
