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
import { OpenActions, openActions } from './OpenActions';
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
  list: { listStyle: 'none', margin: theme.spacing(0, 0, 1), padding: 0 },
  /** One line per environment: icon, name, version, age. */
  row: {
    display: 'grid',
    gridTemplateColumns: 'auto minmax(0, 8em) minmax(0, 1fr) auto',
    alignItems: 'center',
    columnGap: theme.spacing(1),
    padding: theme.spacing(0.25, 0),
  },
  cell: {
    minWidth: 0,
    overflow: 'hidden',
    textOverflow: 'ellipsis',
    whiteSpace: 'nowrap',
  },
  name: { fontWeight: 500 },
  age: { color: theme.palette.text.secondary, whiteSpace: 'nowrap' },
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
 * A compact card for the entity overview: each environment on one line with
 * the version it should run and since when, then the open promotions and
 * rollbacks with their state.
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
  // The open promotions and rollbacks; the card works without them.
  const actions = useAsync(async () => {
    if (!available) return [];
    return openActions((await api.getActions(ref)).items);
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
    // Not in the pipeline: said once (the tab says what to do), no rows.
    const environments = value.notInPipeline
      ? []
      : groupByStage(value).flatMap(s => s.environments);
    content = (
      <>
        {value.pipelineError && (
          <Alert severity="warning">
            The pipeline file is broken:{' '}
            {formatSourceError(value.pipelineError)}
          </Alert>
        )}
        {value.notInPipeline && (
          <Alert severity="info" data-testid="gitops-overview-not-in-pipeline">
            {value.service} is not in the pipeline of {value.repository.id}: the
            GitOps tab says how to add it.
          </Alert>
        )}
        {environments.length === 0 && !value.notInPipeline && (
          <Typography className={classes.muted}>
            Not deployed to any environment.
          </Typography>
        )}
        {environments.length > 0 && (
          <ul className={classes.list}>
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
                    titleAccess="deployed"
                  />
                );
              } else {
                icon = (
                  <RemoveCircleOutlineIcon
                    className={classes.muted}
                    fontSize="small"
                    titleAccess="not deployed"
                  />
                );
              }
              let detail;
              if (error && !desired) {
                detail = (
                  <span
                    className={`${classes.cell} ${classes.error}`}
                    title={formatSourceError(error)}
                  >
                    {formatSourceError(error)}
                  </span>
                );
              } else if (desired) {
                detail = (
                  <span
                    className={`${classes.cell} ${classes.version}`}
                    title={desired.version}
                  >
                    {desired.version}
                  </span>
                );
              } else {
                detail = (
                  <span className={`${classes.cell} ${classes.muted}`}>
                    not deployed
                  </span>
                );
              }
              return (
                <li
                  key={environment.name}
                  className={classes.row}
                  data-testid={`gitops-overview-env-${environment.name}`}
                >
                  {icon}
                  <span
                    className={`${classes.cell} ${classes.name}`}
                    title={environment.name}
                  >
                    {environment.name}
                  </span>
                  {detail}
                  <span className={classes.age}>
                    {desired?.lastChange && (
                      <RelativeTime value={desired.lastChange.committedAt} />
                    )}
                  </span>
                </li>
              );
            })}
          </ul>
        )}
        {actions.value && <OpenActions actions={actions.value} />}
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
