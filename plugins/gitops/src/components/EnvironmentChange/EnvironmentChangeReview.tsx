import { useState } from 'react';
import { InfoCard } from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import Typography from '@material-ui/core/Typography';
import Alert from '@material-ui/lab/Alert';
import { useSearchParams } from 'react-router-dom';
import { gitopsApiRef } from '../../api';
import { backendMessage } from '../promotion';

type Outcome =
  | { state: 'idle' }
  | { state: 'working'; op: 'merge' | 'close' }
  | { state: 'merged'; mergeSha?: string }
  | { state: 'closed' }
  | { state: 'failed'; message: string };

/**
 * `/gitops/environment-change?repository=…&branch=…&commit=…`: where the
 * environment templates' result leads. Merges the reviewed commit of an
 * environment change's branch into the branch clusters follow (only that
 * commit, only as a fast-forward; the backend checks
 * gitops.environment.manage on the whole repository), or closes it. Local
 * repositories have no pull request page: this is where their changes land.
 */
export const EnvironmentChangeReview = () => {
  const api = useApi(gitopsApiRef);
  const [params] = useSearchParams();
  const repository = params.get('repository') ?? '';
  const branch = params.get('branch') ?? '';
  const commit = params.get('commit') ?? '';
  const [outcome, setOutcome] = useState<Outcome>({ state: 'idle' });

  if (!repository || !branch) {
    return (
      <InfoCard title="Environment change">
        <Typography variant="body2">
          Run the "New environment" or "New region in a parallel stage"
          template: its result links here to merge or close the change.
        </Typography>
      </InfoCard>
    );
  }

  const run = async (op: 'merge' | 'close') => {
    setOutcome({ state: 'working', op });
    try {
      if (op === 'merge') {
        const r = await api.mergeEnvironmentChange(repository, {
          branch,
          commitSha: commit,
        });
        setOutcome({ state: 'merged', mergeSha: r.mergeSha });
      } else {
        await api.closeEnvironmentChange(repository, branch);
        setOutcome({ state: 'closed' });
      }
    } catch (e) {
      setOutcome({ state: 'failed', message: backendMessage(e) });
    }
  };
  const done = outcome.state === 'merged' || outcome.state === 'closed';
  const working = outcome.state === 'working';

  return (
    <Box data-testid="gitops-environment-change">
      <InfoCard title="Environment change">
        <Typography variant="body2" paragraph>
          Branch <code>{branch}</code> of repository <code>{repository}</code>
          {commit && (
            <>
              {' '}
              at the reviewed commit <code>{commit.slice(0, 12)}</code>
            </>
          )}
          . Merging it writes the change on the branch clusters follow; the
          portal ingests it at once.
        </Typography>
        {outcome.state === 'merged' && (
          <Alert
            severity="success"
            data-testid="gitops-environment-change-merged"
          >
            Merged
            {outcome.mergeSha ? ` as ${outcome.mergeSha.slice(0, 12)}` : ''}.
          </Alert>
        )}
        {outcome.state === 'closed' && (
          <Alert severity="info" data-testid="gitops-environment-change-closed">
            Closed: the branch is deleted, nothing was merged.
          </Alert>
        )}
        {outcome.state === 'failed' && (
          <Alert severity="error" data-testid="gitops-environment-change-error">
            {outcome.message}
          </Alert>
        )}
        <Box mt={2} display="flex" style={{ gap: 8 }}>
          <Button
            variant="contained"
            color="primary"
            disabled={done || working || !commit}
            onClick={() => run('merge')}
            data-testid="gitops-environment-change-merge"
          >
            {working && outcome.op === 'merge' ? 'Merging…' : 'Merge'}
          </Button>
          <Button
            variant="outlined"
            disabled={done || working}
            onClick={() => run('close')}
            data-testid="gitops-environment-change-close"
          >
            Close without merging
          </Button>
        </Box>
      </InfoCard>
    </Box>
  );
};
