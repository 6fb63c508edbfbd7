import Grid from '@material-ui/core/Grid';
import { RecentDeployments } from './RecentDeployments';
import { RepositoriesContent } from './RepositoriesContent';

/**
 * The overview of the GitOps page: the configured repositories and the
 * deployments of a recent time window.
 *
 * @public
 */
export const OverviewContent = () => (
  <Grid container spacing={3} direction="column">
    <Grid item>
      <RepositoriesContent />
    </Grid>
    <Grid item>
      <RecentDeployments />
    </Grid>
  </Grid>
);
