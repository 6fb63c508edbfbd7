import Avatar from '@material-ui/core/Avatar';
import Chip from '@material-ui/core/Chip';
import Tooltip from '@material-ui/core/Tooltip';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import { filled } from './contrast';
import type {
  ChangeSummarySide,
  RolloutChangeSummary,
} from '@gitops2/plugin-gitops-common';

const useStyles = makeStyles(theme => ({
  line: {
    display: 'flex',
    flexWrap: 'wrap',
    alignItems: 'center',
    gap: theme.spacing(0.5),
    marginTop: theme.spacing(0.5),
    minWidth: 0,
    flexBasis: '100%',
  },
  chip: {
    maxWidth: 180,
    height: 22,
  },
  avatar: {
    width: 22,
    height: 22,
    fontSize: '0.65rem',
    ...filled(theme.palette.grey[700]),
  },
  muted: {
    color: theme.palette.text.secondary,
  },
}));

/** "AL" for "Ada Lovelace", "G" for "grace". */
export function initialsOf(name: string): string {
  const words = name
    .replace(/[<(].*$/, '')
    .split(/[\s._-]+/)
    .filter(Boolean);
  const letters =
    words.length > 1
      ? `${words[0][0]}${words[words.length - 1][0]}`
      : (words[0] ?? '?').slice(0, 1);
  return letters.toUpperCase();
}

const more = (shown: number, total: number) =>
  total > shown ? ` +${total - shown}` : '';

/** The side a history row shows: what a rollback removed, else what was added. */
export function sideOf(
  changes: RolloutChangeSummary,
  kind: string,
): { side: ChangeSummarySide; removed: boolean } {
  const removed =
    kind === 'rollback' ||
    (changes.added.commits === 0 && changes.removed.commits > 0);
  return { side: removed ? changes.removed : changes.added, removed };
}

/**
 * What a rollout carried, on one line of a history row: issue keys and pull
 * requests (the first few, then "+N"), the number of commits, the authors'
 * initials. A rollback shows what it removed. Nothing before correlation.
 */
export const ChangeSummary = (props: {
  changes?: RolloutChangeSummary;
  kind: string;
}) => {
  const classes = useStyles();
  const { changes } = props;
  if (!changes || changes.status !== 'resolved') return null;
  const { side, removed } = sideOf(changes, props.kind);
  if (side.commits === 0) return null;
  const moreRefs =
    side.issueKeyCount -
    side.issueKeys.length +
    (side.pullRequestCount - side.pullRequests.length);
  return (
    <div className={classes.line} data-testid="gitops-change-summary">
      {removed && (
        <Typography variant="caption" component="span">
          removed:
        </Typography>
      )}
      {side.issueKeys.map(key => (
        <Chip
          key={key}
          size="small"
          variant="outlined"
          label={key}
          className={classes.chip}
        />
      ))}
      {side.pullRequests.map(pr => {
        const label = pr.title ? `#${pr.number} ${pr.title}` : `#${pr.number}`;
        return (
          <Tooltip key={pr.number} title={label}>
            <Chip size="small" label={label} className={classes.chip} />
          </Tooltip>
        );
      })}
      {moreRefs > 0 && (
        <Typography
          variant="caption"
          component="span"
          className={classes.muted}
          title={`${side.issueKeyCount} issue keys and ${side.pullRequestCount} pull requests in all: expand the row for the full change set`}
        >
          +{moreRefs}
        </Typography>
      )}
      <Typography variant="caption" component="span" className={classes.muted}>
        {side.commits} commit{side.commits === 1 ? '' : 's'}
      </Typography>
      {side.authors.map(author => (
        <Tooltip key={author} title={author}>
          <Avatar className={classes.avatar} aria-label={author}>
            {initialsOf(author)}
          </Avatar>
        </Tooltip>
      ))}
      {side.authorCount > side.authors.length && (
        <Typography
          variant="caption"
          component="span"
          className={classes.muted}
          title={`${side.authorCount} authors in all`}
        >
          {more(side.authors.length, side.authorCount).trim()}
        </Typography>
      )}
    </div>
  );
};
