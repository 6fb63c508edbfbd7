/**
 * The GitOps 2.0 plugin for the new frontend system.
 *
 * @packageDocumentation
 */
export {
  gitopsPlugin,
  gitopsApi,
  gitopsEntityContent,
  gitopsEntityCard,
  gitopsPage,
  gitopsDashboardSubPage,
  gitopsOverviewSubPage,
  gitopsFeaturesSubPage,
  gitopsApprovalsSubPage,
  gitopsEnvironmentEntityContent,
  gitopsEnvironmentChangeSubPage,
  gitopsRepositoryPickerFormField,
  gitopsStagePickerFormField,
  gitopsEnvironmentPickerFormField,
  gitopsClusterPickerFormField,
  gitopsChangePreviewFormField,
} from './plugin';
export { gitopsPlugin as default } from './plugin';
