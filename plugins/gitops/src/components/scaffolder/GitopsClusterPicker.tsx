import { ChoiceSelect } from './ChoiceSelect';
import { repositoryOf, selectPropsOf, type PickerProps } from './fieldProps';
import { usePipelineChoices } from './usePipelineChoices';

/**
 * `ui:field: GitopsClusterPicker`: the clusters a new environment may name
 * (configured, or used by an environment of the pipeline), each with the
 * environments it runs.
 */
export const GitopsClusterPicker = (props: PickerProps) => {
  const repositoryId = repositoryOf(props);
  const choices = usePipelineChoices(repositoryId);
  return (
    <ChoiceSelect
      {...selectPropsOf(props, 'Cluster')}
      loading={choices.loading}
      error={choices.error}
      waitingFor={repositoryId ? undefined : 'Choose a GitOps repository first'}
      choices={choices.value?.clusters.map(c => ({
        value: c.name,
        label: c.environments.length
          ? `${c.name} (runs ${c.environments.join(', ')})`
          : c.name,
      }))}
      testId={`gitops-picker-cluster-${props.name}`}
    />
  );
};
