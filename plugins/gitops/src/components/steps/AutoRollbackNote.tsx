import { useContext } from 'react';
import Box from '@material-ui/core/Box';
import Alert from '@material-ui/lab/Alert';
import type { GitopsAction } from '@gitops2/plugin-gitops-common';
import { actionStateLabels } from '../promotion/ActionStateChip';
import { LiveActionsContext } from '../promotion/LiveActions';
import { automaticRollbacksOf } from '../promotion/automaticRollback';

/**
 * What the verification policy did after `action` failed its after steps:
 * the automatic rollbacks it requested (from the tab's list of actions),
 * each with its target, version and state.
 */
export const AutoRollbackNote = (props: { action: GitopsAction }) => {
  const actions = useContext(LiveActionsContext);
  const rollbacks = automaticRollbacksOf(props.action, actions);
  if (rollbacks.length === 0) return null;
  return (
    <Box mt={1}>
      {rollbacks.map(r => (
        <Alert
          key={r.id}
          severity="warning"
          data-testid="gitops-step-auto-rollback"
          data-rollback-id={r.id}
        >
          Verification failed: the verification policy rolled{' '}
          {r.environments.join(', ')} back automatically to{' '}
          <code>{r.version}</code>, rollback #{r.id} (
          {actionStateLabels[r.state] ?? r.state}).
        </Alert>
      ))}
    </Box>
  );
};
