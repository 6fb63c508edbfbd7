import Alert from '@material-ui/lab/Alert';
import type { SourceError } from '@gitops2/plugin-gitops-common';
import { formatSourceError } from '../shared';

/**
 * The pipeline file itself is broken: say where, what is shown, and what to
 * do (fix the file in Git; the next ingestion reads it again).
 */
export const PipelineErrorBanner = (props: {
  error: SourceError;
  hasLastGoodPipeline: boolean;
  /** The repository's id and branch, to say where to fix it. */
  repositoryId?: string;
  branch?: string;
}) => {
  const text = formatSourceError(props.error).replace(/\.$/, '');
  const where =
    props.repositoryId && props.branch
      ? ` on branch ${props.branch} of the GitOps repository ${props.repositoryId}`
      : ' in the GitOps repository';
  return (
    <Alert
      severity={props.hasLastGoodPipeline ? 'warning' : 'error'}
      data-testid="gitops-pipeline-error"
    >
      The pipeline file is broken: {text}.{' '}
      {props.hasLastGoodPipeline
        ? 'Showing the last good pipeline.'
        : 'There is no earlier valid pipeline to show.'}{' '}
      To fix it, correct the file{where} (docs/pipeline.md lists the rules); the
      portal reads it again with the next commit.
    </Alert>
  );
};
