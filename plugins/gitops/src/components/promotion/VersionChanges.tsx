import Table from '@material-ui/core/Table';
import TableBody from '@material-ui/core/TableBody';
import TableCell from '@material-ui/core/TableCell';
import { TableHead } from '../shared';
import TableRow from '@material-ui/core/TableRow';
import type { ActionPreview } from '@gitops2/plugin-gitops-common';

/** Per target environment: version from → to. */
export const VersionChanges = (props: { preview: ActionPreview }) => {
  const { preview } = props;
  return (
    <Table size="small" aria-label="Version changes">
      <TableHead>
        <TableRow>
          <TableCell>Environment</TableCell>
          <TableCell>Version</TableCell>
        </TableRow>
      </TableHead>
      <TableBody>
        {preview.environments.map(env => {
          const change = preview.changes.find(c => c.environment === env);
          return (
            <TableRow key={env} data-testid={`gitops-preview-target-${env}`}>
              <TableCell>{env}</TableCell>
              <TableCell>
                {change
                  ? `${change.fromVersion ?? '(none)'} → ${change.toVersion}`
                  : `already ${preview.version}`}
              </TableCell>
            </TableRow>
          );
        })}
      </TableBody>
    </Table>
  );
};
