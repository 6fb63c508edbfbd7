import { useState } from 'react';
import { Link } from '@backstage/core-components';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import Card from '@material-ui/core/Card';
import CardContent from '@material-ui/core/CardContent';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import Alert from '@material-ui/lab/Alert';
import type {
  EntityRefParts,
  EnvironmentStatus,
  Hold,
} from '@gitops2/plugin-gitops-common';
import { HoldBanner, PromoteDialog, RollbackDialog } from '../promotion';
import {
  CommitLink,
  RelativeTime,
  formatFileLocation,
  formatSourceError,
} from '../shared';
import { LiveStatusSection, type LiveView } from '../live';
import { PendingChanges } from './PendingChanges';

const useStyles = makeStyles(theme => ({
  card: {
    minWidth: 0,
  },
  /** Long values (names, URLs, paths) end in "…", in full on hover. */
  ellipsis: {
    overflow: 'hidden',
    textOverflow: 'ellipsis',
    whiteSpace: 'nowrap',
  },
  error: {
    borderColor: theme.palette.error.main,
  },
  version: {
    fontFamily: 'monospace',
    fontSize: '1.1rem',
    fontWeight: 600,
    margin: theme.spacing(1, 0),
    overflow: 'hidden',
    textOverflow: 'ellipsis',
    whiteSpace: 'nowrap',
  },
  muted: {
    color: theme.palette.text.secondary,
  },
  /** A name is never broken inside (release-manager): whole, or "…". */
  author: {
    display: 'inline-block',
    maxWidth: '100%',
    verticalAlign: 'bottom',
    overflow: 'hidden',
    textOverflow: 'ellipsis',
    whiteSpace: 'nowrap',
  },
  file: {
    fontFamily: 'monospace',
    fontSize: '0.75rem',
    color: theme.palette.text.secondary,
    overflow: 'hidden',
    textOverflow: 'ellipsis',
    whiteSpace: 'nowrap',
  },
  content: {
    overflowWrap: 'break-word',
  },
  alert: {
    marginTop: theme.spacing(1),
    wordBreak: 'break-word',
  },
}));

/**
 * One environment of the pipeline: what Git says it should run, and what is
 * pending for the next environment (when there is one).
 */
export const EnvironmentCard = (props: {
  status: EnvironmentStatus;
  /** The entity; needed to tell what is pending. */
  entity?: EntityRefParts;
  /** The first environment of the next stage, if any. */
  next?: string;
  /** Active holds of this environment. */
  holds?: Hold[];
  /**
   * After a promotion, rollback, merge or lifted hold: refetch what the tab
   * shows. Without it, the card offers no actions.
   */
  onChanged?(): void;
  /** What the clusters run (the tab polls it); without it, no live section. */
  live?: LiveView;
  /**
   * Called when what is pending is unknown for want of a source repository:
   * the page says it once instead of every card.
   */
  onNoSource?(message: string): void;
}) => {
  const { environment, desired, error } = props.status;
  const classes = useStyles();
  const [dialog, setDialog] = useState<'promote' | 'rollback'>();
  const { entity, next, onChanged } = props;
  const canPromote = Boolean(entity && next && desired && onChanged);
  const canRollBack = Boolean(entity && desired && onChanged);
  const place = [environment.cluster, environment.namespace]
    .filter(Boolean)
    .join(' / ');

  return (
    <Card
      variant="outlined"
      className={`${classes.card} ${error ? classes.error : ''}`}
      data-testid={`gitops-env-${environment.name}`}
    >
      <CardContent className={classes.content}>
        <Typography
          variant="h6"
          component="h4"
          className={classes.ellipsis}
          title={environment.name}
        >
          {environment.name}
        </Typography>
        {place && (
          <Typography
            variant="body2"
            className={`${classes.muted} ${classes.ellipsis}`}
            title={place}
          >
            {place}
          </Typography>
        )}
        {environment.url && (
          <Typography
            variant="body2"
            className={classes.ellipsis}
            title={environment.url}
          >
            <Link to={environment.url}>{environment.url}</Link>
          </Typography>
        )}

        {desired && (
          <>
            <Typography
              className={classes.version}
              data-testid="gitops-env-version"
              title={desired.version}
            >
              {desired.version}
            </Typography>
            {desired.lastChange && (
              <Typography variant="body2" className={classes.muted}>
                changed <RelativeTime value={desired.lastChange.committedAt} />{' '}
                by{' '}
                <span
                  className={classes.author}
                  title={desired.lastChange.authorName}
                >
                  {desired.lastChange.authorName}
                </span>{' '}
                in <CommitLink commit={desired.lastChange} />
              </Typography>
            )}
            <Typography
              className={classes.file}
              title={`Manifest file: ${formatFileLocation(
                desired.file,
                desired.line,
              )}`}
            >
              {formatFileLocation(desired.file, desired.line)}
            </Typography>
          </>
        )}

        {!desired && !error && (
          <Typography
            className={`${classes.version} ${classes.muted}`}
            component="p"
          >
            not deployed
          </Typography>
        )}

        {error && (
          <Alert severity="error" className={classes.alert}>
            {formatSourceError(error)}
          </Alert>
        )}

        {props.live && (
          <LiveStatusSection
            live={props.live.byEnvironment.get(environment.name)}
            error={props.live.error}
            loading={props.live.loading}
            behind={props.live.behind.get(environment.name)}
          />
        )}

        {(props.holds ?? []).map(hold => (
          <HoldBanner
            key={hold.id}
            hold={hold}
            onLifted={() => onChanged?.()}
          />
        ))}

        {props.entity && props.next && (
          <PendingChanges
            entity={props.entity}
            from={environment.name}
            to={props.next}
            onNoSource={props.onNoSource}
          />
        )}

        {(canPromote || canRollBack) && (
          <Box mt={1} display="flex" flexWrap="wrap" style={{ gap: 8 }}>
            {canPromote && (
              <Button
                size="small"
                variant="outlined"
                color="primary"
                onClick={() => setDialog('promote')}
                data-testid="gitops-env-promote"
              >
                Promote
              </Button>
            )}
            {canRollBack && (
              <Button
                size="small"
                variant="outlined"
                onClick={() => setDialog('rollback')}
                data-testid="gitops-env-rollback"
              >
                Roll back
              </Button>
            )}
          </Box>
        )}
        {dialog === 'promote' && entity && next && (
          <PromoteDialog
            entity={entity}
            source={environment.name}
            next={next}
            onClose={() => setDialog(undefined)}
            onChanged={() => onChanged?.()}
          />
        )}
        {dialog === 'rollback' && entity && (
          <RollbackDialog
            entity={entity}
            environment={environment.name}
            currentVersion={desired?.version}
            onClose={() => setDialog(undefined)}
            onChanged={() => onChanged?.()}
          />
        )}
      </CardContent>
    </Card>
  );
};
