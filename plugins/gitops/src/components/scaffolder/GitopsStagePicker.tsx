import { ChoiceSelect } from './ChoiceSelect';
import { repositoryOf, selectPropsOf, type PickerProps } from './fieldProps';
import { usePipelineChoices } from './usePipelineChoices';

/**
 * `ui:field: GitopsStagePicker`: the stages of the chosen repository's
 * pipeline, in promotion order, each with its environments.
 */
export const GitopsStagePicker = (props: PickerProps) => {
  const repositoryId = repositoryOf(props);
  const choices = usePipelineChoices(repositoryId);
  return (
    <ChoiceSelect
      {...selectPropsOf(props, 'Stage')}
      loading={choices.loading}
      error={choices.error}
      waitingFor={repositoryId ? undefined : 'Choose a GitOps repository first'}
      choices={choices.value?.stages.map(s => ({
        value: s.name,
        label:
          s.environments.length === 1 && s.environments[0] === s.name
            ? s.name
            : `${s.name} (${s.environments.join(', ')})`,
      }))}
      testId={`gitops-picker-stage-${props.name}`}
    />
  );
};
