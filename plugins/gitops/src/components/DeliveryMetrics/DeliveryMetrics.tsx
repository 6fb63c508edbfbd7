import { useState } from 'react';
import { EmptyState, InfoCard, Progress } from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import type { EntityRefParts } from '@gitops2/plugin-gitops-common';
import Box from '@material-ui/core/Box';
import Grid from '@material-ui/core/Grid';
import MenuItem from '@material-ui/core/MenuItem';
import TextField from '@material-ui/core/TextField';
import Alert from '@material-ui/lab/Alert';
import { gitopsApiRef } from '../../api';
import { backendMessage } from '../promotion';
import { useRefreshableAsync } from '../shared';
import { METRICS_WINDOWS, sinceDaysAgo } from './format';
import { DeploymentsChart, LeadTimeChart } from './MetricsCharts';
import { MetricsTiles } from './MetricsTiles';

/**
 * "Delivery metrics" of the GitOps tab: deployment frequency, lead time,
 * change failure rate and time to restore of one environment (the last
 * stage's first environment by default), with the daily charts.
 */
export const DeliveryMetrics = (props: {
  entity: EntityRefParts;
  /** Environments of the service in promotion order. */
  environments: string[];
  defaultEnvironment?: string;
  refreshKey?: number;
}) => {
  const { entity, environments, defaultEnvironment } = props;
  const api = useApi(gitopsApiRef);
  const [chosen, setChosen] = useState<string | undefined>(undefined);
  const [days, setDays] = useState<number>(30);

  const metrics = useRefreshableAsync(
    () => api.getMetrics(entity, { since: sinceDaysAgo(days) }),
    `${entity.kind}/${entity.namespace}/${entity.name}/${days}`,
    [api, days, props.refreshKey],
  );

  const withData = metrics.value?.items.map(i => i.environment) ?? [];
  const options = [
    ...environments,
    ...withData.filter(e => !environments.includes(e)).sort(),
  ];
  const environment =
    chosen ?? defaultEnvironment ?? options[options.length - 1];
  const item = metrics.value?.items.find(i => i.environment === environment);

  let body;
  if (metrics.loading && !metrics.value) {
    body = <Progress />;
  } else if (metrics.error && !metrics.value) {
    body = (
      <Alert severity="error" data-testid="gitops-metrics-error">
        Could not load the delivery metrics: {backendMessage(metrics.error)}
      </Alert>
    );
  } else if (!item) {
    body = (
      <EmptyState
        missing="data"
        title={`No deployments to ${
          environment ?? 'this service'
        } in the last ${days} days`}
        description="Deployment frequency, lead time, change failure rate and time to restore are computed from the rollouts of the ledger."
      />
    );
  } else {
    body = (
      <>
        <MetricsTiles metrics={item} days={days} />
        <Grid container spacing={2} style={{ marginTop: 16 }}>
          <Grid item xs={12} md={6}>
            <DeploymentsChart daily={item.deployments.daily} />
          </Grid>
          <Grid item xs={12} md={6}>
            <LeadTimeChart daily={item.deployments.daily} />
          </Grid>
        </Grid>
      </>
    );
  }

  return (
    <InfoCard title="Delivery metrics" subheader={`Last ${days} days`}>
      <div data-testid="gitops-metrics">
        <Box display="flex" mb={2} style={{ gap: 16 }}>
          <TextField
            select
            id="gitops-metrics-environment"
            label="Metrics environment"
            value={environment ?? ''}
            onChange={e => setChosen(e.target.value)}
            inputProps={{ 'data-testid': 'gitops-metrics-environment' }}
            style={{ minWidth: 180 }}
          >
            {options.map(e => (
              <MenuItem key={e} value={e}>
                {e}
              </MenuItem>
            ))}
          </TextField>
          <TextField
            select
            id="gitops-metrics-window"
            label="Window"
            value={days}
            onChange={e => setDays(Number(e.target.value))}
            inputProps={{ 'data-testid': 'gitops-metrics-window' }}
            style={{ minWidth: 140 }}
          >
            {METRICS_WINDOWS.map(d => (
              <MenuItem key={d} value={d}>
                Last {d} days
              </MenuItem>
            ))}
          </TextField>
        </Box>
        {metrics.error && metrics.value && (
          <Alert severity="warning" data-testid="gitops-metrics-error">
            Could not refresh the delivery metrics:{' '}
            {backendMessage(metrics.error)}
          </Alert>
        )}
        {body}
      </div>
    </InfoCard>
  );
};
