import { Link } from '@backstage/core-components';
import {
  StatusError,
  StatusOK,
  StatusPending,
  StatusWarning,
} from '@backstage/core-components';
import Box from '@material-ui/core/Box';
import Chip from '@material-ui/core/Chip';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import { readableText } from './contrast';
import Alert from '@material-ui/lab/Alert';
import type {
  ChangeSet,
  ChecksSummary,
  IssueRef,
  PullRequestRef,
  SourceCommit,
} from '@gitops2/plugin-gitops-common';
import { RelativeTime } from './RelativeTime';
import { shortSha } from './format';
import { adviceFor } from './advice';

const useStyles = makeStyles(theme => ({
  section: {
    marginTop: theme.spacing(1.5),
  },
  label: {
    color: theme.palette.text.secondary,
    marginRight: theme.spacing(1),
  },
  chips: {
    display: 'flex',
    flexWrap: 'wrap',
    alignItems: 'center',
    gap: theme.spacing(0.5),
  },
  removedChip: {
    borderColor: theme.palette.warning.main,
    color: readableText(
      theme.palette.warning.dark,
      theme.palette.background.paper,
    ),
    textDecoration: 'line-through',
  },
  commits: {
    listStyle: 'none',
    margin: 0,
    padding: 0,
  },
  commit: {
    display: 'flex',
    alignItems: 'baseline',
    flexWrap: 'wrap',
    gap: theme.spacing(1),
    padding: theme.spacing(0.25, 0),
  },
  sha: {
    fontFamily: 'monospace',
  },
  muted: {
    color: theme.palette.text.secondary,
  },
  removed: {
    borderLeft: `3px solid ${theme.palette.warning.main}`,
    paddingLeft: theme.spacing(1),
  },
  removedTitle: {
    color: readableText(
      theme.palette.warning.dark,
      theme.palette.background.paper,
    ),
    fontWeight: 600,
  },
  checks: {
    display: 'flex',
    flexWrap: 'wrap',
    gap: theme.spacing(2),
  },
}));

/** Who wrote what, compact: `a1b2c3d subject — author, 3 hours ago`. */
export const CommitList = (props: { commits: SourceCommit[] }) => {
  const classes = useStyles();
  return (
    <ul className={classes.commits}>
      {props.commits.map(commit => (
        <li key={commit.sha} className={classes.commit}>
          {commit.url ? (
            <Link to={commit.url} className={classes.sha}>
              {shortSha(commit.sha)}
            </Link>
          ) : (
            <code className={classes.sha}>{shortSha(commit.sha)}</code>
          )}
          <Typography variant="body2" component="span">
            {commit.subject}
          </Typography>
          <Typography
            variant="caption"
            component="span"
            className={classes.muted}
          >
            {commit.authorName}, <RelativeTime value={commit.committedAt} />
          </Typography>
        </li>
      ))}
    </ul>
  );
};

/** Issue keys as chips (links when the key has a URL). */
export const IssueChips = (props: {
  issues: IssueRef[];
  /** Keys carried only by removed commits: shown struck through. */
  removedKeys?: Set<string>;
}) => {
  const classes = useStyles();
  return (
    <>
      {props.issues.map(issue => {
        const removed = props.removedKeys?.has(issue.key) ?? false;
        const common = {
          size: 'small' as const,
          variant: 'outlined' as const,
          label: issue.key,
          title: removed ? `${issue.key} (removed)` : issue.key,
          className: removed ? classes.removedChip : undefined,
          'data-testid': 'gitops-change-set-issue',
        };
        return issue.url ? (
          <Chip
            key={issue.key}
            {...common}
            clickable
            component="a"
            role="link"
            href={issue.url}
            target="_blank"
            rel="noopener noreferrer"
          />
        ) : (
          <Chip key={issue.key} {...common} />
        );
      })}
    </>
  );
};

/** Pull requests as `#142 title` links. */
export const PullRequestLinks = (props: {
  pullRequests: PullRequestRef[];
  removedNumbers?: Set<number>;
}) => {
  const classes = useStyles();
  return (
    <>
      {props.pullRequests.map(pr => {
        const removed = props.removedNumbers?.has(pr.number) ?? false;
        const text = `#${pr.number}${pr.title ? ` ${pr.title}` : ''}${
          removed ? ' (removed)' : ''
        }`;
        return (
          <Typography
            key={pr.number}
            variant="body2"
            component="span"
            data-testid="gitops-change-set-pr"
            className={removed ? classes.removedTitle : undefined}
          >
            {pr.url ? (
              <Link to={pr.url} title={pr.branch}>
                {text}
              </Link>
            ) : (
              <span title={pr.branch}>{text}</span>
            )}
          </Typography>
        );
      })}
    </>
  );
};

const conclusionStatus = (
  conclusion: ChecksSummary['items'][number]['conclusion'],
  name: string,
) => {
  switch (conclusion) {
    case 'success':
      return <StatusOK>{name}</StatusOK>;
    case 'failure':
      return <StatusError>{name}</StatusError>;
    case 'pending':
      return <StatusPending>{name}</StatusPending>;
    default:
      return <StatusWarning>{`${name} (${conclusion})`}</StatusWarning>;
  }
};

/** CI results of a version: counts, then each check. */
export const ChecksLine = (props: { checks: ChecksSummary }) => {
  const classes = useStyles();
  const { checks } = props;
  return (
    <div data-testid="gitops-change-set-checks">
      <Typography variant="body2">
        <span className={classes.label}>CI checks</span>
        {checks.passed} passed, {checks.failed} failed, {checks.pending} pending
        (of {checks.total})
      </Typography>
      <div className={classes.checks}>
        {checks.items.map(item => (
          <Typography key={item.name} variant="body2" component="span">
            {item.url ? (
              <Link to={item.url}>
                {conclusionStatus(item.conclusion, item.name)}
              </Link>
            ) : (
              conclusionStatus(item.conclusion, item.name)
            )}
          </Typography>
        ))}
      </div>
    </div>
  );
};

const STATUS_TEXT: Record<string, string> = {
  pending: 'the change set is not computed yet',
  unmapped: 'a version could not be mapped to a source commit',
  'unknown-commit': 'a commit is not in the source repository',
  'no-source': 'the service has no source repository',
};

function plural(n: number, word: string) {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/**
 * What a rollout (or a promotion to come) carries: added and removed
 * commits, pull requests, issue keys, authors and CI checks.
 */
export const ChangeSetView = (props: {
  changeSet: Omit<ChangeSet, 'rolloutId'>;
  /** data-testid of the panel; `gitops-change-set` by default. */
  testId?: string;
}) => {
  const classes = useStyles();
  const { changeSet } = props;
  const addedKeys = new Set(changeSet.added.flatMap(c => c.issueKeys));
  const removedKeys = new Set(
    changeSet.removed
      .flatMap(c => c.issueKeys)
      .filter(key => !addedKeys.has(key)),
  );
  const addedPrs = new Set(changeSet.added.flatMap(c => c.pullRequests));
  const removedPrs = new Set(
    changeSet.removed
      .flatMap(c => c.pullRequests)
      .filter(n => !addedPrs.has(n)),
  );

  return (
    <div data-testid={props.testId ?? 'gitops-change-set'}>
      {changeSet.status !== 'resolved' && (
        <Alert
          severity={changeSet.status === 'pending' ? 'info' : 'warning'}
          data-testid="gitops-change-set-status"
        >
          {changeSet.status}:{' '}
          {changeSet.message ?? STATUS_TEXT[changeSet.status] ?? ''}
          {changeSet.message && adviceFor(changeSet.message) && (
            <> {adviceFor(changeSet.message)}</>
          )}
        </Alert>
      )}

      {changeSet.status === 'resolved' && changeSet.message && (
        <Typography variant="body2" className={classes.muted}>
          {changeSet.message}
        </Typography>
      )}

      {changeSet.sourceRepository && (
        <Typography variant="body2" className={classes.muted}>
          {changeSet.sourceRepository}
          {changeSet.fromCommit && changeSet.toCommit && (
            <>
              {' '}
              <code>
                {shortSha(changeSet.fromCommit)}…{shortSha(changeSet.toCommit)}
              </code>
            </>
          )}
        </Typography>
      )}

      {changeSet.issueKeys.length > 0 && (
        <Box className={`${classes.section} ${classes.chips}`}>
          <Typography
            variant="body2"
            component="span"
            className={classes.label}
          >
            Issues
          </Typography>
          <IssueChips issues={changeSet.issueKeys} removedKeys={removedKeys} />
        </Box>
      )}

      {changeSet.pullRequests.length > 0 && (
        <Box className={`${classes.section} ${classes.chips}`}>
          <Typography
            variant="body2"
            component="span"
            className={classes.label}
          >
            Pull requests
          </Typography>
          <PullRequestLinks
            pullRequests={changeSet.pullRequests}
            removedNumbers={removedPrs}
          />
        </Box>
      )}

      {changeSet.authors.length > 0 && (
        <Typography variant="body2" className={classes.section}>
          <span className={classes.label}>Authors</span>
          {changeSet.authors.join(', ')}
        </Typography>
      )}

      {changeSet.checks && (
        <Box className={classes.section}>
          <ChecksLine checks={changeSet.checks} />
        </Box>
      )}

      {changeSet.added.length > 0 && (
        <Box className={classes.section} data-testid="gitops-change-set-added">
          <Typography variant="body2" className={classes.label}>
            Added: {plural(changeSet.added.length, 'commit')}
          </Typography>
          <CommitList commits={changeSet.added} />
        </Box>
      )}

      {changeSet.removed.length > 0 && (
        <Box
          className={`${classes.section} ${classes.removed}`}
          data-testid="gitops-change-set-removed"
        >
          <Typography variant="body2" className={classes.removedTitle}>
            Removed: {plural(changeSet.removed.length, 'commit')}
          </Typography>
          <CommitList commits={changeSet.removed} />
        </Box>
      )}

      {changeSet.status === 'resolved' &&
        changeSet.added.length === 0 &&
        changeSet.removed.length === 0 && (
          <Typography variant="body2" className={classes.muted}>
            No source commits between these versions.
          </Typography>
        )}
    </div>
  );
};
