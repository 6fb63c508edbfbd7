import { useApi } from '@backstage/core-plugin-api';
import type { PipelineChoices } from '@gitops2/plugin-gitops-common';
import useAsync from 'react-use/esm/useAsync';
import { gitopsApiRef } from '../../api';

/**
 * The stages, environments, known clusters and services of a repository's
 * pipeline at its head (GET /v1/repositories/:id/pipeline); nothing until a
 * repository is chosen.
 */
export function usePipelineChoices(repositoryId: string | undefined): {
  loading: boolean;
  value?: PipelineChoices;
  error?: Error;
} {
  const api = useApi(gitopsApiRef);
  return useAsync(
    async () =>
      repositoryId ? api.getPipelineChoices(repositoryId) : undefined,
    [api, repositoryId],
  );
}
