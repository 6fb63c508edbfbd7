import { useState } from 'react';
import { EmptyState, InfoCard, Progress } from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import type { DeliveryMetrics } from '@gitops2/plugin-gitops-common';
import Box from '@material-ui/core/Box';
import MenuItem from '@material-ui/core/MenuItem';
import Table from '@material-ui/core/Table';
import TableBody from '@material-ui/core/TableBody';
import TableCell from '@material-ui/core/TableCell';
import TableRow from '@material-ui/core/TableRow';
import TextField from '@material-ui/core/TextField';
import Alert from '@material-ui/lab/Alert';
import { gitopsApiRef } from '../../api';
import { backendMessage } from '../promotion';
import { useRefreshableAsync, TableHead } from '../shared';
import {
  METRICS_WINDOWS,
  formatPerDay,
  formatRate,
  formatSeconds,
  sinceDaysAgo,
  sumDaily,
} from './format';
import { DeploymentsChart } from './MetricsCharts';

const ALL = '';

const OrgTable = ({ items }: { items: DeliveryMetrics[] }) => (
  <Table size="small" aria-label="Delivery metrics per service and environment">
    <TableHead>
      <TableRow>
        <TableCell>Service</TableCell>
        <TableCell>Environment</TableCell>
        <TableCell align="right">Deployments</TableCell>
        <TableCell align="right">Per day</TableCell>
        <TableCell align="right">Lead time (median)</TableCell>
        <TableCell align="right">Merge → env (median)</TableCell>
        <TableCell align="right">Change failure rate</TableCell>
        <TableCell align="right">Time to restore (median)</TableCell>
      </TableRow>
    </TableHead>
    <TableBody>
      {items.map(m => (
        <TableRow
          key={`${m.repository}/${m.service}/${m.environment}`}
          data-testid="gitops-org-metrics-row"
        >
          <TableCell>{m.service}</TableCell>
          <TableCell>{m.environment}</TableCell>
          <TableCell align="right">{m.deployments.count}</TableCell>
          <TableCell align="right">
            {formatPerDay(m.deployments.perDay)}
          </TableCell>
          <TableCell align="right">
            {formatSeconds(m.leadTime.firstCommit.medianSeconds)}
          </TableCell>
          <TableCell align="right">
            {formatSeconds(m.leadTime.merge.medianSeconds)}
          </TableCell>
          <TableCell align="right">
            {formatRate(m.changeFailure.rate)} ({m.changeFailure.failures}/
            {m.changeFailure.changes})
          </TableCell>
          <TableCell align="right">
            {formatSeconds(m.timeToRestore.medianSeconds)}
          </TableCell>
        </TableRow>
      ))}
    </TableBody>
  </Table>
);

/**
 * Delivery metrics of the organisation (`/gitops/metrics`): one row per
 * service and environment, and the deployments per day of all of them.
 *
 * @public
 */
export const OrgMetrics = () => {
  const api = useApi(gitopsApiRef);
  const [days, setDays] = useState<number>(30);
  const [environment, setEnvironment] = useState<string>(ALL);
  const metrics = useRefreshableAsync(
    () => api.getOrgMetrics({ since: sinceDaysAgo(days) }),
    // Another period is another view: an answer for the old one never
    // shows under the new selection.
    `org-metrics/${days}`,
    [api, days],
  );

  const all = metrics.value?.items ?? [];
  const environments = [...new Set(all.map(i => i.environment))].sort();
  const items =
    environment === ALL ? all : all.filter(i => i.environment === environment);

  let body;
  if (metrics.loading && !metrics.value) {
    body = <Progress />;
  } else if (metrics.error && !metrics.value) {
    body = (
      <Alert severity="error" data-testid="gitops-metrics-error">
        Could not load the delivery metrics: {backendMessage(metrics.error)}
      </Alert>
    );
  } else if (items.length === 0) {
    body = (
      <EmptyState
        missing="data"
        title={`No deployments in the last ${days} days`}
        description="Delivery metrics are computed from the rollouts of the ledger."
      />
    );
  } else {
    body = (
      <>
        <Box mb={2}>
          <DeploymentsChart daily={sumDaily(items)} />
        </Box>
        <OrgTable items={items} />
      </>
    );
  }

  return (
    <InfoCard title="Delivery metrics" subheader={`Last ${days} days`}>
      <div data-testid="gitops-metrics">
        <Box display="flex" mb={2} style={{ gap: 16 }}>
          <TextField
            select
            id="gitops-org-metrics-environment"
            label="Environment"
            value={environment}
            onChange={e => setEnvironment(e.target.value)}
            inputProps={{ 'data-testid': 'gitops-metrics-environment' }}
            style={{ minWidth: 180 }}
          >
            <MenuItem value={ALL}>All environments</MenuItem>
            {environments.map(e => (
              <MenuItem key={e} value={e}>
                {e}
              </MenuItem>
            ))}
          </TextField>
          <TextField
            select
            id="gitops-org-metrics-window"
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
