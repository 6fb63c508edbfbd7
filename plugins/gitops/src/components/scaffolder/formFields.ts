import { createFormField } from '@backstage/plugin-scaffolder-react/alpha';
import { GitopsChangePreview } from './GitopsChangePreview';
import { GitopsClusterPicker } from './GitopsClusterPicker';
import { GitopsEnvironmentPicker } from './GitopsEnvironmentPicker';
import { GitopsRepositoryPicker } from './GitopsRepositoryPicker';
import { GitopsStagePicker } from './GitopsStagePicker';

/**
 * The GitOps scaffolder fields for the new frontend system (loaded lazily by
 * the FormFieldBlueprint extensions of the plugin); the legacy app gets the
 * same components through `createScaffolderFieldExtension` (plugin.ts).
 */
export const gitopsRepositoryPickerField = createFormField({
  name: 'GitopsRepositoryPicker',
  component: GitopsRepositoryPicker,
});
export const gitopsStagePickerField = createFormField({
  name: 'GitopsStagePicker',
  component: GitopsStagePicker,
});
export const gitopsEnvironmentPickerField = createFormField({
  name: 'GitopsEnvironmentPicker',
  component: GitopsEnvironmentPicker,
});
export const gitopsClusterPickerField = createFormField({
  name: 'GitopsClusterPicker',
  component: GitopsClusterPicker,
});
export const gitopsChangePreviewField = createFormField({
  name: 'GitopsChangePreview',
  component: GitopsChangePreview as any,
});
