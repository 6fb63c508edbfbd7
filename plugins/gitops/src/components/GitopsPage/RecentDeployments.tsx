import { ChangeEvent, useEffect, useMemo, useRef, useState } from 'react';
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
import TableRow from '@material-ui/core/TableRow';
import TextField from '@material-ui/core/TextField';
import Typography from '@material-ui/core/Typography';
import Alert from '@material-ui/lab/Alert';
import type { Rollout } from '@gitops2/plugin-gitops-common';
import useAsync from 'react-use/esm/useAsync';
import { gitopsApiRef } from '../../api';
import { RolloutKindChip } from '../GitopsTab/RolloutKindChip';
import { RolloutOutcomeDetail } from '../GitopsTab/RolloutOutcomeDetail';
import { RolloutOutcomeStatus } from '../GitopsTab/RolloutOutcomeStatus';
import { ChangeSummary, RelativeTime, TableHead } from '../shared';

/** Rollouts fetched per page (the API's maximum). */
export const RECENT_LIMIT = 200;

interface OlderPages {
  items: Rollout[];
  nextCursor?: string;
  loading: boolean;
  error?: Error;
}

export type WindowPreset = 'last-2-hours' | 'yesterday' | 'last-7-days';

export const WINDOW_PRESETS: Array<{ value: WindowPreset; label: string }> = [
  { value: 'last-2-hours', label: 'last 2 hours' },
  { value: 'yesterday', label: 'yesterday' },
  { value: 'last-7-days', label: 'last 7 days' },
];

/**
 * The time window of a preset, in the user's time zone: "yesterday" is from
 * midnight to midnight local time.
 */
export function windowOf(
  preset: WindowPreset,
  now: Date = new Date(),
): { since: string; until?: string } {
  switch (preset) {
    case 'last-2-hours':
      return { since: new Date(now.getTime() - 2 * 3600 * 1000).toISOString() };
    case 'yesterday': {
      const today = new Date(now);
      today.setHours(0, 0, 0, 0);
      const yesterday = new Date(today);
      yesterday.setDate(today.getDate() - 1);
      return { since: yesterday.toISOString(), until: today.toISOString() };
    }
    case 'last-7-days':
    default:
      return {
        since: new Date(now.getTime() - 7 * 24 * 3600 * 1000).toISOString(),
      };
  }
}

/**
 * What was deployed where in a time window, across services: "what changed
 * in prod-eu yesterday?", with each rollout's result (verified, failed,
 * rolled back).
 */
export const RecentDeployments = () => {
  const api = useApi(gitopsApiRef);
  const [preset, setPreset] = useState<WindowPreset>('last-7-days');
  const [environment, setEnvironment] = useState('');
  // Environments seen so far, so that the filter keeps its options.
  const seen = useRef(new Set<string>());

  const rollouts = useAsync(async () => {
    // The window is fixed when the first page is asked for, so that older
    // pages continue the same window.
    const query = {
      ...windowOf(preset),
      environment: environment || undefined,
      limit: RECENT_LIMIT,
    };
    return { query, page: await api.listRollouts(query) };
  }, [api, preset, environment]);
  const [older, setOlder] = useState<OlderPages>({
    items: [],
    loading: false,
  });
  useEffect(() => {
    setOlder({ items: [], loading: false });
  }, [rollouts.value]);

  const first = rollouts.value;
  const latest = useRef(first);
  latest.current = first;
  const cursor = older.items.length ? older.nextCursor : first?.page.nextCursor;
  const loadMore = () => {
    if (!first || !cursor || older.loading) return;
    setOlder(o => ({ ...o, loading: true, error: undefined }));
    api.listRollouts({ ...first.query, before: cursor }).then(
      page => {
        // Dropped when the window or environment changed meanwhile.
        if (latest.current !== first) return;
        setOlder(o => ({
          items: [...o.items, ...page.items],
          nextCursor: page.nextCursor,
          loading: false,
        }));
      },
      error => {
        if (latest.current !== first) return;
        setOlder(o => ({ ...o, loading: false, error }));
      },
    );
  };

  first?.page.items.forEach(r => seen.current.add(r.environment));
  const environments = useMemo(
    () => [...seen.current].sort(),
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [rollouts.value],
  );

  const filters = (
    <Box display="flex" gridGap={8}>
      <TextField
        select
        label="Window"
        id="gitops-recent-window"
        value={preset}
        onChange={(e: ChangeEvent<HTMLInputElement>) =>
          setPreset(e.target.value as WindowPreset)
        }
        SelectProps={{ native: true }}
        InputLabelProps={{ shrink: true }}
        variant="outlined"
        size="small"
      >
        {WINDOW_PRESETS.map(p => (
          <option key={p.value} value={p.value}>
            {p.label}
          </option>
        ))}
      </TextField>
      <TextField
        select
        label="Environment"
        id="gitops-recent-environment"
        value={environment}
        onChange={(e: ChangeEvent<HTMLInputElement>) =>
          setEnvironment(e.target.value)
        }
        SelectProps={{ native: true }}
        InputLabelProps={{ shrink: true }}
        variant="outlined"
        size="small"
      >
        <option value="">All environments</option>
        {environments.map(name => (
          <option key={name} value={name}>
            {name}
          </option>
        ))}
      </TextField>
    </Box>
  );

  const label = WINDOW_PRESETS.find(p => p.value === preset)?.label;
  let body;
  if (rollouts.loading) {
    body = <Progress />;
  } else if (rollouts.error) {
    body = <ResponseErrorPanel error={rollouts.error} />;
  } else if (!first || first.page.items.length === 0) {
    body = (
      <EmptyState
        missing="data"
        title="No deployments"
        description={`Nothing was deployed${
          environment ? ` to ${environment}` : ''
        } ${label}.`}
      />
    );
  } else {
    const { totalCount } = first.page;
    const items = [...first.page.items, ...older.items];
    body = (
      <>
        {/* A narrow window scrolls the table, never the page: a grid
            column of minmax(0, 1fr) never grows with the table. */}
        <Box display="grid" gridTemplateColumns="minmax(0, 1fr)">
          <Box overflow="auto">
            <Table size="small" aria-label="Recent deployments">
              <TableHead>
                <TableRow>
                  <TableCell>When</TableCell>
                  <TableCell>Service</TableCell>
                  <TableCell>Environment</TableCell>
                  <TableCell>Version</TableCell>
                  <TableCell>Kind</TableCell>
                  <TableCell>Result</TableCell>
                </TableRow>
              </TableHead>
              <TableBody>
                {items.map(r => (
                  <TableRow
                    key={r.id}
                    data-testid="gitops-recent-row"
                    data-outcome={r.outcome}
                  >
                    <TableCell>
                      <RelativeTime value={r.desiredAt} />
                    </TableCell>
                    <TableCell>{r.service}</TableCell>
                    <TableCell>{r.environment}</TableCell>
                    <TableCell style={{ fontFamily: 'monospace' }}>
                      {r.fromVersion ?? '(none)'} →{' '}
                      <strong>{r.toVersion}</strong>
                      <ChangeSummary changes={r.changes} kind={r.kind} />
                    </TableCell>
                    <TableCell>
                      <RolloutKindChip kind={r.kind} />
                    </TableCell>
                    <TableCell>
                      <RolloutOutcomeStatus outcome={r.outcome} />
                      <RolloutOutcomeDetail detail={r.outcomeDetail} />
                    </TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          </Box>
        </Box>
        <Box
          mt={1}
          display="flex"
          alignItems="center"
          justifyContent="space-between"
        >
          <Typography variant="body2" color="textSecondary">
            {items.length < totalCount
              ? `Showing ${items.length} of ${totalCount}`
              : `${totalCount} deployment${totalCount === 1 ? '' : 's'}`}
          </Typography>
          {cursor && (
            <Button
              variant="outlined"
              onClick={loadMore}
              disabled={older.loading}
            >
              {older.loading ? 'Loading…' : 'Load more'}
            </Button>
          )}
        </Box>
        {older.error && (
          <Box mt={1}>
            <Alert severity="error">
              Could not load older deployments: {older.error.message}
            </Alert>
          </Box>
        )}
      </>
    );
  }

  return (
    <InfoCard title="Recent deployments" action={filters}>
      {body}
    </InfoCard>
  );
};
