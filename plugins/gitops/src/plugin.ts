import {
  createApiFactory,
  createComponentExtension,
  createPlugin,
  createRoutableExtension,
  discoveryApiRef,
  fetchApiRef,
} from '@backstage/core-plugin-api';
import { createScaffolderFieldExtension } from '@backstage/plugin-scaffolder-react';
import { gitopsApiRef } from './api';
import {
  GitopsChangePreview,
  GitopsClusterPicker,
  GitopsEnvironmentPicker,
  GitopsRepositoryPicker,
  GitopsStagePicker,
} from './components/scaffolder';
import { GitopsLiveClient } from './api/GitopsLiveClient';
import {
  approvalsRouteRef,
  entityContentRouteRef,
  environmentContentRouteRef,
  featuresRouteRef,
  rootRouteRef,
} from './routes';

/**
 * The GitOps plugin for the legacy frontend system. Apps on the new frontend
 * system use the default export of `@gitops2/plugin-gitops/alpha` instead.
 *
 * @public
 */
export const gitopsPlugin = createPlugin({
  id: 'gitops',
  apis: [
    // GitopsLiveClient (a GitopsClient) implements GitopsApi,
    // GitopsPromotionApi and GitopsLiveApi.
    createApiFactory({
      api: gitopsApiRef,
      deps: { discoveryApi: discoveryApiRef, fetchApi: fetchApiRef },
      factory: ({ discoveryApi, fetchApi }) =>
        new GitopsLiveClient({ discoveryApi, fetchApi }),
    }),
  ],
  routes: {
    root: rootRouteRef,
    entityContent: entityContentRouteRef,
    environmentContent: environmentContentRouteRef,
    features: featuresRouteRef,
    approvals: approvalsRouteRef,
  },
});

/**
 * The GitOps tab of an entity page. Show it for entities that pass
 * `isGitopsAvailable`.
 *
 * @public
 */
export const EntityGitopsContent = gitopsPlugin.provide(
  createRoutableExtension({
    name: 'EntityGitopsContent',
    component: () => import('./components/GitopsTab').then(m => m.GitopsTab),
    mountPoint: entityContentRouteRef,
  }),
);

/**
 * A compact card for the entity overview page.
 *
 * @public
 */
export const EntityGitopsOverviewCard = gitopsPlugin.provide(
  createComponentExtension({
    name: 'EntityGitopsOverviewCard',
    component: {
      lazy: () =>
        import('./components/GitopsOverviewCard').then(
          m => m.GitopsOverviewCard,
        ),
    },
  }),
);

/**
 * The GitOps page: configured repositories, recent deployments, the feature
 * tracker at `/gitops/features` and the approval inbox at `/gitops/approvals`. Mount it at `/gitops` (sub-routes
 * are its own).
 *
 * @public
 */
export const GitopsPage = gitopsPlugin.provide(
  createRoutableExtension({
    name: 'GitopsPage',
    component: () => import('./components/GitopsPage').then(m => m.GitopsPage),
    mountPoint: rootRouteRef,
  }),
);

/**
 * The GitOps tab of an environment entity (a catalog Resource of type
 * `environment`, see `isGitopsEnvironment`): every service's version,
 * health, pending changes and recent rollouts there.
 *
 * @public
 */
export const EntityGitopsEnvironmentContent = gitopsPlugin.provide(
  createRoutableExtension({
    name: 'EntityGitopsEnvironmentContent',
    component: () =>
      import('./components/EnvironmentTab').then(m => m.EnvironmentTab),
    mountPoint: environmentContentRouteRef,
  }),
);

/**
 * Scaffolder fields fed by the gitops backend, for the legacy app: put them
 * inside `<ScaffolderFieldExtensions>` of the scaffolder route
 * (docs/environments.md#pickers).
 *
 * @public
 */
export const GitopsRepositoryPickerFieldExtension = gitopsPlugin.provide(
  createScaffolderFieldExtension({
    name: 'GitopsRepositoryPicker',
    component: GitopsRepositoryPicker,
  }),
);

/** @public */
export const GitopsStagePickerFieldExtension = gitopsPlugin.provide(
  createScaffolderFieldExtension({
    name: 'GitopsStagePicker',
    component: GitopsStagePicker,
  }),
);

/** @public */
export const GitopsEnvironmentPickerFieldExtension = gitopsPlugin.provide(
  createScaffolderFieldExtension({
    name: 'GitopsEnvironmentPicker',
    component: GitopsEnvironmentPicker,
  }),
);

/** @public */
export const GitopsClusterPickerFieldExtension = gitopsPlugin.provide(
  createScaffolderFieldExtension({
    name: 'GitopsClusterPicker',
    component: GitopsClusterPicker,
  }),
);

/** @public */
export const GitopsChangePreviewFieldExtension = gitopsPlugin.provide(
  createScaffolderFieldExtension({
    name: 'GitopsChangePreview',
    component: GitopsChangePreview as any,
  }),
);
