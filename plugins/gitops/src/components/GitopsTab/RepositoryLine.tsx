import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import Alert from '@material-ui/lab/Alert';
import type { RepositoryState } from '@gitops2/plugin-gitops-common';
import {
  RelativeTime,
  RepositoryLocation,
  adviceFor,
  describeIngestionErrors,
  formatSourceError,
  shortSha,
} from '../shared';

const useStyles = makeStyles(theme => ({
  line: {
    color: theme.palette.text.secondary,
  },
  code: {
    fontFamily: 'monospace',
  },
  alert: {
    marginTop: theme.spacing(1),
  },
}));

/** Where the pipeline comes from and how fresh it is. */
export const RepositoryLine = (props: { repository: RepositoryState }) => {
  const { repository } = props;
  const classes = useStyles();
  const skipped = describeIngestionErrors(repository);
  return (
    <div data-testid="gitops-repository">
      <Typography variant="body2" className={classes.line}>
        GitOps repository <strong>{repository.id}</strong>{' '}
        <RepositoryLocation repository={repository} />, branch{' '}
        <span className={classes.code}>{repository.branch}</span>
        {' · '}
        {repository.lastCommitSha ? (
          <>
            last ingested commit{' '}
            <span className={classes.code}>
              {shortSha(repository.lastCommitSha)}
            </span>
            {repository.lastIngestedAt && (
              <>
                {' '}
                (<RelativeTime value={repository.lastIngestedAt} />)
              </>
            )}
          </>
        ) : (
          'not ingested yet'
        )}
      </Typography>
      {repository.error && (
        <Alert
          severity="warning"
          className={classes.alert}
          data-testid="gitops-ingestion-failed"
        >
          The last ingestion failed: {formatSourceError(repository.error)}
          {adviceFor(repository.error.message) && (
            <> {adviceFor(repository.error.message)}</>
          )}
        </Alert>
      )}
      {skipped && (
        <Alert
          severity="warning"
          className={classes.alert}
          data-testid="gitops-ingestion-errors"
        >
          {skipped}
        </Alert>
      )}
    </div>
  );
};
