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
import useAsync from 'react-use/esm/useAsync';
import { gitopsApiRef } from '../../api';
import { entityRefPartsOf, groupByStage } from '../shared';
import { PipelineErrorBanner } from './PipelineErrorBanner';
import { PipelineView } from './PipelineView';
import { RepositoryLine } from './RepositoryLine';
import { RolloutHistory } from './RolloutHistory';

/**
 * The GitOps tab of an entity: the promotion pipeline with the version each
 * environment should run, and the rollout history.
 *
 * @public
 */
export const GitopsTab = () => {
  const { entity } = useEntity();
  const api = useApi(gitopsApiRef);
  const available = isGitopsAvailable(entity);
  const ref = entityRefPartsOf(entity);

  const status = useAsync(async () => {
    if (!available) return undefined;
    return api.getServiceStatus(ref);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [api, available, ref.kind, ref.namespace, ref.name]);

  if (!available) {
    return (
      <MissingAnnotationEmptyState annotation={GITOPS_ANNOTATIONS.repository} />
    );
  }

  let pipeline;
  if (status.loading) {
    pipeline = <Progress />;
  } else if (status.error) {
    pipeline = <ResponseErrorPanel error={status.error} />;
  } else if (status.value) {
    const value = status.value;
    pipeline = (
      <>
        {value.pipelineError && (
          <Box mb={2}>
            <PipelineErrorBanner
              error={value.pipelineError}
              hasLastGoodPipeline={value.pipeline !== null}
            />
          </Box>
        )}
        <InfoCard title="Pipeline" subheader={value.pipeline?.name}>
          <Box mb={2}>
            <RepositoryLine repository={value.repository} />
          </Box>
          <PipelineView status={value} entity={ref} />
        </InfoCard>
      </>
    );
  }

  const environments = status.value
    ? groupByStage(status.value).flatMap(stage =>
        stage.environments.map(env => env.environment.name),
      )
    : [];

  return (
    <Grid container spacing={3} direction="column">
      <Grid item>{pipeline}</Grid>
      <Grid item>
        <RolloutHistory entity={ref} environments={environments} />
      </Grid>
    </Grid>
  );
};
