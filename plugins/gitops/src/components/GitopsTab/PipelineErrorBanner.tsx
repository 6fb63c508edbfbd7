import Alert from '@material-ui/lab/Alert';
import type { SourceError } from '@gitops2/plugin-gitops-common';
import { formatSourceError } from '../shared';

/** The pipeline file itself is broken: say where, and what is shown. */
export const PipelineErrorBanner = (props: {
  error: SourceError;
  hasLastGoodPipeline: boolean;
}) => {
  const text = formatSourceError(props.error).replace(/\.$/, '');
  return (
    <Alert severity="warning" data-testid="gitops-pipeline-error">
      The pipeline file is broken: {text}.{' '}
      {props.hasLastGoodPipeline
        ? 'Showing the last good pipeline.'
        : 'There is no earlier valid pipeline to show.'}
    </Alert>
  );
};
