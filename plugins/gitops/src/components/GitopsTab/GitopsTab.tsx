import {
  InfoCard,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import {
  MissingAnnotationEmptyState,
  useEntity,
} from '@backstage/plugin-catalog-react';
import Grid from '@material-ui/core/Grid';
import Box from '@material-ui/core/Box';
import {
  GITOPS_ANNOTATIONS,
  isGitopsAvailable,
} from '@gitops2/plugin-gitops-common';
import { useEffect, useState } from 'react';
import { gitopsApiRef } from '../../api';
import { changeKeysOf } from '../../api/useGitopsChanges';
import Alert from '@material-ui/lab/Alert';
import {
  LiveActionsContext,
  backendMessage,
  useCurrentUser,
} from '../promotion';
import { entityRefPartsOf, groupByStage, useRefreshableAsync } from '../shared';
import { DeliveryMetrics } from '../DeliveryMetrics';
import {
  ClusterProblems,
  EnvironmentCompare,
  clusterProblems,
  useServiceLive,
} from '../live';
import { PipelineErrorBanner } from './PipelineErrorBanner';
import { PipelineView } from './PipelineView';
import { PromotionsSection } from './PromotionsSection';
import { RepositoryLine } from './RepositoryLine';
import { RolloutHistory } from './RolloutHistory';
import { ServiceNotInPipeline } from './ServiceNotInPipeline';
import { usePromotionState } from './usePromotionState';

/**
 * The GitOps tab of an entity: the promotion pipeline with the version each
 * environment should run (with promote, roll back and holds), the
 * promotions and rollbacks, and the rollout history. After any action, the
 * status, rollouts, actions and holds are refetched.
 *
 * @public
 */
export const GitopsTab = () => {
  const { entity } = useEntity();
  const api = useApi(gitopsApiRef);
  const available = isGitopsAvailable(entity);
  const ref = entityRefPartsOf(entity);

  // The backend's change signals of this service refetch the tab: the
  // service's opaque change keys come with its status.
  const [changeKeys, setChangeKeys] = useState<string>();
  const promotion = usePromotionState(
    api,
    ref,
    available,
    changeKeys?.split(','),
  );
  const currentUser = useCurrentUser();
  const { gitKey, actionKey, refresh } = promotion;

  const status = useRefreshableAsync(
    async () => {
      if (!available) return undefined;
      return api.getServiceStatus(ref);
    },
    `${ref.kind}/${ref.namespace}/${ref.name}/${available}`,
    [api, gitKey, actionKey],
  );
  const keysOfStatus = changeKeysOf(status.value)?.join(',');
  useEffect(() => setChangeKeys(keysOfStatus), [keysOfStatus]);

  // What the clusters run, from our backend: refetched on the service's
  // change signals, polled every 60 s while live updates are not connected.
  const live = useServiceLive(api, ref, available, status.value);

  if (!available) {
    return (
      <MissingAnnotationEmptyState annotation={GITOPS_ANNOTATIONS.repository} />
    );
  }

  let pipeline;
  if (status.loading && !status.value) {
    pipeline = <Progress />;
  } else if (status.error && !status.value) {
    pipeline = <ResponseErrorPanel error={status.error} />;
  } else if (status.value) {
    const value = status.value;
    pipeline = (
      <>
        {status.error && (
          <Box mb={2}>
            <Alert severity="warning" data-testid="gitops-refresh-error">
              Could not refresh the pipeline, showing what was loaded before:{' '}
              {backendMessage(status.error)}
            </Alert>
          </Box>
        )}
        {value.pipelineError && (
          <Box mb={2}>
            <PipelineErrorBanner
              error={value.pipelineError}
              hasLastGoodPipeline={value.pipeline !== null}
              repositoryId={value.repository.id}
              branch={value.repository.branch}
            />
          </Box>
        )}
        <InfoCard title="Pipeline" subheader={value.pipeline?.name}>
          <Box mb={2}>
            <RepositoryLine repository={value.repository} />
          </Box>
          <ClusterProblems
            problems={clusterProblems(
              [...live.byEnvironment.values()].map(l => l.connection),
            )}
          />
          {value.notInPipeline && <ServiceNotInPipeline status={value} />}
          {!value.notInPipeline &&
            !(value.pipelineError && !value.pipeline) && (
              <PipelineView
                status={value}
                entity={ref}
                holds={promotion.holds.value?.items}
                onChanged={refresh}
                live={live}
              />
            )}
        </InfoCard>
      </>
    );
  }

  const environments = status.value
    ? groupByStage(status.value).flatMap(stage =>
        stage.environments.map(env => env.environment.name),
      )
    : [];

  // Delivery metrics open on the last stage's first environment (production).
  const stages = status.value ? groupByStage(status.value) : [];
  const metricsEnvironment =
    stages[stages.length - 1]?.environments[0]?.environment.name;

  return (
    <LiveActionsContext.Provider value={promotion.actions.value?.items}>
      <Grid container spacing={3} direction="column">
        <Grid item>{pipeline}</Grid>
        {status.value && (
          <Grid item>
            <EnvironmentCompare status={status.value} live={live} />
          </Grid>
        )}
        <Grid item>
          <PromotionsSection
            actions={promotion.actions}
            currentUser={currentUser}
            onChanged={refresh}
          />
        </Grid>
        <Grid item>
          <RolloutHistory
            entity={ref}
            environments={environments}
            refreshKey={gitKey}
          />
        </Grid>
        <Grid item>
          <DeliveryMetrics
            entity={ref}
            environments={environments}
            defaultEnvironment={metricsEnvironment}
            refreshKey={gitKey}
          />
        </Grid>
      </Grid>
    </LiveActionsContext.Provider>
  );
};
