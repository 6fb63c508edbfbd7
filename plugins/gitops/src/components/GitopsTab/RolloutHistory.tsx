import { ChangeEvent, useState } from 'react';
import {
  EmptyState,
  InfoCard,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import Table from '@material-ui/core/Table';
import TableBody from '@material-ui/core/TableBody';
import TableCell from '@material-ui/core/TableCell';
import { TableHead } from '../shared';
import TableRow from '@material-ui/core/TableRow';
import TextField from '@material-ui/core/TextField';
import Typography from '@material-ui/core/Typography';
import Alert from '@material-ui/lab/Alert';
import type { EntityRefParts } from '@gitops2/plugin-gitops-common';
import { gitopsApiRef } from '../../api';
import { RolloutRow } from './RolloutRow';
import { useRollouts } from './useRollouts';

const ALL = '';

/**
 * The rollout ledger of a service, newest first, filterable by environment,
 * with "Load more" for older rollouts.
 */
export const RolloutHistory = (props: {
  entity: EntityRefParts;
  /** Environment names offered by the filter, in pipeline order. */
  environments: string[];
  /** Bumped after a promotion or rollback: refetch. */
  refreshKey?: number;
}) => {
  const api = useApi(gitopsApiRef);
  const [environment, setEnvironment] = useState<string>(ALL);
  const rollouts = useRollouts(
    api,
    props.entity,
    environment || undefined,
    props.refreshKey,
  );

  const options = props.environments.includes(environment)
    ? props.environments
    : [...props.environments, environment].filter(Boolean);

  const filter = (
    <TextField
      select
      label="Environment"
      id="gitops-rollout-environment"
      value={environment}
      onChange={(e: ChangeEvent<HTMLInputElement>) =>
        setEnvironment(e.target.value)
      }
      SelectProps={{ native: true }}
      InputLabelProps={{ shrink: true }}
      variant="outlined"
      size="small"
    >
      <option value={ALL}>All environments</option>
      {options.map(name => (
        <option key={name} value={name}>
          {name}
        </option>
      ))}
    </TextField>
  );

  let body;
  if (rollouts.loading) {
    body = <Progress />;
  } else if (rollouts.error) {
    body = <ResponseErrorPanel error={rollouts.error} />;
  } else if (rollouts.items.length === 0) {
    body = (
      <EmptyState
        missing="data"
        title="No rollouts yet"
        description={
          environment
            ? `No version change has been recorded in ${environment} yet.`
            : 'No version change of this service has been recorded in the GitOps repository yet.'
        }
      />
    );
  } else {
    body = (
      <>
        {/* A narrow window scrolls the table, never the page: a grid
            column of minmax(0, 1fr) never grows with the table. */}
        <Box display="grid" gridTemplateColumns="minmax(0, 1fr)">
          <Box overflow="auto">
            <Table size="small" aria-label="Rollout history">
              <TableHead>
                <TableRow>
                  <TableCell padding="checkbox" />
                  <TableCell>When</TableCell>
                  <TableCell>Environment</TableCell>
                  <TableCell>Version</TableCell>
                  <TableCell>Kind</TableCell>
                  <TableCell>Outcome</TableCell>
                  <TableCell>Initiator</TableCell>
                  <TableCell>Commit</TableCell>
                </TableRow>
              </TableHead>
              <TableBody>
                {rollouts.items.map(rollout => (
                  <RolloutRow key={rollout.id} rollout={rollout} />
                ))}
              </TableBody>
            </Table>
          </Box>
        </Box>
        <Box
          display="flex"
          alignItems="center"
          justifyContent="space-between"
          mt={2}
        >
          <Typography variant="body2" color="textSecondary">
            Showing {rollouts.items.length} of {rollouts.totalCount}
          </Typography>
          {rollouts.nextCursor && (
            <Button
              variant="outlined"
              onClick={rollouts.loadMore}
              disabled={rollouts.loadingMore}
            >
              {rollouts.loadingMore ? 'Loading…' : 'Load more'}
            </Button>
          )}
        </Box>
        {rollouts.loadMoreError && (
          <Box mt={1}>
            <Alert severity="error">
              Could not load older rollouts: {rollouts.loadMoreError.message}
            </Alert>
          </Box>
        )}
      </>
    );
  }

  return (
    <InfoCard title="Rollout history" action={filter}>
      {body}
    </InfoCard>
  );
};
