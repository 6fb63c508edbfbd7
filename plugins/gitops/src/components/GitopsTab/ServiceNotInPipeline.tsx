import Alert from '@material-ui/lab/Alert';
import AlertTitle from '@material-ui/lab/AlertTitle';
import type { ServiceStatusResponse } from '@gitops2/plugin-gitops-common';
import { GITOPS_ANNOTATIONS } from '@gitops2/plugin-gitops-common';

/**
 * The entity names a GitOps repository whose pipeline has no entry for the
 * service: said once, with what to do, instead of the same error on every
 * environment's card.
 */
export const ServiceNotInPipeline = (props: {
  status: ServiceStatusResponse;
}) => {
  const { service, repository } = props.status;
  return (
    <Alert severity="info" data-testid="gitops-not-in-pipeline">
      <AlertTitle>
        {service} is not in the pipeline of {repository.id}
      </AlertTitle>
      The pipeline file {repository.pipelineFile} has no entry for “{service}”
      under spec.services, so the portal cannot tell what runs where. Add it
      there with the path of its manifests and a locator (see the pipeline
      documentation, docs/pipeline.md), or, if it is listed under another name,
      set the annotation {GITOPS_ANNOTATIONS.service} on this entity to that
      name.
    </Alert>
  );
};
