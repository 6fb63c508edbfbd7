import { useState } from 'react';
import { Link } from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import Alert from '@material-ui/lab/Alert';
import type { GitopsAction } from '@gitops2/plugin-gitops-common';
import { gitopsApiRef } from '../../api';
import { shortSha } from '../shared';
import { StepTimeline } from '../steps';
import { backendMessage } from './errors';
import { useLiveAction } from './LiveActions';

function summary(action: GitopsAction): string {
  const what = `${action.kind === 'rollback' ? 'Rollback' : 'Promotion'} #${
    action.id
  }`;
  switch (action.state) {
    case 'awaiting-approval':
      return `${what} is awaiting approval (${action.approvals.length} of ${action.requiredApprovals}).`;
    case 'pull-request-open':
      return `${what}: pull request open${
        action.branch ? ` (branch ${action.branch})` : ''
      }.`;
    case 'merged':
      return `${what} is merged${
        action.commitSha ? ` (${shortSha(action.commitSha)})` : ''
      }; the cluster syncs it next.`;
    case 'requested':
      return `${what} is requested.`;
    default:
      return `${what} is ${action.state}${
        action.error ? `: ${action.error}` : ''
      }.`;
  }
}

/**
 * What became of a request: awaiting approval, pull request open (with a
 * "Merge" button) or merged; the error of a failed merge as the backend
 * wrote it; its deployment steps, live.
 */
export const ActionResult = (props: {
  action: GitopsAction;
  onChanged(action: GitopsAction): void;
}) => {
  const api = useApi(gitopsApiRef);
  const action = useLiveAction(props.action);
  const [merging, setMerging] = useState(false);
  const [error, setError] = useState<string>();

  const merge = async () => {
    setMerging(true);
    setError(undefined);
    try {
      props.onChanged(await api.merge(action.id));
    } catch (e) {
      setError(backendMessage(e));
    } finally {
      setMerging(false);
    }
  };

  const failed = action.state === 'failed' || action.state === 'refused';
  return (
    <Box data-testid="gitops-action-result" data-state={action.state}>
      <Alert
        severity={failed ? 'error' : 'success'}
        action={
          action.state === 'pull-request-open' ? (
            <Button
              color="inherit"
              size="small"
              disabled={merging}
              onClick={merge}
              data-testid="gitops-action-result-merge"
            >
              {merging ? 'Merging…' : 'Merge'}
            </Button>
          ) : undefined
        }
      >
        {summary(action)}
        {action.pullRequestUrl && (
          <>
            {' '}
            <Link to={action.pullRequestUrl}>View pull request</Link>
          </>
        )}
      </Alert>
      {error && (
        <Box mt={1}>
          <Alert severity="error" data-testid="gitops-action-result-error">
            {error}
          </Alert>
        </Box>
      )}
      <Box mt={2}>
        <StepTimeline
          action={action}
          onSettled={() => props.onChanged(action)}
        />
      </Box>
    </Box>
  );
};
