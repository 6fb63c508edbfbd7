import Table from '@material-ui/core/Table';
import TableBody from '@material-ui/core/TableBody';
import TableCell from '@material-ui/core/TableCell';
import { TableHead } from '../shared';
import TableRow from '@material-ui/core/TableRow';
import type { GitopsAction } from '@gitops2/plugin-gitops-common';
import { ActionRow } from './ActionRow';

/** With `steps`, the deployment steps of this many newest actions show at first. */
export const STEPS_OPEN_NEWEST = 3;

/**
 * Promotions and rollbacks: state, kind, environments, version, requester,
 * approvals and the buttons that apply (Approve, Merge, Cancel); with
 * `steps`, each action's deployment steps below it (the newest open).
 */
export const ActionsTable = (props: {
  actions: GitopsAction[];
  currentUser?: string;
  /** Show the service column (the inbox spans services). */
  showService?: boolean;
  cancellable?: boolean;
  /** Show the deployment steps of each action (the tab). */
  steps?: boolean;
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
      {props.actions.map((action, index) => (
        <ActionRow
          key={action.id}
          action={action}
          actions={props.actions}
          columns={props.showService ? 9 : 8}
          currentUser={props.currentUser}
          showService={props.showService}
          cancellable={props.cancellable}
          steps={props.steps}
          stepsOpen={index < STEPS_OPEN_NEWEST}
          rowTestId={props.rowTestId}
          onChanged={props.onChanged}
        />
      ))}
    </TableBody>
  </Table>
);
