import { Link } from '@backstage/core-components';
import Table from '@material-ui/core/Table';
import TableBody from '@material-ui/core/TableBody';
import TableCell from '@material-ui/core/TableCell';
import TableHead from '@material-ui/core/TableHead';
import TableRow from '@material-ui/core/TableRow';
import Typography from '@material-ui/core/Typography';
import type { GitopsAction } from '@gitops2/plugin-gitops-common';
import { RelativeTime } from '../shared';
import { ActionControls } from './ActionControls';
import { ActionStateChip } from './ActionStateChip';

/**
 * Promotions and rollbacks: state, kind, environments, version, requester,
 * approvals and the buttons that apply (Approve, Merge, Cancel).
 */
export const ActionsTable = (props: {
  actions: GitopsAction[];
  currentUser?: string;
  /** Show the service column (the inbox spans services). */
  showService?: boolean;
  cancellable?: boolean;
  rowTestId: string;
  onChanged(action: GitopsAction): void;
}) => (
  <Table size="small" aria-label="Promotions and rollbacks">
    <TableHead>
      <TableRow>
        <TableCell>State</TableCell>
        <TableCell>Kind</TableCell>
        {props.showService && <TableCell>Service</TableCell>}
        <TableCell>Environments</TableCell>
        <TableCell>Version</TableCell>
        <TableCell>Requested by</TableCell>
        <TableCell>Approvals</TableCell>
        <TableCell>Links</TableCell>
        <TableCell>Actions</TableCell>
      </TableRow>
    </TableHead>
    <TableBody>
      {props.actions.map(action => (
        <TableRow
          key={action.id}
          data-testid={props.rowTestId}
          data-action-id={action.id}
        >
          <TableCell>
            <ActionStateChip state={action.state} />
            {action.error && (
              <Typography variant="caption" color="error" component="p">
                {action.error}
              </Typography>
            )}
          </TableCell>
          <TableCell>
            {action.kind} #{action.id}
            {action.mode === 'direct' && (
              <Typography variant="caption" component="p">
                direct
              </Typography>
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
      ))}
    </TableBody>
  </Table>
);
