import {
  StatusError,
  StatusOK,
  StatusPending,
} from '@backstage/core-components';
import Button from '@material-ui/core/Button';
import TableCell from '@material-ui/core/TableCell';
import TableRow from '@material-ui/core/TableRow';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import { readableText } from '../shared/contrast';
import RefreshIcon from '@material-ui/icons/Refresh';
import type { RepositoryState } from '@gitops2/plugin-gitops-common';
import {
  RelativeTime,
  describeIngestionErrors,
  formatSourceError,
  RepositoryLocation,
  shortSha,
} from '../shared';

const useStyles = makeStyles(theme => ({
  code: {
    fontFamily: 'monospace',
    wordBreak: 'break-all',
  },
  skipped: {
    display: 'block',
    color: readableText(
      theme.palette.warning.dark,
      theme.palette.background.paper,
    ),
  },
}));

/** One GitOps repository and its ingestion state. */
export const RepositoryRow = (props: {
  repository: RepositoryState;
  refreshing: boolean;
  onRefresh: (id: string) => void;
}) => {
  const { repository, refreshing, onRefresh } = props;
  const classes = useStyles();
  const skipped = describeIngestionErrors(repository);

  let state;
  if (repository.error) {
    state = <StatusError>{formatSourceError(repository.error)}</StatusError>;
  } else if (repository.lastIngestedAt) {
    state = <StatusOK>ingested</StatusOK>;
  } else {
    state = <StatusPending>not ingested yet</StatusPending>;
  }

  return (
    <TableRow data-testid={`gitops-repository-${repository.id}`}>
      <TableCell>
        <strong>{repository.id}</strong>
      </TableCell>
      <TableCell>{repository.provider}</TableCell>
      <TableCell className={classes.code}>
        <RepositoryLocation repository={repository} />
      </TableCell>
      <TableCell className={classes.code}>{repository.branch}</TableCell>
      <TableCell className={classes.code}>{repository.pipelineFile}</TableCell>
      <TableCell className={classes.code}>
        {repository.lastCommitSha ? shortSha(repository.lastCommitSha) : '—'}
      </TableCell>
      <TableCell>
        {repository.lastIngestedAt ? (
          <RelativeTime value={repository.lastIngestedAt} />
        ) : (
          'never'
        )}
      </TableCell>
      <TableCell>
        {state}
        {skipped && (
          <Typography
            variant="caption"
            className={classes.skipped}
            data-testid="gitops-ingestion-errors"
          >
            {skipped}
          </Typography>
        )}
      </TableCell>
      <TableCell align="right">
        <Button
          variant="outlined"
          size="small"
          startIcon={<RefreshIcon />}
          disabled={refreshing}
          onClick={() => onRefresh(repository.id)}
          aria-label={`Refresh ${repository.id}`}
        >
          {refreshing ? 'Refreshing…' : 'Refresh'}
        </Button>
      </TableCell>
    </TableRow>
  );
};
