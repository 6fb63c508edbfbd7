import { useState } from 'react';
import { Link } from '@backstage/core-components';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import TableCell from '@material-ui/core/TableCell';
import TableRow from '@material-ui/core/TableRow';
import Typography from '@material-ui/core/Typography';
import type { GitopsAction } from '@gitops2/plugin-gitops-common';
import { RelativeTime } from '../shared';
import { StepTimeline } from '../steps';
import { ActionControls } from './ActionControls';
import { ActionStateChip } from './ActionStateChip';
import { AutomaticRollbackChip } from './AutomaticRollbackChip';
import { automaticRollbacksOf, isAutomaticRollback } from './automaticRollback';

/**
 * One promotion or rollback of the table; with `steps`, a toggle that shows
 * its deployment steps in a row below (open at first when `stepsOpen`).
 */
export const ActionRow = (props: {
  action: GitopsAction;
  /** The table's actions (to find the automatic rollback of a failure). */
  actions: GitopsAction[];
  columns: number;
  currentUser?: string;
  showService?: boolean;
  cancellable?: boolean;
  steps?: boolean;
  stepsOpen?: boolean;
  rowTestId: string;
  onChanged(action: GitopsAction): void;
}) => {
  const { action } = props;
  const [open, setOpen] = useState(Boolean(props.stepsOpen));
  const rolledBackBy = automaticRollbacksOf(action, props.actions);
  const stepsId = `gitops-action-${action.id}-steps`;
  return (
    <>
      <TableRow data-testid={props.rowTestId} data-action-id={action.id}>
        <TableCell>
          <ActionStateChip state={action.state} />
          {action.error && (
            <Typography variant="caption" color="error" component="p">
              {action.error}
            </Typography>
          )}
          {rolledBackBy.map(r => (
            <Typography
              key={r.id}
              variant="caption"
              component="p"
              data-testid="gitops-action-rolled-back-by"
            >
              rolled back automatically by rollback #{r.id}
            </Typography>
          ))}
        </TableCell>
        <TableCell>
          {action.kind} #{action.id}
          {isAutomaticRollback(action) && (
            <Box mt={0.5}>
              <AutomaticRollbackChip />
            </Box>
          )}
          {action.mode === 'direct' && (
            <Typography variant="caption" component="p">
              direct
            </Typography>
          )}
          {props.steps && (
            <Button
              size="small"
              aria-expanded={open}
              aria-controls={stepsId}
              onClick={() => setOpen(o => !o)}
              data-testid="gitops-action-steps-toggle"
            >
              {open ? 'Hide steps' : 'Steps'}
            </Button>
          )}
        </TableCell>
        {props.showService && <TableCell>{action.service}</TableCell>}
        <TableCell>
          {action.sourceEnvironment ? `${action.sourceEnvironment} → ` : ''}
          {action.environments.join(', ')}
        </TableCell>
        <TableCell>
          <code>{action.version}</code>
        </TableCell>
        <TableCell>
          {action.requestedBy}
          <Typography variant="caption" component="p">
            <RelativeTime value={action.createdAt} />
          </Typography>
          {action.reason && (
            <Typography variant="caption" component="p">
              {action.reason}
            </Typography>
          )}
        </TableCell>
        <TableCell>
          {action.requiredApprovals > 0
            ? `${action.approvals.length}/${action.requiredApprovals}`
            : '—'}
          {action.approvals.map(a => (
            <Typography
              key={a.approver}
              variant="caption"
              component="p"
              title={a.comment}
            >
              ✓ {a.approver}
              {a.comment ? `: ${a.comment}` : ''}
            </Typography>
          ))}
        </TableCell>
        <TableCell>
          {action.pullRequestUrl && (
            <Link to={action.pullRequestUrl}>pull request</Link>
          )}
          {!action.pullRequestUrl && action.branch && (
            <Typography variant="caption">
              branch <code>{action.branch}</code>
            </Typography>
          )}
          {action.commitSha && (
            <Typography variant="caption" component="p">
              commit <code>{action.commitSha.slice(0, 7)}</code>
            </Typography>
          )}
        </TableCell>
        <TableCell>
          <ActionControls
            action={action}
            currentUser={props.currentUser}
            cancellable={props.cancellable}
            onChanged={props.onChanged}
          />
        </TableCell>
      </TableRow>
      {props.steps && open && (
        <TableRow data-testid="gitops-action-steps-row" id={stepsId}>
          <TableCell colSpan={props.columns}>
            <StepTimeline
              action={action}
              onSettled={() => props.onChanged(action)}
            />
          </TableCell>
        </TableRow>
      )}
    </>
  );
};
