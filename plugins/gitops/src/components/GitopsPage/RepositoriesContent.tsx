import { useCallback, useState } from 'react';
import {
  EmptyState,
  InfoCard,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import Snackbar from '@material-ui/core/Snackbar';
import Table from '@material-ui/core/Table';
import TableBody from '@material-ui/core/TableBody';
import TableCell from '@material-ui/core/TableCell';
import TableRow from '@material-ui/core/TableRow';
import Alert from '@material-ui/lab/Alert';
import type { RepositoryState } from '@gitops2/plugin-gitops-common';
import useAsync from 'react-use/esm/useAsync';
import { gitopsApiRef } from '../../api';
import { formatSourceError, TableHead } from '../shared';
import { RepositoryRow } from './RepositoryRow';

interface Notice {
  severity: 'success' | 'warning' | 'error';
  message: string;
}

/**
 * The configured GitOps repositories with their ingestion state, and a way
 * to ingest one now.
 *
 * @public
 */
export const RepositoriesContent = () => {
  const api = useApi(gitopsApiRef);
  const repositories = useAsync(() => api.getRepositories(), [api]);
  const [updated, setUpdated] = useState<Record<string, RepositoryState>>({});
  const [refreshing, setRefreshing] = useState<Record<string, boolean>>({});
  const [notice, setNotice] = useState<Notice>();

  const refresh = useCallback(
    async (id: string) => {
      setRefreshing(r => ({ ...r, [id]: true }));
      try {
        const state = await api.refreshRepository(id);
        setUpdated(u => ({ ...u, [id]: state }));
        setNotice(
          state.error
            ? {
                severity: 'warning',
                message: `Refreshed ${id}, but ingestion failed: ${formatSourceError(
                  state.error,
                )}`,
              }
            : { severity: 'success', message: `Refreshed ${id}` },
        );
      } catch (e) {
        setNotice({
          severity: 'error',
          message: `Could not refresh ${id}: ${
            e instanceof Error ? e.message : String(e)
          }`,
        });
      } finally {
        setRefreshing(r => ({ ...r, [id]: false }));
      }
    },
    [api],
  );

  if (repositories.loading) {
    return <Progress />;
  }
  if (repositories.error) {
    return <ResponseErrorPanel error={repositories.error} />;
  }
  const items = (repositories.value?.items ?? []).map(r => updated[r.id] ?? r);
  if (items.length === 0) {
    return (
      <EmptyState
        missing="info"
        title="No GitOps repositories"
        description="Add repositories under gitops.repositories in app-config to see them here."
      />
    );
  }

  return (
    <>
      <InfoCard title="GitOps repositories" noPadding>
        <Table size="small" aria-label="GitOps repositories">
          <TableHead>
            <TableRow>
              <TableCell>Id</TableCell>
              <TableCell>Provider</TableCell>
              <TableCell>Location</TableCell>
              <TableCell>Branch</TableCell>
              <TableCell>Pipeline file</TableCell>
              <TableCell>Last commit</TableCell>
              <TableCell>Last ingested</TableCell>
              <TableCell>State</TableCell>
              <TableCell />
            </TableRow>
          </TableHead>
          <TableBody>
            {items.map(repository => (
              <RepositoryRow
                key={repository.id}
                repository={repository}
                refreshing={Boolean(refreshing[repository.id])}
                onRefresh={refresh}
              />
            ))}
          </TableBody>
        </Table>
      </InfoCard>
      <Snackbar
        open={Boolean(notice)}
        autoHideDuration={notice?.severity === 'success' ? 6000 : null}
        onClose={(_event, reason) => {
          if (reason !== 'clickaway') setNotice(undefined);
        }}
        anchorOrigin={{ vertical: 'bottom', horizontal: 'center' }}
      >
        {notice ? (
          <Alert
            severity={notice.severity}
            onClose={() => setNotice(undefined)}
            data-testid="gitops-refresh-notice"
          >
            {notice.message}
          </Alert>
        ) : (
          <span />
        )}
      </Snackbar>
    </>
  );
};
