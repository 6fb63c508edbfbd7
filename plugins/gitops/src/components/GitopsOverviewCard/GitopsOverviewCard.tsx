import {
  InfoCard,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import { useApi, useRouteRef } from '@backstage/core-plugin-api';
import {
  MissingAnnotationEmptyState,
  entityRouteParams,
  entityRouteRef,
  useEntity,
} from '@backstage/plugin-catalog-react';
import List from '@material-ui/core/List';
import ListItem from '@material-ui/core/ListItem';
import ListItemIcon from '@material-ui/core/ListItemIcon';
import ListItemText from '@material-ui/core/ListItemText';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import { readableText } from '../shared/contrast';
import ErrorIcon from '@material-ui/icons/Error';
import CheckCircleOutlineIcon from '@material-ui/icons/CheckCircleOutline';
import RemoveCircleOutlineIcon from '@material-ui/icons/RemoveCircleOutline';
import Alert from '@material-ui/lab/Alert';
import {
  GITOPS_ANNOTATIONS,
  isGitopsAvailable,
} from '@gitops2/plugin-gitops-common';
import useAsync from 'react-use/esm/useAsync';
import { gitopsApiRef } from '../../api';
import {
  RelativeTime,
  entityRefPartsOf,
  formatSourceError,
  groupByStage,
} from '../shared';

const useStyles = makeStyles(theme => ({
  version: {
    fontFamily: 'monospace',
    fontWeight: 600,
  },
  icon: {
    minWidth: theme.spacing(4),
  },
  error: {
    color: readableText(
      theme.palette.error.main,
      theme.palette.background.paper,
    ),
  },
  ok: {
    color: readableText(
      theme.palette.success.main,
      theme.palette.background.paper,
    ),
  },
  muted: {
    color: theme.palette.text.secondary,
  },
}));

/** Path of the GitOps tab under the entity page (see the entity content). */
const TAB_PATH = 'gitops';

/**
 * A compact card for the entity overview: each environment with the version
 * it should run and since when.
 *
 * @public
 */
export const GitopsOverviewCard = () => {
  const classes = useStyles();
  const { entity } = useEntity();
  const api = useApi(gitopsApiRef);
  const entityRoute = useRouteRef(entityRouteRef);
  const available = isGitopsAvailable(entity);
  const ref = entityRefPartsOf(entity);

  const status = useAsync(async () => {
    if (!available) return undefined;
    return api.getServiceStatus(ref);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [api, available, ref.kind, ref.namespace, ref.name]);

  const tabLink = `${entityRoute(entityRouteParams(entity)).replace(
    /\/$/,
    '',
  )}/${TAB_PATH}`;

  let content;
  if (!available) {
    content = (
      <MissingAnnotationEmptyState annotation={GITOPS_ANNOTATIONS.repository} />
    );
  } else if (status.loading) {
    content = <Progress />;
  } else if (status.error) {
    content = <ResponseErrorPanel error={status.error} />;
  } else if (status.value) {
    const value = status.value;
    const environments = groupByStage(value).flatMap(s => s.environments);
    content = (
      <>
        {value.pipelineError && (
          <Alert severity="warning">
            The pipeline file is broken:{' '}
            {formatSourceError(value.pipelineError)}
          </Alert>
        )}
        {environments.length === 0 ? (
          <Typography className={classes.muted}>
            Not deployed to any environment.
          </Typography>
        ) : (
          <List dense disablePadding>
            {environments.map(({ environment, desired, error }) => {
              let icon;
              if (error) {
                icon = (
                  <ErrorIcon
                    className={classes.error}
                    fontSize="small"
                    titleAccess={formatSourceError(error)}
                    data-testid="gitops-env-error-icon"
                  />
                );
              } else if (desired) {
                icon = (
                  <CheckCircleOutlineIcon
                    className={classes.ok}
                    fontSize="small"
                  />
                );
              } else {
                icon = (
                  <RemoveCircleOutlineIcon
                    className={classes.muted}
                    fontSize="small"
                  />
                );
              }
              let secondary;
              if (error && !desired) {
                secondary = formatSourceError(error);
              } else if (desired?.lastChange) {
                secondary = (
                  <RelativeTime value={desired.lastChange.committedAt} />
                );
              } else if (!desired) {
                secondary = 'not deployed';
              }
              return (
                <ListItem
                  key={environment.name}
                  disableGutters
                  data-testid={`gitops-overview-env-${environment.name}`}
                >
                  <ListItemIcon className={classes.icon}>{icon}</ListItemIcon>
                  <ListItemText
                    primary={
                      <>
                        {environment.name}
                        {desired && (
                          <>
                            {' '}
                            <span className={classes.version}>
                              {desired.version}
                            </span>
                          </>
                        )}
                      </>
                    }
                    secondary={secondary}
                  />
                </ListItem>
              );
            })}
          </List>
        )}
      </>
    );
  }

  return (
    <InfoCard
      title="GitOps"
      deepLink={
        available ? { title: 'View GitOps tab', link: tabLink } : undefined
      }
    >
      {content}
    </InfoCard>
  );
};
