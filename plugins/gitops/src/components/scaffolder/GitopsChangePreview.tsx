import { useEffect } from 'react';
import { useApi } from '@backstage/core-plugin-api';
import { Progress } from '@backstage/core-components';
import Box from '@material-ui/core/Box';
import FormHelperText from '@material-ui/core/FormHelperText';
import Typography from '@material-ui/core/Typography';
import Alert from '@material-ui/lab/Alert';
import type {
  EnvironmentChange,
  EnvironmentCreateRequest,
  ServiceAddRequest,
} from '@gitops2/plugin-gitops-common';
import useAsync from 'react-use/esm/useAsync';
import { gitopsApiRef } from '../../api';
import { DiffLines } from '../promotion/DiffView';
import { backendMessage } from '../promotion';
import { environmentRequestOf, serviceRequestOf } from './changeRequest';
import {
  formDataOf,
  repositoryOf,
  type PickerProps,
  type PickerUiOptions,
} from './fieldProps';

export interface ChangePreviewUiOptions extends PickerUiOptions {
  /** `environment` (default): gitops:environment:create; `service`: gitops:service:add. */
  kind?: 'environment' | 'service';
  /** Values the template's step fixes (e.g. `placementKind: join-stage`, `approvals: 1`). */
  fixed?: Record<string, unknown>;
}

/**
 * `ui:field: GitopsChangePreview`: the last page of the environment
 * templates. It plans the change with the form's values (the backend's
 * preview: permission, every check, the full diff; nothing is written) and
 * shows the pipeline edit and one file per service. Its value is the commit
 * the plan was made on; a refusal is shown here and, the field being
 * required, keeps the form from going on.
 */
export const GitopsChangePreview = (
  props: PickerProps<string, ChangePreviewUiOptions>,
) => {
  const api = useApi(gitopsApiRef);
  const options = props.uiSchema?.['ui:options'] ?? {};
  const repositoryId = repositoryOf(props);
  const data = { ...formDataOf(props), ...(options.fixed ?? {}) };
  const request =
    options.kind === 'service'
      ? serviceRequestOf(data)
      : environmentRequestOf(data);
  const key = JSON.stringify([repositoryId, request]);
  const preview = useAsync(async (): Promise<EnvironmentChange | undefined> => {
    if (!repositoryId) return undefined;
    return options.kind === 'service'
      ? api.previewService(repositoryId, request as ServiceAddRequest)
      : api.previewEnvironment(
          repositoryId,
          request as EnvironmentCreateRequest,
        );
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [api, key]);

  const { onChange } = props;
  const baseSha = preview.value?.baseSha;
  useEffect(() => {
    onChange(preview.error ? undefined : baseSha);
  }, [onChange, baseSha, preview.error]);

  let body;
  if (!repositoryId) {
    body = <Alert severity="info">Choose a GitOps repository first.</Alert>;
  } else if (preview.loading) {
    body = <Progress />;
  } else if (preview.error) {
    body = (
      <Alert severity="error" data-testid="gitops-change-preview-refused">
        {backendMessage(preview.error)}
      </Alert>
    );
  } else if (preview.value) {
    const change = preview.value;
    body = (
      <Box data-testid="gitops-change-preview">
        <Typography variant="body2" paragraph>
          {change.mode === 'direct'
            ? `One commit on the branch clusters follow`
            : `One pull request (branch gitops/${
                options.kind === 'service' ? 'service' : 'environment'
              }-${change.environment})`}
          , on {change.baseSha.slice(0, 12)}: {change.files.length} files
          {change.services.length > 0 &&
            `; ${change.services
              .map(
                s =>
                  `${s.service}${
                    s.environment ? ` in ${s.environment}` : ''
                  } at ${s.version}`,
              )
              .join(', ')}`}
          .
        </Typography>
        {change.files.map(f => (
          <Box
            key={f.path}
            mb={2}
            data-testid="gitops-change-preview-file"
            data-path={f.path}
            data-purpose={f.purpose}
          >
            <Typography variant="subtitle2" component="h3">
              {f.path}
              {f.purpose === 'manifest' && f.service ? ` (${f.service})` : ''}
            </Typography>
            <DiffLines diff={f.diff} />
          </Box>
        ))}
      </Box>
    );
  }
  return (
    <Box mt={2} mb={2}>
      <Typography variant="h6" component="h2" gutterBottom>
        {props.schema.title ?? 'The change'}
      </Typography>
      {props.schema.description && (
        <FormHelperText>{props.schema.description}</FormHelperText>
      )}
      {body}
    </Box>
  );
};
