import { useApi } from '@backstage/core-plugin-api';
import useAsync from 'react-use/esm/useAsync';
import { gitopsApiRef } from '../../api';
import { ChoiceSelect } from './ChoiceSelect';
import { selectPropsOf, type PickerProps } from './fieldProps';

/** `ui:field: GitopsRepositoryPicker`: the configured GitOps repositories. */
export const GitopsRepositoryPicker = (props: PickerProps) => {
  const api = useApi(gitopsApiRef);
  const repositories = useAsync(() => api.getRepositories(), [api]);
  return (
    <ChoiceSelect
      {...selectPropsOf(props, 'GitOps repository')}
      loading={repositories.loading}
      error={repositories.error}
      choices={repositories.value?.items.map(r => ({
        value: r.id,
        label: r.location ? `${r.id} (${r.location})` : r.id,
      }))}
      testId="gitops-picker-repository"
    />
  );
};
