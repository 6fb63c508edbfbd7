import {
  EmptyState,
  InfoCard,
  Link,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import { useApi, useRouteRef } from '@backstage/core-plugin-api';
import { entityRouteRef, useEntity } from '@backstage/plugin-catalog-react';
import Grid from '@material-ui/core/Grid';
import Table from '@material-ui/core/Table';
import TableBody from '@material-ui/core/TableBody';
import TableCell from '@material-ui/core/TableCell';
import TableRow from '@material-ui/core/TableRow';
import Typography from '@material-ui/core/Typography';
import Alert from '@material-ui/lab/Alert';
import { gitopsApiRef } from '../../api';
import { CROSS_SERVICE_THROTTLE_MS } from '../../api/useGitopsChanges';
import { stagesOf } from '../Dashboard/DashboardGrid';
import { HealthChip, usePolledAsync } from '../live';
import { PendingChanges } from '../GitopsTab/PendingChanges';
import { backendMessage } from '../promotion';
import { RelativeTime, TableHead } from '../shared';
import { ENVIRONMENT_ANNOTATIONS } from './environmentAnnotations';

/**
 * The GitOps tab of an environment entity (a catalog Resource of type
 * `environment`): every service's version there, its health, what is
 * pending (versions behind the previous stage, and the commits promoting
 * would bring) and the recent rollouts: the per-environment half of the
 * dashboard, from the same endpoint (GET /v1/dashboard), refreshed the
 * same way.
 */
export const EnvironmentTab = () => {
  const { entity } = useEntity();
  const api = useApi(gitopsApiRef);
  const entityRoute = useRouteRef(entityRouteRef);
  const annotations = entity.metadata.annotations ?? {};
  const repositoryId = annotations[ENVIRONMENT_ANNOTATIONS.repository];
  const name = annotations[ENVIRONMENT_ANNOTATIONS.environment];
  const dashboard = usePolledAsync(
    () => api.getDashboard(repositoryId),
    `${repositoryId}/${name}`,
    [api],
    undefined,
    undefined,
    { throttleMs: CROSS_SERVICE_THROTTLE_MS },
  );

  if (!dashboard.value && dashboard.error)
    return <ResponseErrorPanel error={dashboard.error} />;
  if (!dashboard.value) return <Progress />;
  const value = dashboard.value;
  const env = value.environments.find(e => e.name === name);
  if (!env) {
    return (
      <EmptyState
        missing="data"
        title={`${name} is not in the pipeline`}
        description={`The pipeline of ${repositoryId} has no environment ${name} (any more): the catalog drops this entity at its next refresh.`}
      />
    );
  }
  const stages = stagesOf(value.environments);
  const index = stages.findIndex(s => s.name === env.stage);
  const previous = index > 0 ? stages[index - 1].environments[0] : undefined;
  const rows = value.matrix
    .map(r => ({ service: r.service, cell: r.cells[env.name] }))
    .filter(r => r.cell?.version);
  const lastRollout = (service: string) =>
    env.recentRollouts.find(r => r.service === service);
  const componentRef = (service: string) => ({
    kind: 'component',
    namespace: 'default',
    name: service,
  });

  return (
    <Grid container spacing={2} data-testid="gitops-environment-tab">
      {dashboard.error && (
        <Grid item xs={12}>
          <Alert severity="warning">
            Could not refresh, showing what was loaded before:{' '}
            {backendMessage(dashboard.error)}
          </Alert>
        </Grid>
      )}
      <Grid item xs={12}>
        <Typography variant="body2">
          Stage <b>{env.stage}</b> of repository <b>{value.repositoryId}</b>
          {env.cluster && (
            <>
              {' '}
              · cluster <b>{env.cluster}</b>
            </>
          )}
          {previous && (
            <>
              {' '}
              · promoted from <b>{previous.name}</b>
            </>
          )}
        </Typography>
      </Grid>
      <Grid item xs={12}>
        <InfoCard title={`Services in ${env.name}`} noPadding>
          <Table size="small" data-testid="gitops-environment-services">
            <TableHead>
              <TableRow>
                <TableCell>Service</TableCell>
                <TableCell>Version</TableCell>
                <TableCell>Health</TableCell>
                <TableCell>Pending</TableCell>
                <TableCell>Last rollout</TableCell>
              </TableRow>
            </TableHead>
            <TableBody>
              {rows.length === 0 && (
                <TableRow>
                  <TableCell colSpan={5}>No service runs here yet.</TableCell>
                </TableRow>
              )}
              {rows.map(({ service, cell }) => {
                const last = lastRollout(service);
                return (
                  <TableRow
                    key={service}
                    data-testid={`gitops-environment-service-${service}`}
                  >
                    <TableCell>
                      <Link to={`${entityRoute(componentRef(service))}/gitops`}>
                        {service}
                      </Link>
                    </TableCell>
                    <TableCell>
                      <code data-testid="gitops-environment-version">
                        {cell!.version}
                      </code>
                    </TableCell>
                    <TableCell>
                      <HealthChip health={cell!.health ?? 'Unknown'} />
                    </TableCell>
                    <TableCell data-testid="gitops-environment-pending">
                      {previous ? (
                        <>
                          {cell!.behind !== undefined && (
                            <Typography variant="body2">
                              {cell!.behind === 0
                                ? `up to date with ${previous.name}`
                                : `${cell!.behind} behind ${previous.name}`}
                            </Typography>
                          )}
                          {!!cell!.behind && (
                            <PendingChanges
                              entity={componentRef(service)}
                              from={previous.name}
                              to={env.name}
                            />
                          )}
                        </>
                      ) : (
                        <Typography variant="body2">
                          first stage: nothing to promote from
                        </Typography>
                      )}
                    </TableCell>
                    <TableCell>
                      {last ? (
                        <Typography variant="body2">
                          {last.fromVersion ?? '—'} → {last.toVersion} (
                          {last.kind}, {last.outcome}){' '}
                          <RelativeTime value={last.desiredAt} />
                        </Typography>
                      ) : (
                        '—'
                      )}
                    </TableCell>
                  </TableRow>
                );
              })}
            </TableBody>
          </Table>
        </InfoCard>
      </Grid>
      <Grid item xs={12}>
        <InfoCard title="Recent rollouts" noPadding>
          <Table size="small" data-testid="gitops-environment-rollouts">
            <TableHead>
              <TableRow>
                <TableCell>Service</TableCell>
                <TableCell>Change</TableCell>
                <TableCell>Kind</TableCell>
                <TableCell>Outcome</TableCell>
                <TableCell>When</TableCell>
              </TableRow>
            </TableHead>
            <TableBody>
              {env.recentRollouts.length === 0 && (
                <TableRow>
                  <TableCell colSpan={5}>No rollouts yet.</TableCell>
                </TableRow>
              )}
              {env.recentRollouts.map(r => (
                <TableRow key={r.id} data-testid="gitops-environment-rollout">
                  <TableCell>{r.service}</TableCell>
                  <TableCell>
                    <code>
                      {r.fromVersion ?? '—'} → {r.toVersion}
                    </code>
                  </TableCell>
                  <TableCell>{r.kind}</TableCell>
                  <TableCell>{r.outcome}</TableCell>
                  <TableCell>
                    <RelativeTime value={r.desiredAt} />
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </InfoCard>
      </Grid>
    </Grid>
  );
};
