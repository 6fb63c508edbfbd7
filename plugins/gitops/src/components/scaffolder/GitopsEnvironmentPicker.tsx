import Checkbox from '@material-ui/core/Checkbox';
import FormControl from '@material-ui/core/FormControl';
import FormControlLabel from '@material-ui/core/FormControlLabel';
import FormGroup from '@material-ui/core/FormGroup';
import FormHelperText from '@material-ui/core/FormHelperText';
import FormLabel from '@material-ui/core/FormLabel';
import { backendMessage } from '../promotion';
import { ChoiceSelect } from './ChoiceSelect';
import {
  fieldOf,
  repositoryOf,
  selectPropsOf,
  type PickerProps,
} from './fieldProps';
import { usePipelineChoices } from './usePipelineChoices';

/**
 * `ui:field: GitopsEnvironmentPicker`: the environments of the chosen
 * repository's pipeline in promotion order (only those of one stage with
 * `ui:options.stageField`). A field of type `array` picks several
 * (checkboxes).
 */
export const GitopsEnvironmentPicker = (props: PickerProps<any>) => {
  const repositoryId = repositoryOf(props);
  const choices = usePipelineChoices(repositoryId);
  const stageField = props.uiSchema?.['ui:options']?.stageField;
  const stage = stageField ? fieldOf(props, stageField) : undefined;
  const environments = choices.value?.environments.filter(
    e => !stageField || e.stage === stage,
  );
  let waitingFor: string | undefined;
  if (!repositoryId) waitingFor = 'Choose a GitOps repository first';
  else if (stageField && !stage) waitingFor = 'Choose a stage first';
  const label = props.schema.title ?? 'Environment';

  if (props.schema.type === 'array') {
    const selected: string[] = Array.isArray(props.formData)
      ? props.formData
      : [];
    const toggle = (name: string, on: boolean) => {
      const next = on ? [...selected, name] : selected.filter(n => n !== name);
      // Promotion order, whatever the order of the clicks.
      const order = (environments ?? []).map(e => e.name);
      props.onChange(next.sort((a, b) => order.indexOf(a) - order.indexOf(b)));
    };
    let helper = props.schema.description;
    if (choices.error) helper = backendMessage(choices.error);
    else if (waitingFor) helper = waitingFor;
    else if (props.rawErrors?.length) helper = props.rawErrors.join('; ');
    return (
      <FormControl
        component="fieldset"
        margin="normal"
        required={props.required}
        error={!!choices.error || !!props.rawErrors?.length}
        data-testid={`gitops-picker-environments-${props.name}`}
      >
        <FormLabel component="legend">{label}</FormLabel>
        <FormGroup row>
          {(environments ?? []).map(e => (
            <FormControlLabel
              key={e.name}
              label={e.name}
              control={
                <Checkbox
                  checked={selected.includes(e.name)}
                  onChange={(_, on) => toggle(e.name, on)}
                  name={e.name}
                />
              }
            />
          ))}
        </FormGroup>
        {helper && <FormHelperText>{helper}</FormHelperText>}
      </FormControl>
    );
  }

  return (
    <ChoiceSelect
      {...selectPropsOf(props, 'Environment')}
      loading={choices.loading}
      error={choices.error}
      waitingFor={waitingFor}
      choices={environments?.map(e => ({
        value: e.name,
        label: e.stage === e.name ? e.name : `${e.name} (stage ${e.stage})`,
      }))}
      testId={`gitops-picker-environment-${props.name}`}
    />
  );
};
