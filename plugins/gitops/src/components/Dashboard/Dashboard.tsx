import { useState } from 'react';
import {
  EmptyState,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import Grid from '@material-ui/core/Grid';
import TextField from '@material-ui/core/TextField';
import { makeStyles } from '@material-ui/core/styles';
import Typography from '@material-ui/core/Typography';
import Alert from '@material-ui/lab/Alert';
import useAsync from 'react-use/esm/useAsync';
import { gitopsApiRef } from '../../api';
import { CROSS_SERVICE_THROTTLE_MS } from '../../api/useGitopsChanges';
import { ClusterProblems, clusterProblems, usePolledAsync } from '../live';
import { backendMessage } from '../promotion';
import { RelativeTime } from '../shared';
import { DashboardGrid } from './DashboardGrid';
import { DashboardMatrix } from './DashboardMatrix';

/**
 * The multi-environment dashboard (`/gitops/dashboard`): per environment its
 * status, URL, cluster connection, counts and last rollouts, then the
 * services × environments matrix. From our backend, refetched on change
 * signals (at most every 2 s) and every 60 s while live updates are not
 * connected, while the page is visible; the last data stays on screen
 * during a refetch.
 */
const useStyles = makeStyles(theme => ({
  repository: {
    minWidth: 240,
    backgroundColor: theme.palette.background.paper,
  },
  /** On the page's grey background the default label is too faint. */
  label: { color: theme.palette.text.primary },
}));

export const Dashboard = () => {
  const classes = useStyles();
  const api = useApi(gitopsApiRef);
  const repositories = useAsync(() => api.getRepositories(), [api]);
  const items = repositories.value?.items ?? [];
  const [chosen, setSelected] = useState<string>();
  // By default the first repository whose pipeline could be read.
  const selected = chosen ?? (items.find(r => !r.error) ?? items[0])?.id;

  const repositoryId = selected;
  const ready = !repositories.loading && (repositoryId || items.length === 0);
  const dashboard = usePolledAsync(
    async () => (ready ? api.getDashboard(repositoryId) : undefined),
    `${repositoryId}/${ready}`,
    [api],
    undefined,
    undefined,
    // refetched on any change signal (at most every 2 s): the keys name
    // nothing, and the API filters what it answers by permission
    { throttleMs: CROSS_SERVICE_THROTTLE_MS },
  );

  if (repositories.error) {
    return <ResponseErrorPanel error={repositories.error} />;
  }

  let body;
  if (!dashboard.value && dashboard.error) {
    body = <ResponseErrorPanel error={dashboard.error} />;
  } else if (!dashboard.value) {
    body = <Progress />;
  } else if (dashboard.value.environments.length === 0) {
    body = (
      <EmptyState
        missing="data"
        title="No environments"
        description={`The pipeline of ${dashboard.value.repositoryId} has no environments.`}
      />
    );
  } else {
    const value = dashboard.value;
    body = (
      <Grid container spacing={2} data-testid="gitops-dashboard">
        {dashboard.error && (
          <Grid item xs={12}>
            <Alert severity="warning" data-testid="gitops-dashboard-stale">
              Could not refresh, showing what was loaded before:{' '}
              {backendMessage(dashboard.error)}
            </Alert>
          </Grid>
        )}
        {clusterProblems(value.environments.map(e => e.connection)).length >
          0 && (
          <Grid item xs={12}>
            <ClusterProblems
              problems={clusterProblems(
                value.environments.map(e => e.connection),
              )}
            />
          </Grid>
        )}
        <Grid item xs={12} style={{ minWidth: 0 }}>
          <DashboardGrid environments={value.environments} />
        </Grid>
        <Grid item xs={12}>
          <DashboardMatrix dashboard={value} />
        </Grid>
        <Grid item xs={12}>
          {/* On the page's grey background, secondary text is too faint. */}
          <Typography variant="caption">
            updated <RelativeTime value={value.generatedAt} />
          </Typography>
        </Grid>
      </Grid>
    );
  }

  return (
    <Grid container spacing={2} direction="column" wrap="nowrap">
      {items.length > 1 && (
        <Grid item>
          <TextField
            select
            id="gitops-dashboard-repository"
            variant="outlined"
            size="small"
            label="Repository"
            value={selected ?? ''}
            onChange={e => setSelected(String(e.target.value))}
            className={classes.repository}
            // A native select: named by its label, usable by keyboard and
            // screen readers as is.
            SelectProps={{ native: true }}
            InputLabelProps={{ className: classes.label }}
            inputProps={{ 'data-testid': 'gitops-dashboard-repository' }}
          >
            {items.map(r => (
              <option key={r.id} value={r.id}>
                {r.id}
              </option>
            ))}
          </TextField>
        </Grid>
      )}
      <Grid item>{body}</Grid>
    </Grid>
  );
};
