import TextField from '@material-ui/core/TextField';
import { backendMessage } from '../promotion';

export interface Choice {
  value: string;
  label: string;
}

/**
 * A native select (named by its label, usable by keyboard and screen
 * readers as is) over choices the backend gave; while they load, or when
 * they cannot be had, it says so instead of offering free text.
 */
export function ChoiceSelect(props: {
  id: string;
  label: string;
  description?: string;
  value: string | undefined;
  onChange: (value: string | undefined) => void;
  choices: Choice[] | undefined;
  loading: boolean;
  error?: Error;
  /** Why there is nothing to choose yet (e.g. "Choose a repository first"). */
  waitingFor?: string;
  required?: boolean;
  rawErrors?: string[];
  testId: string;
}) {
  const { choices, value } = props;
  const unknown =
    value !== undefined && choices && !choices.some(c => c.value === value);
  let helper = props.description;
  if (props.error) helper = backendMessage(props.error);
  else if (props.waitingFor) helper = props.waitingFor;
  else if (props.loading) helper = 'Loading the choices…';
  else if (unknown) helper = `"${value}" is not one of the choices`;
  else if (props.rawErrors?.length) helper = props.rawErrors.join('; ');
  return (
    <TextField
      select
      id={props.id}
      label={props.label}
      value={value ?? ''}
      required={props.required}
      margin="normal"
      fullWidth
      variant="outlined"
      disabled={!choices || props.loading}
      error={!!props.error || !!unknown || !!props.rawErrors?.length}
      helperText={helper}
      onChange={e =>
        props.onChange(e.target.value === '' ? undefined : e.target.value)
      }
      SelectProps={{ native: true }}
      InputLabelProps={{ shrink: true }}
      inputProps={{ 'data-testid': props.testId }}
    >
      <option value="">{choices?.length ? 'Choose…' : ''}</option>
      {(choices ?? []).map(c => (
        <option key={c.value} value={c.value}>
          {c.label}
        </option>
      ))}
    </TextField>
  );
}
