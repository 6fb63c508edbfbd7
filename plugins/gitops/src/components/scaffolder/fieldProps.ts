import type { FieldExtensionComponentProps } from '@backstage/plugin-scaffolder-react';

/**
 * Options every GitOps picker reads from `ui:options`: where the other
 * fields it depends on are (defaults: `repositoryId`, `stage`).
 */
export interface PickerUiOptions {
  /** The form field holding the GitOps repository id. */
  repositoryField?: string;
  /** GitopsEnvironmentPicker: only the environments of the stage in this field. */
  stageField?: string;
}

export type PickerProps<
  T = string,
  O = PickerUiOptions,
> = FieldExtensionComponentProps<T, O>;

/** The whole form's data (all steps), as the scaffolder passes it. */
export function formDataOf(props: {
  formContext?: unknown;
}): Record<string, unknown> {
  const ctx = props.formContext as { formData?: unknown } | undefined;
  const data = ctx?.formData;
  return data && typeof data === 'object'
    ? (data as Record<string, unknown>)
    : {};
}

/** A string field of the whole form, or undefined. */
export function fieldOf(
  props: { formContext?: unknown },
  name: string,
): string | undefined {
  const v = formDataOf(props)[name];
  return typeof v === 'string' && v !== '' ? v : undefined;
}

export function repositoryOf(
  props: PickerProps<any, PickerUiOptions>,
): string | undefined {
  return fieldOf(
    props,
    props.uiSchema?.['ui:options']?.repositoryField ?? 'repositoryId',
  );
}

/** What every picker's `ChoiceSelect` takes from the scaffolder field as is. */
export function selectPropsOf(
  props: PickerProps<any, PickerUiOptions>,
  defaultLabel: string,
) {
  return {
    id: props.idSchema?.$id ?? props.name,
    label: props.schema.title ?? defaultLabel,
    description: props.schema.description,
    value: props.formData,
    onChange: props.onChange,
    required: props.required,
    rawErrors: props.rawErrors,
  };
}
