import { useEffect, useState } from 'react';
import Box from '@material-ui/core/Box';
import Collapse from '@material-ui/core/Collapse';
import Link from '@material-ui/core/Link';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import { readableText } from '../shared/contrast';
import type { EntityRefParts } from '@gitops2/plugin-gitops-common';
import { useApi } from '@backstage/core-plugin-api';
import useAsync from 'react-use/esm/useAsync';
import { gitopsApiRef } from '../../api';
import { IssueChips, PullRequestLinks, adviceFor } from '../shared';

const useStyles = makeStyles(theme => ({
  line: {
    marginTop: theme.spacing(1),
    color: theme.palette.text.secondary,
  },
  error: {
    marginTop: theme.spacing(1),
    color: readableText(
      theme.palette.error.main,
      theme.palette.background.paper,
    ),
    wordBreak: 'break-word',
  },
  toggle: {
    verticalAlign: 'baseline',
    textAlign: 'left',
  },
  list: {
    display: 'flex',
    flexDirection: 'column',
    alignItems: 'flex-start',
    gap: theme.spacing(0.5),
    marginTop: theme.spacing(0.5),
  },
  chips: {
    display: 'flex',
    flexWrap: 'wrap',
    gap: theme.spacing(0.5),
  },
}));

function plural(n: number, word: string) {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/**
 * "N commits pending for <next>": what promoting this environment's version
 * into the next environment would bring. Loaded by each card on its own; a
 * failure stays in this card.
 */
export const PendingChanges = (props: {
  entity: EntityRefParts;
  from: string;
  to: string;
  /** Given: a missing source repository is reported there, not in the card. */
  onNoSource?(message: string): void;
}) => {
  const { entity, from, to, onNoSource } = props;
  const { kind, namespace, name } = entity;
  const classes = useStyles();
  const api = useApi(gitopsApiRef);
  const [open, setOpen] = useState(false);
  const pending = useAsync(
    () => api.getPendingChanges({ kind, namespace, name }, from, to),
    [api, kind, namespace, name, from, to],
  );

  const changeSet = pending.value?.changeSet;
  const noSource =
    changeSet?.status === 'no-source' && onNoSource
      ? changeSet.message ?? 'the service has no source repository'
      : undefined;
  useEffect(() => {
    if (noSource) onNoSource?.(noSource);
  }, [noSource, onNoSource]);

  if (pending.loading) {
    return (
      <Typography
        variant="caption"
        component="p"
        className={classes.line}
        data-testid="gitops-env-pending"
      >
        checking what is pending for {to}…
      </Typography>
    );
  }
  if (pending.error) {
    return (
      <Typography
        variant="caption"
        component="p"
        className={classes.error}
        role="alert"
        data-testid="gitops-env-pending"
      >
        Could not tell what is pending for {to}: {pending.error.message}
        {adviceFor(pending.error.message) && (
          <> {adviceFor(pending.error.message)}</>
        )}
      </Typography>
    );
  }
  if (!changeSet || noSource) return null;
  if (changeSet.status !== 'resolved') {
    return (
      <Typography
        variant="caption"
        component="p"
        className={classes.line}
        data-testid="gitops-env-pending"
      >
        pending for {to} unknown ({changeSet.status}
        {changeSet.message ? `: ${changeSet.message}` : ''})
        {changeSet.message && adviceFor(changeSet.message) && (
          <> {adviceFor(changeSet.message)}</>
        )}
      </Typography>
    );
  }
  const count = changeSet.added.length;
  // Keys and PRs of the commits `to` lacks (the change set also lists those
  // of commits `to` has and `from` lacks).
  const addedKeys = new Set(changeSet.added.flatMap(c => c.issueKeys));
  const addedPrs = new Set(changeSet.added.flatMap(c => c.pullRequests));
  const issues = changeSet.issueKeys.filter(i => addedKeys.has(i.key));
  const pullRequests = changeSet.pullRequests.filter(p =>
    addedPrs.has(p.number),
  );
  if (count === 0) {
    return (
      <Typography
        variant="caption"
        component="p"
        className={classes.line}
        data-testid="gitops-env-pending"
      >
        nothing pending for {to}
        {changeSet.removed.length > 0 &&
          ` (${to} has ${plural(changeSet.removed.length, 'commit')} not here)`}
      </Typography>
    );
  }
  return (
    <Box
      className={classes.line}
      data-testid="gitops-env-pending"
      title={changeSet.message}
    >
      <Typography variant="caption" component="p">
        <Link
          component="button"
          variant="caption"
          className={classes.toggle}
          aria-expanded={open}
          onClick={() => setOpen(o => !o)}
        >
          {plural(count, 'commit')} pending for {to}
        </Link>
      </Typography>
      <Collapse in={open}>
        <div className={classes.list}>
          {issues.length > 0 && (
            <div className={classes.chips}>
              <IssueChips issues={issues} />
            </div>
          )}
          <PullRequestLinks pullRequests={pullRequests} />
          {issues.length === 0 && pullRequests.length === 0 && (
            <Typography variant="caption">
              no pull request or issue key in these commits
            </Typography>
          )}
        </div>
      </Collapse>
    </Box>
  );
};
