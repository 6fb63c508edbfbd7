import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import type { ManifestChange } from '@gitops2/plugin-gitops-common';

const useStyles = makeStyles(theme => ({
  file: {
    fontFamily: 'monospace',
    fontSize: '0.8rem',
    marginTop: theme.spacing(1),
    wordBreak: 'break-all',
  },
  pre: {
    fontFamily: 'monospace',
    fontSize: '0.8rem',
    lineHeight: 1.5,
    margin: theme.spacing(0.5, 0, 1),
    padding: theme.spacing(1),
    overflowX: 'auto',
    backgroundColor: theme.palette.background.default,
    border: `1px solid ${theme.palette.divider}`,
    borderRadius: theme.shape.borderRadius,
  },
  line: {
    display: 'block',
    whiteSpace: 'pre',
  },
  added: {
    color: theme.palette.success?.dark ?? '#1b5e20',
    backgroundColor: 'rgba(46, 160, 67, 0.15)',
  },
  removed: {
    color: theme.palette.error.dark,
    backgroundColor: 'rgba(248, 81, 73, 0.15)',
  },
  hunk: {
    color: theme.palette.info?.main ?? theme.palette.text.secondary,
  },
  meta: {
    color: theme.palette.text.secondary,
  },
}));

/** How a line of a unified diff is shown. */
export function diffLineKind(
  line: string,
): 'added' | 'removed' | 'hunk' | 'meta' | 'context' {
  if (line.startsWith('+++') || line.startsWith('---')) return 'meta';
  if (line.startsWith('@@')) return 'hunk';
  if (line.startsWith('+')) return 'added';
  if (line.startsWith('-')) return 'removed';
  return 'context';
}

/** One unified diff, `+` lines in green and `-` lines in red. */
export const DiffLines = (props: { diff: string }) => {
  const classes = useStyles();
  return (
    <pre className={classes.pre}>
      {props.diff
        .replace(/\n$/, '')
        .split('\n')
        .map((line, i) => {
          const kind = diffLineKind(line);
          const className =
            kind === 'context'
              ? classes.line
              : `${classes.line} ${classes[kind]}`;
          return (
            <code key={i} className={className} data-diff-line={kind}>
              {line || ' '}
            </code>
          );
        })}
    </pre>
  );
};

/**
 * The manifest changes of a promotion or rollback: per file, the version
 * change and its unified diff, `+` lines in green and `-` lines in red.
 */
export const DiffView = (props: { changes: ManifestChange[] }) => {
  const classes = useStyles();
  if (props.changes.length === 0) {
    return (
      <Typography variant="body2" data-testid="gitops-preview-diff">
        No manifest changes: the targets already run this version.
      </Typography>
    );
  }
  return (
    <div data-testid="gitops-preview-diff">
      {props.changes.map(change => (
        <div key={`${change.environment}:${change.file}`}>
          <Typography className={classes.file}>
            {change.environment}: {change.file}
          </Typography>
          <DiffLines diff={change.diff} />
        </div>
      ))}
    </div>
  );
};
