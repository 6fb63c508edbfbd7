/**
 * The GitOps 2.0 frontend plugin: the GitOps tab and overview card of an
 * entity, and the GitOps page.
 *
 * Legacy frontend system exports; the new frontend system plugin is the
 * default export of `@gitops2/plugin-gitops/alpha`.
 *
 * @packageDocumentation
 */
export {
  gitopsPlugin,
  EntityGitopsContent,
  EntityGitopsOverviewCard,
  EntityGitopsEnvironmentContent,
  GitopsPage,
  GitopsRepositoryPickerFieldExtension,
  GitopsStagePickerFieldExtension,
  GitopsEnvironmentPickerFieldExtension,
  GitopsClusterPickerFieldExtension,
  GitopsChangePreviewFieldExtension,
} from './plugin';
export { isGitopsEnvironment } from './components/EnvironmentTab/environmentAnnotations';
export { gitopsApiRef } from './api';
export { GitopsLiveClient } from './api/GitopsLiveClient';
export type { GitopsLiveApi } from './api/GitopsLiveClient';
export type { GitopsApi, GitopsFrontendApi, GitopsPromotionApi } from './api';
export {
  approvalsRouteRef,
  rootRouteRef,
  entityContentRouteRef,
  environmentContentRouteRef,
  featuresRouteRef,
} from './routes';
export { isGitopsAvailable } from '@gitops2/plugin-gitops-common';
