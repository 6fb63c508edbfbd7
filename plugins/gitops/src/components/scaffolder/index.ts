export { GitopsRepositoryPicker } from './GitopsRepositoryPicker';
export { GitopsStagePicker } from './GitopsStagePicker';
export { GitopsEnvironmentPicker } from './GitopsEnvironmentPicker';
export { GitopsClusterPicker } from './GitopsClusterPicker';
export { GitopsChangePreview } from './GitopsChangePreview';
export type { ChangePreviewUiOptions } from './GitopsChangePreview';
export type { PickerUiOptions } from './fieldProps';
